"""Workflows: local runs of 1,000-node graphs, a fan-out of connector jobs, serializing, the cache.

    python benchmarks/bench_workflows.py [--nodes 1000] [--jobs 200]

1. Local runs. A workflow of 1,000 trivial task nodes (``x + 1``), as a chain and as a fan-out
   of 999 nodes into one that sums them, run with ``flyte.run``. Its overhead per node is the
   run's time less that of the same 1,000 calls made directly, divided by 1,000. flytekit runs
   the same graph, written with ``@task`` and ``@workflow``, locally. Target: flyte-core's
   overhead per node at least 10x lower than flytekit's.
2. Connector jobs. A workflow fans 200 connector tasks, whose jobs each take 1 s and are polled
   every 50 ms, into one node; beside it, the same workflow of one job. Target: the 200 in under
   2 s. flytekit has no row: its local run executes one node after another, and a connector
   task's run sleeps 1 s before each ``get``, so the 200 would take over 200 s.
3. Serializing the 1,000-node chain: its task's ``TaskSpec``, its ``WorkflowSpec`` and its default
   ``LaunchPlan``, to bytes, through ``flyte.serialize`` here and in flytekit's process through
   ``get_serializable`` (what ``pyflyte package`` calls), process start left out. Target: at
   least 5x faster than flytekit.
4. The local cache. A cached task of a 1 MB ``str``: a run that misses (and stores its outputs),
   a run that hits, and of the hit, the cache's lookup alone; flytekit's ``@task(cache=True,
   cache_version="1")`` misses and hits the same way. Both caches live in a temporary folder.

flytekit runs in its bench-only venv (benchmarks/_baselines.py), on the newest Python it supports
where that is not this one (its rows then name it). Each figure is the best of several repeats,
so that a noisy neighbour on a shared machine inflates none of them; flytekit's graph runs take
seconds each, and are repeated fewer times, as are the connector jobs' runs.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baselines import FLYTEKIT, THIS_PYTHON, BaselineEnvironment, run_file_in
from _connector import connector_task
from _table import best_seconds, judge, print_table

REPEATS = 5
#: Repeats of a run that takes a second or more: flytekit's 1,000-node runs, the connector jobs.
LONG_RUN_REPEATS = 2
JOB_SECONDS = 1.0
POLL_INTERVAL = 0.05
TEXT_BYTES = 1 << 20

#: flytekit's side, run in its own venv: prints the JSON of the keys flyte-core reports too.
FLYTEKIT_CODE = r"""
import json, sys, time, typing
from collections import OrderedDict

import flytekit.core.local_cache as local_cache
from flytekit import LaunchPlan, task, workflow
from flytekit.configuration import ImageConfig, SerializationSettings
from flytekit.core.context_manager import FlyteContextManager
from flytekit.models.admin.workflow import WorkflowSpec
from flytekit.models.launch_plan import LaunchPlan as LaunchPlanModel
from flytekit.models.task import TaskSpec
from flytekit.tools.translator import get_serializable

nodes, text_bytes, repeats, run_repeats = (int(a) for a in sys.argv[-5:-1])
# Read when the cache is first used: kept out of the user's ~/.flyte.
local_cache.CACHE_LOCATION = sys.argv[-1]

def best(func, times):
    fastest = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        func()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest

@task
def inc(x: int) -> int:
    return x + 1

@task
def total(xs: typing.List[int]) -> int:
    return sum(xs)

@task(cache=True, cache_version="1")
def size(text: str) -> int:
    return len(text)

@workflow
def warm(x: int) -> int:
    return total(xs=[inc(x=x)])

@workflow
def chain(x: int) -> int:
    for _ in range(nodes):
        x = inc(x=x)
    return x

@workflow
def fan(x: int) -> int:
    return total(xs=[inc(x=x) for _ in range(nodes - 1)])

plain_inc, plain_total = inc.task_function, total.task_function

def direct_chain():
    x = 1
    for _ in range(nodes):
        x = plain_inc(x=x)

def direct_fan():
    plain_total(xs=[plain_inc(x=1) for _ in range(nodes - 1)])

out = {}
warm(x=1)
for name, graph, direct in [("chain", chain, direct_chain), ("fan", fan, direct_fan)]:
    run = best(lambda: graph(x=1), run_repeats)
    out[f"{name}_run"] = run
    out[name] = (run - best(direct, repeats)) / nodes

