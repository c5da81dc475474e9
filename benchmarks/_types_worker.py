"""One measurement of one type-system case, run in the interpreter of the SDK it measures.

    python _types_worker.py SDK CASE DIRECTION RUNS SCALE

SDK is ``floor`` (flyteidl's classes by hand), ``flyte-core``, ``flytekit`` or ``flyte-sdk``;
DIRECTION is ``to_literal`` or ``to_python_value``. Prints one JSON object: ``peak_mb``, the
peak growth of the process's resident memory during one run (sampled every millisecond), and
``seconds``, the best of RUNS further runs. This file runs in the bench-only venvs
too, so it imports nothing of the project but what the SDK under test is.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass
class Inner:
    x: int
    y: str


@dataclasses.dataclass
class Row:
    a: int
    s: str
    f: float
    ints: list[int]
    inner: Inner


def make_case(case: str, scale: float) -> tuple[Any, Any]:
    """The Python type and value of a case, ``scale`` times its full size."""
    if case == "list[int]":
        return list[int], list(range(int(1_000_000 * scale)))
    if case == "dict[str,float]":
        return dict[str, float], {f"key{i}": i * 0.5 for i in range(int(100_000 * scale))}
    if case == "list[dataclass]":
        rows = [
            Row(i, f"row {i}", i * 0.25, list(range(i, i + 10)), Inner(i, f"y{i}"))
            for i in range(int(10_000 * scale))
        ]
        return list[Row], rows
    if case == "str 10MB":
        return str, "abcdefghi\u00e9" * int(1_048_576 * scale)
    raise SystemExit(f"unknown case {case}")


# --- the floor: the same literal built and read with flyteidl's classes, by hand -------------


def floor(case: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    import msgpack
    from flyteidl.core import literals_pb2

    Literal = literals_pb2.Literal

    def ints_to(values: list[int]) -> Any:
        literal = Literal()
        add = literal.collection.literals.add
        for v in values:
            add().scalar.primitive.integer = v
        return literal

    def ints_from(literal: Any) -> list[int]:
        return [item.scalar.primitive.integer for item in literal.collection.literals]

    def floats_to(values: dict[str, float]) -> Any:
        literal = Literal()
        entries = literal.map.literals
        for k, v in values.items():
            entries[k].scalar.primitive.float_value = v
        return literal

    def floats_from(literal: Any) -> dict[str, float]:
        return {k: v.scalar.primitive.float_value for k, v in literal.map.literals.items()}

    def rows_to(rows: list[Row]) -> Any:
        literal = Literal()
        add = literal.collection.literals.add
        packb = msgpack.packb
        for r in rows:
            binary = add().scalar.binary
            binary.value = packb(
                {
                    "a": r.a,
                    "s": r.s,
                    "f": r.f,
                    "ints": r.ints,
                    "inner": {"x": r.inner.x, "y": r.inner.y},
                }
            )
            binary.tag = "msgpack"
        return literal

    def rows_from(literal: Any) -> list[Row]:
        unpackb = msgpack.unpackb
        out = []
        for item in literal.collection.literals:
            d = unpackb(item.scalar.binary.value)
            out.append(Row(d["a"], d["s"], d["f"], d["ints"], Inner(**d["inner"])))
        return out

    def str_to(value: str) -> Any:
        literal = Literal()
        literal.scalar.primitive.string_value = value
        return literal

    def str_from(literal: Any) -> str:
        return literal.scalar.primitive.string_value

    return {
        "list[int]": (ints_to, ints_from),
        "dict[str,float]": (floats_to, floats_from),
        "list[dataclass]": (rows_to, rows_from),
        "str 10MB": (str_to, str_from),
    }[case]


# --- the SDKs ---------------------------------------------------------------------------------


def _async_engine(python_type: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """flyte-core's or flyte-sdk's async TypeEngine (the same API), driven by one event loop.

    One loop for every run, as a task's runtime has: asyncio.run in the main thread would
    also install a SIGINT handler whose repr prints the task's result, a whole literal.
    """
    from flyte.types import TypeEngine

    literal_type = TypeEngine.to_literal_type(python_type)
    loop = asyncio.new_event_loop()

    def to(value: Any) -> Any:
        return loop.run_until_complete(TypeEngine.to_literal(value, python_type, literal_type))

    def back(literal: Any) -> Any:
        return loop.run_until_complete(TypeEngine.to_python_value(literal, python_type))

    return to, back


def flytekit(python_type: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine

    ctx = FlyteContextManager.current_context()
    literal_type = TypeEngine.to_literal_type(python_type)

    # flytekit memoizes to_literal by the value; a repeated timed run would measure a lookup.
    cache = getattr(TypeEngine, "_LITERAL_CACHE", {})

    def to(value: Any) -> Any:
        cache.clear()
        return TypeEngine.to_literal(ctx, value, python_type, literal_type)

    def back(literal: Any) -> Any:
        return TypeEngine.to_python_value(ctx, literal, python_type)

    return to, back


# --- measuring --------------------------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_growth_mb(run: Callable[[], Any]) -> float:
    """The peak growth of resident memory while ``run`` runs, sampled every millisecond."""
    gc.collect()
    start = _rss()
    peak = start
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = run()
        peak = max(peak, _rss())
    finally:
        done.set()
        sampler.join()
    del result
    return (peak - start) / 1e6


def best_seconds(run: Callable[[], Any], runs: int) -> float:
    """The best of ``runs`` timed runs (the result is kept until the clock stops)."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
        del result
    return best


def main() -> None:
    sdk, case, direction, runs, scale = sys.argv[1:6]
    python_type, value = make_case(case, float(scale))
    to, back = {
        "floor": lambda: floor(case),
        "flyte-core": lambda: _async_engine(python_type),
        "flyte-sdk": lambda: _async_engine(python_type),
        "flytekit": lambda: flytekit(python_type),
    }[sdk]()
    # Caches are warmed on a small value of the same type, so that the full-size measurement
    # runs in a process that has not yet allocated (and freed) memory of that size.
    _, small = make_case(case, 0.001)
    if back(to(small)) != small:
        raise SystemExit(f"{sdk} did not give back the value of {case}")
    if direction == "to_literal":

        def run() -> Any:
            return to(value)

        literal = None
    else:
        literal = to(value)

        def run() -> Any:
            return back(literal)

    peak_mb = peak_growth_mb(run)
    seconds = best_seconds(run, int(runs))
    if back(literal if literal is not None else to(value)) != value:
        raise SystemExit(f"{sdk} did not give back the value of {case}")
    print(json.dumps({"peak_mb": peak_mb, "seconds": seconds}))


if __name__ == "__main__":
    main()
