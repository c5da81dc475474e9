"""The type system's speed and memory against the floor, flytekit and flyte-sdk, in one run.

    python benchmarks/bench_types.py [--runs 3] [--baseline-runs 1] [--scale 1.0] [--no-baselines]

Each case converts one value to a literal and the literal back, measured apart: the best wall
time of ``--runs`` runs and the peak growth of resident memory during one run. The floor is the
same literal built and read by hand with flyteidl's classes (the fastest way we know to write
it), in this interpreter; flyte-core runs here too; flytekit 1.16.31 and flyte-sdk 2.12.1
(PyPI ``flyte``) run in their own bench-only venvs, on this Python where they support it (a row
on another Python names it, and its ratio crosses Pythons). Each measurement is its own process, so
one case's garbage does not weigh on the next. The target is a ratio of at most 1.5 for
flyte-core on every row.

flytekit memoizes ``to_literal`` by value, so its cache is cleared before each run. Its
literals are its own model objects, not flyteidl messages (turning them into messages,
``to_flyte_idl``, is not counted), and reading a ``str`` from one costs nothing because the
model holds the decoded value.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baselines import THIS_PYTHON, add_comparison_options, interpreters, run_in
from _table import judge, print_table

WORKER = Path(__file__).resolve().parent / "_types_worker.py"
CASES = ["list[int]", "dict[str,float]", "list[dataclass]", "str 10MB"]
SIZES = {
    "list[int]": "1,000,000 ints",
    "dict[str,float]": "100,000 entries",
    "list[dataclass]": "10,000 rows: int, str, float, 10 ints, nested pair",
    "str 10MB": "one 10 MB str",
}
DIRECTIONS = ["to_literal", "to_python_value"]


def measure(
    python: str, sdk: str, case: str, direction: str, runs: int, scale: float
) -> dict[str, float]:
    """Run the worker for one SDK, case and direction; its peak MB and best seconds."""
    args = [sdk, case, direction, str(runs), str(scale)]
    if python == sys.executable:
        out = subprocess.run(
            [python, str(WORKER), *args], capture_output=True, text=True, check=True
        ).stdout
    else:
        out = run_in(python, WORKER.read_text(), *args)
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_comparison_options(parser)
    args = parser.parse_args()
    sdks = interpreters(args)
    worst = 0.0
    for case in CASES:
        for direction in DIRECTIONS:
            rows = []
            for sdk, (label, python) in sdks.items():
                runs = args.runs if python == sys.executable else args.baseline_runs
                result = measure(python, sdk, case, direction, runs, args.scale)
                note = f"peak +{result['peak_mb']:.1f} MB"
                rows.append((label, result["seconds"] * 1000, note))
            floor_ms = rows[0][1]
            worst = max(worst, rows[1][1] / floor_ms)
            size = SIZES[case] if args.scale == 1.0 else f"{args.scale:g} x {SIZES[case]}"
            title = f"{case} {direction} ({size}) on Python {THIS_PYTHON}, best of runs"
            print_table(title, rows, "floor")
    print(f"\nflyte-core's worst ratio to the floor: {worst:.2f} ({judge(worst, '<=', 1.5, 'x')})")


if __name__ == "__main__":
    main()
