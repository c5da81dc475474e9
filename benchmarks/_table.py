"""The table every benchmark prints: one row per case, with its ratio to the run's baseline.

A figure with a target says whether it met it, with :func:`judge`.
"""

from __future__ import annotations

import operator
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence

__all__ = ["best_seconds", "judge", "median_seconds", "print_table"]

#: The comparisons a target may make, by the sign its line shows.
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    ">=": operator.ge,
}


def judge(value: float, comparison: str, limit: float, unit: str = "") -> str:
    """A target's line for ``value``: ``target <= 150 us: met``, or ``...: MISSED``.

    ``comparison`` is one of :data:`COMPARISONS`; ``unit`` follows the limit as written
    (``" us"``, ``"x"`` for a ratio).
    """
    verdict = "met" if COMPARISONS[comparison](value, limit) else "MISSED"
    return f"target {comparison} {limit:g}{unit}: {verdict}"


def best_seconds(func: Callable[[], object], repeats: int) -> float:
    """The shortest wall time of ``func()`` over ``repeats`` calls: a noisy neighbour on a shared
    machine inflates some repeats, never the best."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def median_seconds(command: Sequence[str], runs: int, env: dict[str, str] | None = None) -> float:
    """The median wall time of ``command`` over ``runs`` runs, after one warm-up run."""
    subprocess.run(command, check=True, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_table(
    title: str, rows: Sequence[tuple[str, float, str]], baseline: str, unit: str = "ms"
) -> None:
    """Print ``rows`` of (case, figure in ``unit``, note) with each case's ratio to ``baseline``."""
    base = {name: ms for name, ms, _ in rows}[baseline]
    width = max(len(name) for name, _, _ in rows)
    print(f"\n{title}; ratio: to `{baseline}`")
    print(f"{'case'.ljust(width)}  {unit:>9}  {'ratio':>6}  note")
    for name, ms, note in rows:
        ratio = f"{ms / base:.2f}" if base > 0 else "-"
        print(f"{name.ljust(width)}  {ms:9.2f}  {ratio:>6}  {note}")
