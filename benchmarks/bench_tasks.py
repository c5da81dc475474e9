"""Tasks: serializing 1,000 tasks and the overhead of a local run, against flytekit in one run.

    python benchmarks/bench_tasks.py [--tasks 1000] [--runs 300]

flytekit runs in its bench-only venv (benchmarks/_baselines.py), on the newest Python it supports
where that is not this one (its column then names it); each figure is the best of several
repeats, so that a noisy neighbour on a shared machine inflates none of them. A row is one entry
of MEASURES, reported by both sides under the same key.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baselines import FLYTEKIT, THIS_PYTHON, run_in

REPEATS = 5

#: The rows of the table: label (formatted with the arguments), the key both sides report, unit.
MEASURES = [
    ("serialize {tasks} tasks (5 in, 2 out, custom)", "serialize", "ms"),
    ("local run of a trivial task, per call", "run", "us"),
    ("  overhead over a direct call", "overhead", "us"),
]
UNITS = {"ms": 1e3, "us": 1e6}

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


def _best(func: Callable[[], Any], repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


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
    serialize = _best(lambda: [serialize_task(t, sctx) for t in tasks])

    def plain(x: int) -> int:
        return x + 1

    trivial = env.task(plain)
    flyte.run(trivial, x=1)
    run = _best(lambda: [flyte.run(trivial, x=1) for _ in range(n_runs)]) / n_runs
    direct = _best(lambda: [plain(x=1) for _ in range(n_runs)]) / n_runs
    return {"serialize": serialize, "run": run, "overhead": run - direct}


def _flytekit(n_tasks: int, n_runs: int, python: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "flytekit_side.py"
        # flytekit takes module-level functions only, with their source: write them out.
        definitions = "".join(
            f"def t{i}(a: int, b: float, c: str, d: bool, e: typing.List[int])"
            f" -> typing.Tuple[int, str]:\n    return a, c\n\n"
            for i in range(n_tasks)
        )
        script.write_text(FLYTEKIT_CODE.replace("# DEFINITIONS", definitions))
        runner = f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')"
        out = run_in(python, runner, str(n_tasks), str(n_runs), str(REPEATS))
    result: dict[str, float] = json.loads(out.splitlines()[-1])
    return result


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


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
    rows = [header]
    for label, key, unit in MEASURES:
        row = [label.format(tasks=args.tasks), f"{ours[key] * UNITS[unit]:.1f} {unit}"]
        if theirs is not None:
            row += [f"{theirs[key] * UNITS[unit]:.1f} {unit}", f"{theirs[key] / ours[key]:.1f}x"]
        rows.append(row)
    print(f"\nbench_tasks on Python {THIS_PYTHON} (best of {REPEATS})")
    print(_table(rows))


if __name__ == "__main__":
    main()
