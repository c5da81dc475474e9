"""Cold `import flyte` beside `python -c pass` and one flyteidl module, and `flyte --help`.

Each figure is the median of many fresh processes. The cost of an import is the run's time less
that of `python -c pass` on the same interpreter; `flyte --help` is the whole wall time of the
console script, interpreter start included, since that is what its user waits for.
Targets: `import flyte` costs no more than `import flyteidl.core.literals_pb2`; `flyte --help`
answers in under 100 ms. flytekit and flyte-sdk are measured the same way in their own bench-only
venvs, for reference, each against the start of its own interpreter (a Python other than this
one is named in its row).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _baselines import FLYTE_SDK, FLYTEKIT, THIS_PYTHON
from _table import judge, median_seconds, print_table

FLYTEIDL_MODULE = "import flyteidl.core.literals_pb2"
HELP_TARGET_MS = 100.0


def import_cost(python: str, statement: str, runs: int) -> float:
    """Milliseconds that ``statement`` adds to a bare interpreter start."""
    bare = median_seconds([python, "-c", "pass"], runs)
    return (median_seconds([python, "-c", statement], runs) - bare) * 1000


def console_script(python: str, name: str) -> str:
    """The path of the console script ``name`` installed beside the interpreter ``python``."""
    script = Path(python).parent / name
    if not script.is_file():
        raise RuntimeError(
            f"no `{name}` console script beside {python}: install flyte-core into that"
            " environment (`python3 noxw.py -s bench` does)"
        )
    return str(script)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--no-baselines", action="store_true", help="skip flytekit and flyte-sdk")
    args = parser.parse_args()
    python = sys.executable
    yardstick = import_cost(python, FLYTEIDL_MODULE, args.runs)
    flyte_cost = import_cost(python, "import flyte", args.runs)
    help_ms = median_seconds([console_script(python, "flyte"), "--help"], args.runs) * 1000
    rows = [
        (
            "python -c pass",
            median_seconds([python, "-c", "pass"], args.runs) * 1000,
            "interpreter start",
        ),
        (FLYTEIDL_MODULE, yardstick, "the yardstick"),
        ("import flyte", flyte_cost, judge(flyte_cost / yardstick, "<=", 1.0, "x")),
        (
            "flyte --help (whole process)",
            help_ms,
            judge(help_ms, "<", HELP_TARGET_MS, " ms") + "; interpreter start included",
        ),
    ]
    if not args.no_baselines:
        for baseline, statement in [(FLYTEKIT, "import flytekit"), (FLYTE_SDK, "import flyte")]:
            other = baseline.environment()
            if other is not None:
                cost = import_cost(other.python, statement, args.runs)
                rows.append((f"{statement} ({other.label})", cost, baseline.requirement))
    print_table(
        f"cold import on Python {THIS_PYTHON}, median of {args.runs} runs"
        " (import rows: ms beyond `python -c pass`)",
        rows,
        FLYTEIDL_MODULE,
    )


if __name__ == "__main__":
    main()
