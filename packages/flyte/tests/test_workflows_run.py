"""Running workflows locally: every node through the task pipeline, side by side, failing cleanly."""

from __future__ import annotations

import asyncio
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte.cli import main as flyte_cli
from flyte.connectors import (
    AsyncConnector,
    AsyncConnectorExecutorMixin,
    ConnectorRegistry,
    PollPolicy,
    Resource,
    ResourceMeta,
)
from flyte.errors import RecoverableError, WorkflowRunError
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface

env = flyte.TaskEnvironment(name="run")


@env.task
def extract(day: str) -> str:
    return day.upper()


@env.task
def report(day: str, n: int = 3) -> int:
    return n + len(day)


@env.task
def summarize(table: str, results: list[int]) -> str:
    return f"{table}:{results}"


@flyte.workflow
def daily(day: str, n: int = 1) -> str:
    raw = extract(day=day)
    return summarize(table=raw, results=flyte.map(report, day=[day, raw, "xyz"], n=n))


def test_a_workflow_runs_locally_with_its_defaults() -> None:
    assert flyte.run(daily, day="mon") == "MON:[4, 4, 4]"
    assert flyte.run(daily, day="tuesday", n=0) == "TUESDAY:[7, 7, 3]"


class Rendezvous:
    """Two tasks that each wait for the other to have started: they finish only side by side."""

    started: set[str] = set()


@env.task
async def meet(name: str, other: str) -> str:
    Rendezvous.started.add(name)
    for _ in range(200):
        if other in Rendezvous.started:
            return name
        await asyncio.sleep(0.005)
    raise TimeoutError(f"{name} never met {other}")


@env.task
def summarize_names(first: str, second: str) -> list[str]:
    return [first, second]


@flyte.workflow
def side_by_side() -> list[str]:
    a = meet(name="a", other="b")
    b = meet(name="b", other="a")
    return summarize_names(first=a, second=b)


def test_independent_nodes_run_side_by_side() -> None:
    Rendezvous.started.clear()
    assert flyte.run(side_by_side) == ["a", "b"]


class Gauge:
    running = 0
    peak = 0


@env.task
async def measured(x: int) -> int:
    Gauge.running += 1
    Gauge.peak = max(Gauge.peak, Gauge.running)
    await asyncio.sleep(0.01)
    Gauge.running -= 1
    return x * 2


@flyte.workflow
def bounded(xs: list[int]) -> list[int]:
    return flyte.map(measured, x=xs, concurrency=3)


def test_a_maps_items_run_within_its_concurrency() -> None:
    Gauge.peak = 0
    assert flyte.run(bounded, xs=list(range(12))) == [x * 2 for x in range(12)]
    assert Gauge.peak == 3


@env.task
def picky(x: int) -> int:
    if x % 2:
        raise ValueError(f"odd {x}")
    return x


@flyte.workflow
def lenient(xs: list[int]) -> list[Optional[int]]:  # noqa: UP045 - as users write it
    return flyte.map(picky, x=xs, min_success_ratio=0.5)


@flyte.workflow
def strict(xs: list[int]) -> list[int]:
    return flyte.map(picky, x=xs)


def test_a_map_that_lets_items_fail_gives_none_for_them() -> None:
    assert flyte.run(lenient, xs=[0, 1, 2, 4]) == [0, None, 2, 4]
    with pytest.raises(WorkflowRunError, match=r"node n0\[1\] \(task 'run.picky'\).*odd 1"):
        flyte.run(strict, xs=[0, 1])
    with pytest.raises(WorkflowRunError, match="odd"):
        flyte.run(lenient, xs=[1, 3, 0])


class Attempts:
    count = 0


@env.task(retries=2)
def flaky(x: int) -> int:
    Attempts.count += 1
    if Attempts.count < 3:
        raise RecoverableError(f"attempt {Attempts.count} lost its node")
    return x


