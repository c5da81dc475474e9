"""ConnectorHarness drives the real polling loop in virtual time and injects faults around a connector."""

from __future__ import annotations

import asyncio
import pickle
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import interface_pb2, tasks_pb2, types_pb2
from flyteidl.core.execution_pb2 import TaskExecution, TaskLog
from flyteidl.core.literals_pb2 import LiteralMap

from flyte.connectors import (
    AsyncConnector,
    AsyncConnectorExecutorMixin,
    Clock,
    ConnectorError,
    ConnectorJobFailedError,
    ConnectorTimeoutError,
    PollPolicy,
    Resource,
    ResourceMeta,
    SyncConnector,
)
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface
from flyte.testing import ConnectorHarness, ScriptedClock
from flyte.types import Pickled, TypeEngine


@dataclass
class JobMeta(ResourceMeta):
    job_id: str
    x: int


class CountingConnector(AsyncConnector):
    """Jobs that run ``polls`` polls, then end in ``final`` with ``o0 = x * 2``."""

    name = "Counting Connector"
    task_type_name = "counting"
    metadata_type = JobMeta

    def __init__(self, polls: int | None = 2, final: int = TaskExecution.SUCCEEDED) -> None:
        self.polls = polls  # None: the job never ends
        self.final = final
        self.seen: dict[str, int] = {}
        self.deleted: list[str] = []

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
        job_id = f"job-{len(self.seen)}"
        self.seen[job_id] = 0
        return JobMeta(job_id=job_id, x=inputs["x"])

    async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
        self.seen[resource_meta.job_id] += 1
        link = TaskLog(name="console", uri=f"https://jobs/{resource_meta.job_id}")
        if self.polls is None or self.seen[resource_meta.job_id] < self.polls:
            return Resource(phase=TaskExecution.RUNNING, log_links=[link])
        return Resource(
            phase=self.final, message="done", log_links=[link], outputs={"o0": resource_meta.x * 2}
        )

    async def delete(self, resource_meta: JobMeta, **kwargs: Any) -> None:
        self.deleted.append(resource_meta.job_id)


class CountingTask(AsyncConnectorExecutorMixin, TaskTemplate):
    task_type = "counting"


def counting_task(**kwargs: Any) -> CountingTask:
    # Declared as float although the connector answers ints: outputs follow the declared types.
    interface = NativeInterface(inputs={"x": int}, outputs={"o0": float})
    return CountingTask("count", interface, **kwargs)


async def test_outputs_come_back_by_name_in_the_declared_types() -> None:
    run = await ConnectorHarness(CountingConnector()).run(counting_task(), {"x": 21})
    assert run.error is None
    assert run.outputs == {"o0": 42.0}
    assert isinstance(run.outputs["o0"], float)
    assert run.calls == ["create", "get", "get"]
    assert [link.uri for link in run.log_links] == ["https://jobs/job-0"]  # reported once
    assert run.resource is not None
    assert run.resource.message == "done"


async def test_inputs_left_out_take_the_tasks_defaults() -> None:
    interface = NativeInterface(inputs={"x": int}, defaults={"x": 5}, outputs={"o0": float})
    run = await ConnectorHarness(CountingConnector()).run(CountingTask("count", interface))
    assert run.outputs == {"o0": 10.0}


async def test_a_job_that_never_ends_is_deleted_at_the_timeout_in_virtual_time() -> None:
    connector = CountingConnector(polls=None)
    clock = ScriptedClock()
    started = time.monotonic()
    run = await ConnectorHarness(connector, clock=clock).run(
        counting_task(), {"x": 1}, timeout=timedelta(hours=2)
    )
    assert isinstance(run.error, ConnectorTimeoutError)
    assert "did not end within the task's timeout; it was deleted" in str(run.error)
    assert run.calls[-1] == "delete"
    assert run.calls.count("delete") == 1
    assert connector.deleted == ["job-0"]
    assert run.elapsed == clock.elapsed == 7200.0
    # The loop backed off to its cap rather than polling every 50 ms for two hours.
    assert clock.sleeps[:3] == pytest.approx([0.05, 0.075, 0.1125])
    assert max(clock.sleeps) == 10.0
    assert run.polls < 800
    assert time.monotonic() - started < 30  # never slept for real


