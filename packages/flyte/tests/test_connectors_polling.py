"""The local executor's polling loop against connectors that inject faults."""

from __future__ import annotations

import asyncio
import signal
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import execution_pb2, literals_pb2, tasks_pb2
from flyteidl.core.execution_pb2 import TaskExecution

from flyte._context import local_context
from flyte._tasks._docstring import Docstring
from flyte._tasks._interface import NativeInterface, typed_interface
from flyte.connectors import (
    AsyncConnector,
    Clock,
    ConnectorError,
    ConnectorJobFailedError,
    ConnectorTimeoutError,
    PollPolicy,
    Resource,
    ResourceMeta,
    SyncConnector,
)
from flyte.connectors._polling import run_job
from flyte.testing import ConnectorHarness, ScriptedClock
from flyte.types import TypeEngine


def template(inputs: dict[str, type] | None = None) -> tasks_pb2.TaskTemplate:
    """A serialized task of one int output ``o0``, and the given inputs."""
    interface = NativeInterface(inputs=inputs or {}, outputs={"o0": int})
    return tasks_pb2.TaskTemplate(
        type="scripted", interface=typed_interface(interface, "test", Docstring())
    )


def output(resource: agent_pb2.Resource) -> Any:
    """The ``o0`` output of a final Resource, as a Python value."""
    return TypeEngine.literal_map_to_python_sync(resource.outputs, {"o0": int})["o0"]


@dataclass
class JobMeta(ResourceMeta):
    job_id: str


@dataclass
class ScriptedConnector(AsyncConnector):
    """Answers ``get`` from a script: Resources to return or exceptions to raise, in order."""

    script: list[Any] = field(default_factory=list)
    creates: int = 0
    gets: int = 0
    deleted: list[str] = field(default_factory=list)

    name = "Scripted"
    task_type_name = "scripted"
    metadata_type = JobMeta

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
        self.creates += 1
        return JobMeta(job_id=f"job-{self.creates}")

    async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
        self.gets += 1
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, BaseException):
            raise step
        assert isinstance(step, Resource)
        return step

    async def delete(self, resource_meta: JobMeta, **kwargs: Any) -> None:
        self.deleted.append(resource_meta.job_id)


RUNNING = Resource(phase=TaskExecution.RUNNING)
DONE = Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 1})
POLICY = PollPolicy(first_interval=0.1, backoff=2.0, max_interval=1.0, max_get_failures=3)


async def run(connector: Any, clock: Clock | None = None, **kwargs: Any) -> agent_pb2.Resource:
    kwargs.setdefault("policy", POLICY)
    return await run_job(
        connector,
        template(),
        literals_pb2.LiteralMap(),
        local_context("t"),
        clock=clock or ScriptedClock(),
        **kwargs,
    )


async def test_polls_back_off_to_the_cap_and_stop_without_sleeping_after_the_end() -> None:
    connector = ScriptedConnector([RUNNING] * 6 + [DONE])
    clock = ScriptedClock()
    resource = await run(connector, clock)
    assert output(resource) == 1
    assert clock.sleeps == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert connector.gets == 7
    assert connector.deleted == []


async def test_transient_get_errors_are_retried_then_the_job_succeeds() -> None:
    connector = ScriptedConnector([OSError("flaky")] * 3 + [DONE])
    resource = await run(connector)
    assert resource.phase == TaskExecution.SUCCEEDED
    assert connector.gets == 4


async def test_get_failing_past_the_limit_deletes_the_job_and_names_the_connector() -> None:
    connector = ScriptedConnector([OSError("backend down")])
    with pytest.raises(ConnectorError, match=r"connector 'Scripted'.*4 times.*backend down"):
        await run(connector)
    assert connector.gets == 4
    assert connector.deleted == ["job-1"]


async def test_a_job_that_never_ends_is_deleted_when_the_timeout_passes() -> None:
    connector = ScriptedConnector([RUNNING])
    clock = ScriptedClock()
    with pytest.raises(ConnectorTimeoutError, match="timeout; it was deleted"):
        await run(connector, clock, timeout=30.0)
    assert connector.deleted == ["job-1"]
    assert clock.now() == pytest.approx(30.0)


