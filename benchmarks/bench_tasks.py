"""Tasks: serializing 1,000 tasks, local runs and what a connector task's run costs.

    python benchmarks/bench_tasks.py [--tasks 1000] [--runs 300]

flytekit runs in its bench-only venv (benchmarks/_baselines.py), on the newest Python it supports
where that is not this one (its column then names it); each figure is the best of several
repeats, so that a noisy neighbour on a shared machine inflates none of them. A row is one entry
of MEASURES, reported by both sides under the same key, or by flyte-core alone.

The connector task's job ends at its connector's first ``get``, polled at once, so its row is the
cost of a run's own path: serializing the task once and converting each value once each way
(inputs to literals and back, outputs to literals and back). The calls are counted by wrapping
``TypeEngine``'s conversions and ``serialize_task`` wherever a flyte module looks them up. flytekit
has no row for it: its local connector run sleeps 1 s before each ``get``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baselines import FLYTEKIT, THIS_PYTHON, run_file_in
from _connector import connector_task
from _table import best_seconds, judge

REPEATS = 5


class Target(NamedTuple):
    """What a row's figure must be, in the row's unit: ``Target("<=", 150)``."""

    comparison: str
    limit: float


class Measure(NamedTuple):
    """A row: its label (formatted with the arguments), the key each side reports, its unit,
    and the target flyte-core's figure must meet, if it has one."""

    label: str
    key: str
    unit: str
    target: Target | None = None


#: The functions a run's calls are counted of: TypeEngine's conversions, then serialize_task.
CONVERSIONS = ("to_literal_map", "literal_map_to_python")
COUNTED = (*CONVERSIONS, "serialize_task")

MEASURES = [
    Measure("serialize {tasks} tasks (5 in, 2 out, custom)", "serialize", "ms"),
    Measure("local run of a trivial task, per call", "run", "us"),
    Measure("  overhead over a direct call", "overhead", "us", Target("<=", 150)),
    Measure("flyte.run of a connector task whose job ends at once, per call", "connector", "us"),
    Measure(
        "  TypeEngine.to_literal_map calls per run", "to_literal_map", "calls", Target("==", 2)
    ),
    Measure(
        "  TypeEngine.literal_map_to_python calls per run",
        "literal_map_to_python",
        "calls",
        Target("==", 2),
    ),
    Measure("  serialize_task calls per run", "serialize_task", "calls", Target("==", 1)),
]
#: Each unit's scale from what the sides report (seconds, or calls per run) and its format.
UNITS = {"ms": (1e3, "{:.1f} ms"), "us": (1e6, "{:.1f} us"), "calls": (1, "{:g}")}

#: flytekit's side, run in its own venv: prints {"serialize": s, "run": s, "overhead": s}.
FLYTEKIT_CODE = r"""
import json, sys, time, typing
from collections import OrderedDict
from dataclasses import dataclass
from flytekit import task
from flytekit.configuration import ImageConfig, SerializationSettings
from flytekit.core.python_function_task import PythonFunctionTask
from flytekit.tools.translator import get_serializable

n_tasks, n_runs, repeats = (int(a) for a in sys.argv[-3:])

@dataclass
class Config:
    queue: str

class ConfiguredTask(PythonFunctionTask[Config]):
    def get_custom(self, settings):
        return {"queue": self.task_config.queue, "priority": 1}

# DEFINITIONS

tasks = [ConfiguredTask(task_config=Config(f"q{i}"), task_function=globals()[f"t{i}"])
         for i in range(n_tasks)]
settings = SerializationSettings(project="p", domain="d", version="v1",
                                 image_config=ImageConfig.auto_default_image())
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    for t in tasks:
        get_serializable(OrderedDict(), settings, t).template.to_flyte_idl()
    best = min(best, time.perf_counter() - start)

def plain(x: int) -> int:
    return x + 1

def per_call(func):
    best_run = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n_runs):
            func(x=1)
        best_run = min(best_run, (time.perf_counter() - start) / n_runs)
    return best_run

trivial = task(plain)
trivial(x=1)
run = per_call(trivial)
print(json.dumps({"serialize": best, "run": run, "overhead": run - per_call(plain)}))
"""


def count_calls(run: Callable[[], Any], runs: int) -> dict[str, float]:
    """The calls per run of ``run`` to each function of COUNTED, over ``runs`` runs.

    Each function is wrapped where flyte looks it up, and put back afterwards: TypeEngine's
    conversions on the class, ``serialize_task`` in every flyte module that imported it, so that
    a run that serialized its task again on another path would be counted too.
    """
    calls = dict.fromkeys(COUNTED, 0)
    with _counting(calls):
        for _ in range(runs):
            run()
    return {name: count / runs for name, count in calls.items()}