settings = SerializationSettings(project="p", domain="d", version="v1",
                                 image_config=ImageConfig.auto_default_image())
registrable = (TaskSpec, WorkflowSpec, LaunchPlanModel)

def serialize():
    entities = OrderedDict()
    get_serializable(entities, settings, chain)
    plan = LaunchPlan.get_default_launch_plan(FlyteContextManager.current_context(), chain)
    get_serializable(entities, settings, plan)
    specs = [e for e in entities.values() if isinstance(e, registrable)]
    assert len(specs) == 3, specs
    return [spec.to_flyte_idl().SerializeToString() for spec in specs]

out["serialize"] = best(serialize, repeats)

size(text="warm")
texts = iter([f"{i:08d}".ljust(text_bytes, "x") for i in range(repeats)])
out["miss"] = best(lambda: size(text=next(texts)), repeats)
first = f"{0:08d}".ljust(text_bytes, "x")
out["hit"] = best(lambda: size(text=first), repeats)
print(json.dumps(out))
"""


def _chain(step: Any, nodes: int) -> Any:
    """A workflow of ``nodes`` calls of ``step``, each on the one before's output."""
    import flyte

    @flyte.workflow
    def chain(x: int) -> int:
        for _ in range(nodes):
            x = step(x=x)
        return x

    return chain


def _fan(step: Any, fan_in: Any, width: int) -> Any:
    """A workflow of ``width`` independent calls of ``step``, their outputs into ``fan_in``."""
    import flyte

    @flyte.workflow
    def fan(x: int) -> int:
        return fan_in(xs=[step(x=x) for _ in range(width)])

    return fan


def _ours(nodes: int, jobs: int) -> dict[str, float]:
    import flyte
    from flyte._runtime._cache import LocalCache, cache_path
    from flyte._runtime._pipeline import prepare
    from flyte.models import SerializationContext

    env = flyte.TaskEnvironment(name="bench_workflows")

    def inc(x: int) -> int:
        return x + 1

    def total(xs: list[int]) -> int:
        return sum(xs)

    def size(text: str) -> int:
        return len(text)

    step, fan_in, cached = env.task(inc), env.task(total), env.task(cache="1")(size)

    def direct_chain() -> None:
        x = 1
        for _ in range(nodes):
            x = inc(x=x)

    def direct_fan() -> None:
        total(xs=[inc(x=1) for _ in range(nodes - 1)])

    out: dict[str, float] = {}
    chain, fan = _chain(step, nodes), _fan(step, fan_in, nodes - 1)
    for name, graph, direct in [("chain", chain, direct_chain), ("fan", fan, direct_fan)]:
        flyte.run(graph, x=1)
        run = best_seconds(functools.partial(flyte.run, graph, x=1), REPEATS)
        out[f"{name}_run"] = run
        out[name] = (run - best_seconds(direct, REPEATS)) / nodes

    job = connector_task(JOB_SECONDS, POLL_INTERVAL)
    one_job, many_jobs = _fan(job, fan_in, 1), _fan(job, fan_in, jobs)
    out["one_job"] = best_seconds(lambda: flyte.run(one_job, x=1), LONG_RUN_REPEATS)
    out["jobs"] = best_seconds(lambda: flyte.run(many_jobs, x=1), LONG_RUN_REPEATS)

    def serialize() -> list[bytes]:
        specs = flyte.serialize(chain, project="p", domain="d", version="v1")
        return [spec.SerializeToString() for spec in specs]

    serialize()
    out["serialize"] = best_seconds(serialize, REPEATS)

    flyte.run(cached, text="warm")
    texts = iter([f"{i:08d}".ljust(TEXT_BYTES, "x") for i in range(REPEATS)])
    out["miss"] = best_seconds(lambda: flyte.run(cached, text=next(texts)), REPEATS)
    first = f"{0:08d}".ljust(TEXT_BYTES, "x")
    out["hit"] = best_seconds(lambda: flyte.run(cached, text=first), REPEATS)
    prepared = asyncio.run(prepare(cached, {"text": first}, SerializationContext()))
    cache = LocalCache(cache_path())
    assert cache.get(prepared.template, prepared.inputs) is not None, "the runs above left no entry"
    out["lookup"] = best_seconds(lambda: cache.get(prepared.template, prepared.inputs), REPEATS)
    return out