async def test_cancelling_the_run_deletes_the_job_exactly_once() -> None:
    connector = ScriptedConnector([RUNNING])
    policy = PollPolicy(first_interval=0.001, max_interval=0.005)
    runner = asyncio.create_task(run(connector, Clock(), policy=policy))
    while connector.gets < 3:
        await asyncio.sleep(0.001)
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await runner
    assert connector.deleted == ["job-1"]


async def test_a_second_cancellation_does_not_abandon_the_deletion() -> None:
    release = asyncio.Event()

    class SlowDelete(ScriptedConnector):
        async def delete(self, resource_meta: JobMeta, **kwargs: Any) -> None:
            await release.wait()
            self.deleted.append(resource_meta.job_id)

    connector = SlowDelete([RUNNING])
    runner = asyncio.create_task(run(connector, Clock(), policy=PollPolicy(first_interval=0.001)))
    while connector.gets < 1:
        await asyncio.sleep(0.001)
    runner.cancel()
    await asyncio.sleep(0.01)
    runner.cancel()
    await asyncio.sleep(0.01)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await runner
    assert connector.deleted == ["job-1"]


class Unwinding(BaseException):
    """What a BaseException other than a cancellation (SystemExit, KeyboardInterrupt) does."""


async def test_a_base_exception_from_get_deletes_the_job_once_and_goes_on() -> None:
    connector = ScriptedConnector([RUNNING, Unwinding()])
    with pytest.raises(Unwinding):
        await run(connector)
    assert connector.deleted == ["job-1"]


class Answers(ScriptedConnector):
    """Answers ``get`` with whatever it was given, Resource or not."""

    async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Any:
        self.gets += 1
        return self.script[0]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (Resource(phase=42), "a Resource of phase 42, which is not a TaskExecution phase"),
        (Resource(phase="RUNNING"), "a Resource of phase 'RUNNING', which is not"),  # type: ignore[arg-type]
        (Resource(phase=True), "a Resource of phase True, which is not"),
        (Resource(phase=[2]), "a Resource of phase [2], which is not"),  # type: ignore[arg-type]
        (None, "None, not a Resource"),
        ({"phase": 3}, "{'phase': 3}, not a Resource"),
        (
            Resource(phase=TaskExecution.RUNNING, log_links=None),  # type: ignore[arg-type]
            "a Resource with log_links None, not a list",
        ),
    ],
)
async def test_an_answer_of_get_that_is_not_a_resource_deletes_the_job_and_names_it(
    answer: Any, said: str
) -> None:
    harness = ConnectorHarness(Answers([answer]), policy=POLICY)
    outcome = await harness.run(tasks_pb2.TaskTemplate(type="scripted"))
    assert isinstance(outcome.error, ConnectorError)
    message = str(outcome.error)
    assert "connector 'Scripted'" in message
    assert f"get returned {said}" in message
    assert outcome.calls == ["create", "get", "delete"]


async def test_failed_raises_the_connectors_message_and_log_links() -> None:
    link = execution_pb2.TaskLog(name="console", uri="https://batch/job-1")
    failed = Resource(phase=TaskExecution.FAILED, message="out of memory", log_links=[link])
    connector = ScriptedConnector([failed])
    with pytest.raises(ConnectorJobFailedError) as caught:
        await run(connector, report=lambda task, link: None)
    assert "ended FAILED: out of memory" in str(caught.value)
    assert "console: https://batch/job-1" in str(caught.value)
    assert caught.value.log_links == [link]
    assert caught.value.connector_message == "out of memory"
    assert connector.deleted == []


async def test_retryable_failure_starts_a_new_job_up_to_the_retries() -> None:
    retryable = Resource(phase=TaskExecution.RETRYABLE_FAILED, message="spot instance lost")
    connector = ScriptedConnector([retryable, DONE])
    resource = await run(connector, retries=1)
    assert resource.phase == TaskExecution.SUCCEEDED
    assert connector.creates == 2


async def test_retryable_failure_without_retries_left_raises_after_every_attempt() -> None:
    retryable = Resource(phase=TaskExecution.RETRYABLE_FAILED, message="spot instance lost")
    connector = ScriptedConnector([retryable])
    with pytest.raises(ConnectorJobFailedError, match="RETRYABLE_FAILED after 3 attempts"):
        await run(connector, retries=2)
    assert connector.creates == 3