@env.task(retries=2)
def broken(x: int) -> int:
    Attempts.count += 1
    raise ValueError("a bug, not worth another attempt")


@flyte.workflow
def retried(x: int) -> int:
    return flaky(x=x)


@flyte.workflow
def not_retried(x: int) -> int:
    return broken(x=x)


def test_a_node_retries_a_recoverable_failure_as_its_task_declares() -> None:
    Attempts.count = 0
    assert flyte.run(retried, x=7) == 7
    assert Attempts.count == 3
    Attempts.count = 0
    with pytest.raises(WorkflowRunError, match="a bug"):
        flyte.run(not_retried, x=7)
    assert Attempts.count == 1


@dataclass
class JobMeta(ResourceMeta):
    job_id: str


class SlowJobs(AsyncConnector):
    """Jobs that run until deleted; every delete is recorded."""

    name = "Slow Jobs"
    task_type_name = "slow_job"
    metadata_type = JobMeta
    deleted: list[str] = []
    created = 0

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
        SlowJobs.created += 1
        return JobMeta(job_id=f"job-{inputs['x']}")

    async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
        return Resource(phase=TaskExecution.RUNNING)

    async def delete(self, resource_meta: JobMeta, **kwargs: Any) -> None:
        SlowJobs.deleted.append(resource_meta.job_id)


class SlowJobTask(AsyncConnectorExecutorMixin, TaskTemplate):
    task_type = "slow_job"
    poll_policy = PollPolicy(first_interval=0.005, max_interval=0.01)


slow = SlowJobTask("slow", NativeInterface(inputs={"x": int}, outputs={"o0": int}))


@env.task
async def fails_soon(x: int) -> int:
    await asyncio.sleep(0.05)
    raise RuntimeError(f"node gave up on {x}")


@flyte.workflow
def one_fails(x: int) -> tuple[int, int]:
    return slow(x=x), fails_soon(x=x)


def test_a_failing_node_cancels_the_running_ones_and_deletes_their_jobs_once() -> None:
    ConnectorRegistry.register(SlowJobs())
    SlowJobs.deleted.clear()
    with pytest.raises(WorkflowRunError) as caught:
        flyte.run(one_fails, x=5)
    error = caught.value
    assert (error.node_id, error.task) == ("n1", "run.fails_soon")
    assert f"workflow '{one_fails.name}' failed" in str(error)
    assert "node gave up on 5" in str(error)
    assert SlowJobs.deleted == ["job-5"]


@flyte.workflow
def outer(day: str) -> str:
    return daily(day=day)


def test_a_sub_workflow_runs_as_one_node() -> None:
    assert flyte.run(outer, day="ab") == "AB:[3, 3, 4]"


FILE = """
import flyte

env = flyte.TaskEnvironment(name="cli")

@env.task
def hello(name: str) -> str:
    return f"hello {name}"

@env.task
def both(a: str, b: str) -> list[str]:
    return [a, b]

@flyte.workflow
def greet(name: str) -> list[str]:
    return both(a=hello(name=name), b=hello(name="you"))
"""


def test_flyte_run_runs_a_workflow_of_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cli_wf.py").write_text(textwrap.dedent(FILE))
    assert flyte_cli(["run", "--local", str(tmp_path / "cli_wf.py"), "greet", "--name", "ann"]) == 0
    assert capsys.readouterr().out == 'o0: ["hello ann", "hello you"]\n'
    code = flyte_cli(
        ["run", "--local", "--isolated", str(tmp_path / "cli_wf.py"), "greet", "--name", "x"]
    )
    assert code == 1
    assert "is a workflow, whose nodes run in this process" in capsys.readouterr().err


def test_a_sql_task_is_a_node_run_through_its_connector(count_orders: TaskTemplate) -> None:
    @flyte.workflow
    def orders(day: str) -> int:
        return report(day=extract(day=day), n=count_orders(day=day))

    assert flyte.run(orders, day="2026-11-30") == 20
