"""Discovery with 1,000 installed distributions: one scan for three groups against one lookup.

The benchmark writes 1,000 fake distributions (dist-info folders, a few with flyte entry points,
the rest with console scripts) into a temporary site folder, then in fresh interpreters times
one `importlib.metadata.entry_points(group=...)` call and flyte's scan of all three groups.
Target: the scan costs at most 1.2 times the single-group lookup.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _table import judge, print_table

DISTRIBUTIONS = 1000
WITH_FLYTE_PLUGINS = 30

TIMED = """
import sys, time
start = time.perf_counter()
{statement}
print(time.perf_counter() - start)
"""
LOOKUP = "import importlib.metadata as m; m.entry_points(group='flyte.tasks')"
SCAN = "from flyte import _discovery; _discovery.records()"


def write_site(site: Path) -> None:
    """Write the fake distributions."""
    for i in range(DISTRIBUTIONS):
        info = site / f"fake_dist_{i:04d}-1.{i}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: fake-dist-{i:04d}\nVersion: 1.{i}\n"
        )
        if i % (DISTRIBUTIONS // WITH_FLYTE_PLUGINS) == 0:
            groups = (
                f"[flyte.tasks]\nfake{i} = fake_{i}\n\n[flyte.transformers]\nfake{i} = fake_{i}\n"
            )
        else:
            groups = f"[console_scripts]\nfake-{i} = fake_{i}:main\n"
        (info / "entry_points.txt").write_text(groups)


def median_ms(statement: str, site: Path, runs: int) -> float:
    """The median in-process time of ``statement`` in fresh interpreters, in milliseconds."""
    env = dict(os.environ, PYTHONPATH=str(site))
    code = TIMED.format(statement=statement)
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times) * 1000


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        write_site(site)
        lookup = median_ms(LOOKUP, site, args.runs)
        scan = median_ms(SCAN, site, args.runs)
    print_table(
        f"discovery over {DISTRIBUTIONS} extra distributions, median of {args.runs} fresh interpreters",
        [
            ("entry_points(group='flyte.tasks')", lookup, "one group, importlib.metadata"),
            ("flyte scan of all three groups", scan, judge(scan / lookup, "<=", 1.2, "x")),
        ],
        "entry_points(group='flyte.tasks')",
    )


if __name__ == "__main__":
    main()