async def test_log_links_are_reported_once_as_they_arrive() -> None:
    first = execution_pb2.TaskLog(name="driver", uri="https://logs/driver")
    second = execution_pb2.TaskLog(name="worker", uri="https://logs/worker")
    script = [
        Resource(phase=TaskExecution.RUNNING, log_links=[first]),
        Resource(phase=TaskExecution.RUNNING, log_links=[first, second]),
        Resource(phase=TaskExecution.SUCCEEDED, log_links=[first, second], outputs={"o0": 0}),
    ]
    reported: list[str] = []
    await run(ScriptedConnector(script), report=lambda task, link: reported.append(link.name))
    assert reported == ["driver", "worker"]


async def test_a_failing_create_names_the_connector_and_the_task() -> None:
    class BrokenCreate(ScriptedConnector):
        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
            raise RuntimeError("quota exceeded")

    with pytest.raises(ConnectorError, match=r"'Scripted'.*task 't' failed in create.*quota"):
        await run(BrokenCreate([DONE]))


async def test_a_sync_connector_runs_in_one_call() -> None:
    class Adder(SyncConnector):
        name = "Adder"
        task_type_name = "adder"

        async def do(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Resource:
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": inputs["a"] + 1})

    inputs = TypeEngine.to_literal_map_sync({"a": 1}, {"a": int})
    resource = await run_job(Adder(), template({"a": int}), inputs, local_context("t"))
    assert output(resource) == 2


async def test_a_thousand_jobs_in_one_loop_do_not_hold_each_other_up() -> None:
    events: list[str] = []
    polls: dict[str, int] = {}

    class TwoPolls(AsyncConnector):
        name = "TwoPolls"
        task_type_name = "two_polls"
        metadata_type = JobMeta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
            events.append("create")
            job = JobMeta(job_id=str(len(polls)))
            polls[job.job_id] = 0
            return job

        async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
            polls[resource_meta.job_id] += 1
            if polls[resource_meta.job_id] < 2:
                return Resource(phase=TaskExecution.RUNNING)
            events.append("done")
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 0})

    policy = PollPolicy(first_interval=0.01)
    jobs = [
        run_job(
            TwoPolls(), template(), literals_pb2.LiteralMap(), local_context("t"), policy=policy
        )
        for _ in range(1000)
    ]
    await asyncio.gather(*jobs)
    # Every job was created before the first one ended: none waited for another.
    assert events.index("done") == 1000
    assert events.count("done") == 1000


SIGNAL_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from dataclasses import dataclass
    from typing import Any
    from flyteidl.core import literals_pb2, tasks_pb2
    from flyteidl.core.execution_pb2 import TaskExecution
    from flyte._context import local_context
    from flyte.connectors import AsyncConnector, PollPolicy, Resource, ResourceMeta
    from flyte.connectors._polling import run_job
    from flyte.connectors._signals import cancel_on_sigterm

    log = open(sys.argv[1], "a")

    @dataclass
    class Meta(ResourceMeta):
        pass

    class Forever(AsyncConnector):
        name = "Forever"
        task_type_name = "forever"
        metadata_type = Meta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Meta:
            return Meta()

        async def get(self, resource_meta: Any, **kwargs: Any) -> Resource:
            print("polling", flush=True)
            return Resource(phase=TaskExecution.RUNNING)

        async def delete(self, resource_meta: Any, **kwargs: Any) -> None:
            await asyncio.sleep(0.05)
            log.write("deleted\\n")
            log.flush()

    async def main() -> None:
        with cancel_on_sigterm():
            await run_job(Forever(), tasks_pb2.TaskTemplate(), literals_pb2.LiteralMap(),
                          local_context("t"),
                          policy=PollPolicy(first_interval=0.01, max_interval=0.05))

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_delete_the_job_before_the_process_ends(
    interrupt: Callable[..., Any], signum: int
) -> None:
    ended = interrupt(SIGNAL_SCRIPT, signum)
    assert ended.returncode != 0
    assert ended.log == "deleted\n", ended.stderr
