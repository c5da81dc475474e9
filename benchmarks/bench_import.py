"""Cold `import flyte` beside `python -c pass` and one flyteidl module, median of many runs.

The cost of an import is the run's time less that of `python -c pass` on the same interpreter.
Target: `import flyte` costs no more than `import flyteidl.core.literals_pb2`. flytekit and
flyte-sdk are measured the same way in their own bench-only venvs, for reference, each against
the start of its own interpreter (a Python other than this one is named in its row).
"""

from __future__ import annotations

import argparse
import sys

from _baselines import FLYTE_SDK, FLYTEKIT, THIS_PYTHON
from _table import median_seconds, print_table

FLYTEIDL_MODULE = "import flyteidl.core.literals_pb2"


def import_cost(python: str, statement: str, runs: int) -> float:
    """Milliseconds that ``statement`` adds to a bare interpreter start."""
    bare = median_seconds([python, "-c", "pass"], runs)
    return (median_seconds([python, "-c", statement], runs) - bare) * 1000


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--no-baselines", action="store_true", help="skip flytekit and flyte-sdk")
    args = parser.parse_args()
    python = sys.executable
    rows = [
        (
            "python -c pass",
            median_seconds([python, "-c", "pass"], args.runs) * 1000,
            "interpreter start",
        ),
        (FLYTEIDL_MODULE, import_cost(python, FLYTEIDL_MODULE, args.runs), "the yardstick"),
        ("import flyte", import_cost(python, "import flyte", args.runs), "target <= 1.00"),
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