def _flytekit(nodes: int, python: str, cache_dir: str) -> dict[str, float]:
    args = (nodes, TEXT_BYTES, REPEATS, LONG_RUN_REPEATS)
    out = run_file_in(python, FLYTEKIT_CODE, *map(str, args), cache_dir)
    result: dict[str, float] = json.loads(out.splitlines()[-1])
    return result


def _versus(
    title: str,
    case: str,
    unit: str,
    ours: tuple[float, str],
    theirs: tuple[float, str] | None,
    kit: BaselineEnvironment | None,
    target: float,
) -> None:
    """Print flyte-core's (figure, note) beside flytekit's, the ratio's reference, judging how
    many times lower flyte-core's figure is against ``target``."""
    figure, note = ours
    if kit is None or theirs is None:
        rows = [(f"flyte-core: {case}", figure, f"{note}; target >= {target:g}x: no flytekit")]
    else:
        lower = theirs[0] / figure
        rows = [
            (f"{kit.label}: {case}", *theirs),
            (
                f"flyte-core: {case}",
                figure,
                f"{note}; {lower:.1f}x lower, {judge(lower, '>=', target, 'x')}",
            ),
        ]
    print_table(title, rows, rows[0][0], unit)


def main() -> None:
    """Measure both SDKs and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()
    kit = FLYTEKIT.environment()
    with tempfile.TemporaryDirectory(prefix="bench-workflows-") as folder:
        os.environ["FLYTE_LOCAL_CACHE_DIR"] = os.path.join(folder, "flyte")
        os.environ["FLYTE_LOCAL_CACHE"] = "1"
        ours = _ours(args.nodes, args.jobs)
        theirs = _flytekit(args.nodes, kit.python, os.path.join(folder, "flytekit")) if kit else {}
    best = f"best of {REPEATS}, flytekit's runs of {LONG_RUN_REPEATS}"
    shapes = {"chain": "a chain", "fan": f"a fan-out of {args.nodes - 1} into one"}
    for key, shape in shapes.items():
        _versus(
            f"Local run on Python {THIS_PYTHON} of {args.nodes} trivial task nodes as {shape}:"
            f" overhead per node beyond a direct call ({best})",
            key,
            "us",
            (ours[key] * 1e6, f"run {ours[f'{key}_run'] * 1e3:.0f} ms"),
            (theirs[key] * 1e6, f"run {theirs[f'{key}_run']:.2f} s") if theirs else None,
            kit,
            target=10,
        )
    print_table(
        f"Local run on Python {THIS_PYTHON} of {args.jobs} connector tasks, jobs of"
        f" {JOB_SECONDS:g} s polled every {POLL_INTERVAL * 1e3:.0f} ms, fanned into one node",
        [
            ("flyte-core: 1 job", ours["one_job"] * 1e3, f"best of {LONG_RUN_REPEATS}"),
            (
                f"flyte-core: {args.jobs} jobs",
                ours["jobs"] * 1e3,
                f"best of {LONG_RUN_REPEATS}; {judge(ours['jobs'], '<', 2 * JOB_SECONDS, ' s')};"
                f" flytekit: none, it runs nodes one by one and sleeps 1 s before each get",
            ),
        ],
        "flyte-core: 1 job",
    )
    _versus(
        f"Serializing the {args.nodes}-node chain on Python {THIS_PYTHON}: task, workflow and"
        f" launch plan to bytes, in process (best of {REPEATS})",
        "serialize",
        "ms",
        (ours["serialize"] * 1e3, "flyte.serialize"),
        (theirs["serialize"] * 1e3, "get_serializable, as pyflyte package") if theirs else None,
        kit,
        target=5,
    )
    rows = [
        ("flyte-core: hit", ours["hit"] * 1e3, f"{ours['hit'] / ours['miss']:.2f}x the miss"),
        ("flyte-core: of which the lookup", ours["lookup"] * 1e3, "LocalCache.get"),
        ("flyte-core: miss", ours["miss"] * 1e3, "the task runs, its outputs stored"),
    ]
    if kit is not None:
        rows[:0] = [
            (f"{kit.label}: hit", theirs["hit"] * 1e3, "its second call"),
            (f"{kit.label}: miss", theirs["miss"] * 1e3, "the task runs, its outputs stored"),
        ]
    print_table(
        f"A cached task of a {TEXT_BYTES >> 20} MB str on Python {THIS_PYTHON}, local runs"
        f" (best of {REPEATS})",
        rows,
        rows[0][0],
    )


if __name__ == "__main__":
    main()