@contextmanager
def _counting(calls: dict[str, int]) -> Iterator[None]:
    from flyte._serialize import _task
    from flyte.types import TypeEngine

    # TypeEngine's classmethods live in its own __dict__, to be put back as they were there.
    saved = [(name, vars(TypeEngine)[name]) for name in CONVERSIONS]
    for name, _ in saved:
        setattr(TypeEngine, name, _counted(calls, name, getattr(TypeEngine, name)))
    original = _task.serialize_task
    counted = _counted(calls, "serialize_task", original)
    _rebind(original, counted)
    try:
        yield
    finally:
        for name, method in saved:
            setattr(TypeEngine, name, method)
        # Modules first imported inside the block took the counted function too.
        _rebind(counted, original)


def _rebind(old: Callable[..., Any], new: Callable[..., Any]) -> None:
    """Make every flyte module that holds ``old`` under the name serialize_task hold ``new``."""
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "flyte" and vars(module).get("serialize_task") is old:
            module.serialize_task = new


def _counted(calls: dict[str, int], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return function(*args, **kwargs)

    return counted


def _ours(n_tasks: int, n_runs: int) -> dict[str, float]:
    from dataclasses import dataclass

    import flyte
    from flyte import serialize_task
    from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry
    from flyte.models import SerializationContext

    @dataclass
    class Config:
        queue: str

    class ConfiguredTask(AsyncFunctionTaskTemplate):
        plugin_config: Config
        task_type: str = "python-task"

        def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
            return {"queue": self.plugin_config.queue, "priority": 1}

    TaskPluginRegistry.register(Config, ConfiguredTask)
    env = flyte.TaskEnvironment(name="bench")

    def make(i: int) -> Any:
        def body(a: int, b: float, c: str, d: bool, e: list[int]) -> tuple[int, str]:
            return a, c

        body.__name__ = body.__qualname__ = f"t{i}"
        return env.task(config=Config(f"q{i}"))(body)

    tasks = [make(i) for i in range(n_tasks)]
    sctx = SerializationContext(project="p", domain="d", version="v1")
    serialize = best_seconds(lambda: [serialize_task(t, sctx) for t in tasks], REPEATS)

    def plain(x: int) -> int:
        return x + 1

    trivial = env.task(plain)
    flyte.run(trivial, x=1)
    run = best_seconds(lambda: [flyte.run(trivial, x=1) for _ in range(n_runs)], REPEATS) / n_runs
    direct = best_seconds(lambda: [plain(x=1) for _ in range(n_runs)], REPEATS) / n_runs
    connector = connector_task()
    flyte.run(connector, x=1)
    calls = count_calls(lambda: flyte.run(connector, x=1), runs=10)
    connector_run = (
        best_seconds(lambda: [flyte.run(connector, x=1) for _ in range(n_runs)], REPEATS) / n_runs
    )
    return {
        "serialize": serialize,
        "run": run,
        "overhead": run - direct,
        "connector": connector_run,
        **calls,
    }


def _flytekit(n_tasks: int, n_runs: int, python: str) -> dict[str, float]:
    # flytekit takes module-level functions only, with their source: write them out.
    definitions = "".join(
        f"def t{i}(a: int, b: float, c: str, d: bool, e: typing.List[int])"
        f" -> typing.Tuple[int, str]:\n    return a, c\n\n"
        for i in range(n_tasks)
    )
    code = FLYTEKIT_CODE.replace("# DEFINITIONS", definitions)
    out = run_file_in(python, code, str(n_tasks), str(n_runs), str(REPEATS))
    result: dict[str, float] = json.loads(out.splitlines()[-1])
    return result


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def main() -> None:
    """Measure both SDKs and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    ours = _ours(args.tasks, args.runs)
    kit = FLYTEKIT.environment()
    theirs = _flytekit(args.tasks, args.runs, kit.python) if kit is not None else None
    header = ["measure", "flyte-core"]
    if kit is not None:
        header += [kit.label, "flytekit / flyte-core"]
    rows = [[*header, "target"]]
    for label, key, unit, target in MEASURES:
        scale, form = UNITS[unit]
        row = [label.format(tasks=args.tasks), form.format(ours[key] * scale)]
        if theirs is not None:
            row += (
                [form.format(theirs[key] * scale), f"{theirs[key] / ours[key]:.1f}x"]
                if key in theirs
                else ["-", "-"]
            )
        if target is None:
            row.append("")
        else:
            shown = "" if unit == "calls" else f" {unit}"
            row.append(judge(ours[key] * scale, target.comparison, target.limit, shown))
        rows.append(row)
    print(f"\nbench_tasks on Python {THIS_PYTHON} (best of {REPEATS})")
    print(_table(rows))
    print(
        "The connector task's targets: one serialization, and one conversion each way per"
        " boundary (its inputs to literals and back, its outputs to literals and back)."
    )


if __name__ == "__main__":
    main()