async def test_the_tasks_own_timeout_applies_when_the_run_gives_none() -> None:
    run = await ConnectorHarness(CountingConnector(polls=None)).run(
        counting_task(timeout=timedelta(minutes=5)), {"x": 1}
    )
    assert isinstance(run.error, ConnectorTimeoutError)
    assert run.elapsed == 300.0


async def test_transient_get_failures_are_retried_and_the_run_succeeds() -> None:
    clock = ScriptedClock()
    run = await ConnectorHarness(CountingConnector(polls=1), clock=clock).run(
        counting_task(), {"x": 2}, get_failures=3
    )
    assert run.error is None
    assert run.outputs == {"o0": 4.0}
    assert run.calls == ["create", "get", "get", "get", "get"]
    assert len(clock.sleeps) == 3  # one backoff per failure


async def test_more_get_failures_than_the_policy_tolerates_end_the_run_and_delete_the_job() -> None:
    connector = CountingConnector()
    harness = ConnectorHarness(connector, policy=PollPolicy(max_get_failures=2))
    run = await harness.run(counting_task(), {"x": 2}, get_failures=5)
    assert isinstance(run.error, ConnectorError)
    assert "failed in get 3 times in a row" in str(run.error)
    assert "get failure 3 of 5, injected by ConnectorHarness" in str(run.error)
    assert run.calls == ["create", "get", "get", "get", "delete"]
    assert connector.deleted == ["job-0"]


async def test_cancellation_deletes_the_job_exactly_once() -> None:
    connector = CountingConnector(polls=None)
    clock = ScriptedClock()
    run = await ConnectorHarness(connector, clock=clock).run(
        counting_task(), {"x": 3}, cancel_after_polls=3
    )
    assert isinstance(run.error, asyncio.CancelledError)
    assert run.calls == ["create", "get", "get", "get", "delete"]
    assert connector.deleted == ["job-0"]
    assert run.outputs is None
    assert clock.elapsed == pytest.approx(0.05 + 0.075)  # the cancelled sleep took no time


async def test_cancellation_lands_with_a_timeout_set_too() -> None:
    # With a deadline each get runs under asyncio.wait_for; the cancellation must not be lost.
    connector = CountingConnector(polls=None)
    run = await ConnectorHarness(connector).run(
        counting_task(), {"x": 3}, timeout=timedelta(hours=1), cancel_after_polls=2
    )
    assert isinstance(run.error, asyncio.CancelledError)
    assert run.calls == ["create", "get", "get", "delete"]


async def test_a_retryable_failure_starts_a_new_job_up_to_the_tasks_retries() -> None:
    connector = CountingConnector(polls=1, final=TaskExecution.RETRYABLE_FAILED)
    run = await ConnectorHarness(connector).run(counting_task(retries=2), {"x": 1})
    assert isinstance(run.error, ConnectorJobFailedError)
    assert "after 3 attempts" in str(run.error)
    assert run.calls == ["create", "get"] * 3


async def test_metadata_that_cannot_cross_a_process_boundary_fails_as_behind_the_service() -> None:
    class Leaky(CountingConnector):
        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Any:
            return {"job_id": "j"}  # a dict, not the metadata_type dataclass

    run = await ConnectorHarness(Leaky()).run(counting_task(), {"x": 1})
    assert isinstance(run.error, ConnectorError)
    assert "failed in create: ResourceMetaError" in str(run.error)
    assert "must be a dataclass instance" in str(run.error)


async def test_state_a_connector_keeps_in_its_metadata_object_is_lost_as_behind_the_service() -> (
    None
):
    @dataclass
    class CountdownMeta(ResourceMeta):
        polls_left: int

    class Countdown(CountingConnector):
        """Buggy: counts polls down in the metadata object, which only a local run keeps."""

        metadata_type = CountdownMeta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Any:
            return CountdownMeta(polls_left=2)

        async def get(self, resource_meta: CountdownMeta, **kwargs: Any) -> Resource:
            resource_meta.polls_left -= 1
            if resource_meta.polls_left > 0:
                return Resource(phase=TaskExecution.RUNNING)
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 1})

    run = await ConnectorHarness(Countdown()).run(
        counting_task(), {"x": 1}, timeout=timedelta(minutes=1)
    )
    assert isinstance(run.error, ConnectorTimeoutError)  # each get saw polls_left=2 afresh


