"""Cold `import flyte` beside `python -c pass` and one flyteidl module, median of many runs.

The cost of an import is the run's time less that of `python -c pass` on the same interpreter.
Target: `import flyte` costs no more than `import flyteidl.core.literals_pb2`. flytekit and
flyte-sdk are measured the same way in their own bench-only venvs, for reference.
"""

from __future__ import annotations

import argparse
import sys

from _baselines import baseline_python
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
        for name, requirement, statement in [
            ("flytekit", "flytekit==1.16.31", "import flytekit"),
            ("flyte-sdk", "flyte==2.12.1", "import flyte"),
        ]:
            other = baseline_python(name, [requirement])
            rows.append(
                (f"{statement} ({name})", import_cost(other, statement, args.runs), requirement)
            )
    print_table(
        f"cold import, median of {args.runs} runs (import rows: ms beyond `python -c pass`)",
        rows,
        FLYTEIDL_MODULE,
    )


if __name__ == "__main__":
    main()