async def test_outputs_the_connector_forgot_fail_the_run_naming_them() -> None:
    class Forgetful(CountingConnector):
        async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
            return Resource(phase=TaskExecution.SUCCEEDED)

    run = await ConnectorHarness(Forgetful()).run(counting_task(), {"x": 1})
    assert isinstance(run.error, ConnectorError)
    assert "did not return the declared outputs ['o0']" in str(run.error)
    assert run.outputs is None


async def test_a_flyteidl_template_runs_with_the_types_its_interface_declares() -> None:
    def variables(kind: int, name: str) -> interface_pb2.VariableMap:
        simple = types_pb2.LiteralType(simple=kind)
        return interface_pb2.VariableMap(variables={name: interface_pb2.Variable(type=simple)})

    template = tasks_pb2.TaskTemplate(
        type="counting",
        interface=interface_pb2.TypedInterface(
            inputs=variables(types_pb2.INTEGER, "x"), outputs=variables(types_pb2.FLOAT, "o0")
        ),
    )
    template.metadata.timeout.FromTimedelta(timedelta(seconds=30))
    run = await ConnectorHarness(CountingConnector()).run(template, {"x": 5})
    assert run.outputs == {"o0": 10.0}
    never = await ConnectorHarness(CountingConnector(polls=None)).run(template, {"x": 5})
    assert isinstance(never.error, ConnectorTimeoutError)
    assert never.elapsed == 30.0


async def test_a_sync_connector_is_called_once() -> None:
    class Upper(SyncConnector):
        name = "Upper"
        task_type_name = "upper"

        async def do(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Resource:
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": inputs["s"].upper()})

    class UpperTask(TaskTemplate):
        task_type = "upper"

    task = UpperTask("up", NativeInterface(inputs={"s": str}, outputs={"o0": str}))
    run = await ConnectorHarness(Upper()).run(task, {"s": "hi"})
    assert (run.outputs, run.calls) == ({"o0": "HI"}, ["do"])


async def test_a_real_clock_can_drive_it_too() -> None:
    run = await ConnectorHarness(CountingConnector(), clock=Clock()).run(counting_task(), {"x": 1})
    assert run.outputs == {"o0": 2.0}
    assert 0.04 < run.elapsed < 30


def test_what_it_refuses() -> None:
    with pytest.raises(TypeError, match="AsyncConnector or SyncConnector"):
        ConnectorHarness(object())  # type: ignore[arg-type]
    harness = ConnectorHarness(CountingConnector())
    with pytest.raises(TypeError, match="TaskTemplate"):
        asyncio.run(harness.run("count"))
    with pytest.raises(ValueError, match="at least 1"):
        asyncio.run(harness.run(counting_task(), {"x": 1}, cancel_after_polls=0))


async def test_the_scripted_clock_fixture_is_virtual(scripted_clock: ScriptedClock) -> None:
    await scripted_clock.sleep(3600)
    scripted_clock.advance(1)
    assert scripted_clock.now() == 3601
    with pytest.raises(ValueError, match="cannot go back"):
        scripted_clock.advance(-1)


class TouchesMarker:
    """Unpickling this runs ``Path.touch`` on ``path``: what a hostile pickle would do."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


async def test_a_flyteidl_template_never_unpickles_its_inputs_or_outputs(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    hostile = pickle.dumps(TouchesMarker(marker), pickle.HIGHEST_PROTOCOL)
    received: list[Any] = []

    class Echo(CountingConnector):
        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
            received.append(inputs["blob"])
            return JobMeta(job_id="e", x=0)

        async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
            outputs = LiteralMap()
            outputs.literals["blob"].scalar.binary.value = hostile
            outputs.literals["blob"].scalar.binary.tag = "pickle"
            return Resource(phase=TaskExecution.SUCCEEDED, outputs=outputs)

    pickle_type = TypeEngine.to_literal_type(Pickled[TouchesMarker])
    variables = interface_pb2.VariableMap(
        variables={"blob": interface_pb2.Variable(type=pickle_type)}
    )
    template = tasks_pb2.TaskTemplate(
        type="counting", interface=interface_pb2.TypedInterface(inputs=variables, outputs=variables)
    )
    run = await ConnectorHarness(Echo()).run(template, {"blob": TouchesMarker(marker)})
    assert run.error is None
    assert received == [hostile]
    assert run.outputs == {"blob": hostile}
    assert not marker.exists()
