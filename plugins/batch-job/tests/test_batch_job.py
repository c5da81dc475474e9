"""The batch job plugin: the batch system, the connector locally, and through connector services."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import interface_pb2, tasks_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service.agent_pb2_grpc import AsyncAgentServiceStub

import flyte
from flyte import serialize_task
from flyte.connectors import ConnectorJobFailedError, ConnectorRegistry, ConnectorTimeoutError
from flyte.models import SerializationContext
from flyte.testing import (
    ConnectorHarness,
    ScriptedClock,
    connector_service_process,
    run_as_backend,
    serve_connectors,
)
from flyte.types import TypeEngine
from flyteplugins.batch_job import BatchJobConfig, BatchJobConnector, BatchJobTask
from flyteplugins.batch_job.system import BatchJobNotFoundError, BatchSystem

FAST = BatchJobConfig(queue="fast", queued_seconds=0.05, run_seconds=0.1)
AT_ONCE = BatchJobConfig(queue="fast", queued_seconds=0, run_seconds=0)
CATEGORY = agent_pb2.TaskCategory(name="batch_job", version=0)


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets a batch system of its own."""
    monkeypatch.setenv("FLYTE_BATCH_JOB_DIR", str(tmp_path / "jobs"))
    return tmp_path / "jobs"


def _statuses_in_another_process(store: Path, job_id: str) -> list[str]:
    """The statuses another process reads, polling every 20 ms until the job ends, each once."""
    code = (
        "import sys, time; from flyteplugins.batch_job.system import BatchSystem\n"
        "seen = []\n"
        "while not seen or seen[-1] not in ('succeeded', 'failed', 'cancelled'):\n"
        "    status = BatchSystem(sys.argv[1]).job(sys.argv[2]).status\n"
        "    if not seen or seen[-1] != status:\n"
        "        seen.append(status)\n"
        "    time.sleep(0.02)\n"
        "print(' '.join(seen))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(store), job_id],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.split()


def test_a_job_moves_from_queued_to_running_to_succeeded_as_other_processes_see_it(
    store: Path,
) -> None:
    system = BatchSystem()
    # Long enough phases that a loaded machine starting the other process still sees each one.
    job = system.submit("fast", {"day": "mon"}, queued_seconds=2, run_seconds=1)
    assert _statuses_in_another_process(store, job.job_id) == ["queued", "running", "succeeded"]
    assert (
        system.job(job.job_id).result
        == f'job {job.job_id} on queue \'fast\' processed {{"day": "mon"}}'
    )


def test_a_job_can_be_made_to_fail_and_deleted() -> None:
    system = BatchSystem()
    failing = system.submit("q", {}, queued_seconds=10, run_seconds=10)
    system.fail(failing.job_id, "node lost")
    assert (system.job(failing.job_id).status, system.job(failing.job_id).message) == (
        "failed",
        "node lost",
    )
    deleted = system.submit("q", {}, queued_seconds=10, run_seconds=10)
    system.delete(deleted.job_id)
    assert system.job(deleted.job_id).status == "cancelled"
    with pytest.raises(BatchJobNotFoundError, match="no job 'nope'"):
        system.job("nope")


def test_importing_the_task_does_not_import_the_connector_or_the_batch_system() -> None:
    code = (
        "import sys, flyteplugins.batch_job.task, flyteplugins.batch_job; "
        "print(sorted(m for m in sys.modules if m.startswith('flyteplugins.batch_job')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "connector" not in done.stdout
    assert "system" not in done.stdout
    assert "sqlite3" not in done.stdout


def test_the_connector_is_declared_under_its_entry_point() -> None:
    assert isinstance(ConnectorRegistry.get_connector("batch_job", 0), BatchJobConnector)


def test_a_batch_job_task_runs_locally_through_the_connector() -> None:
    task = BatchJobTask("report", inputs={"day": str, "n": int}, plugin_config=FAST)
    result = flyte.run(task, day="mon", n=3)
    assert result.endswith("""on queue 'fast' processed {"day": "mon", "n": 3}""")
    (job,) = BatchSystem().jobs()
    assert job.status == "succeeded"


def test_a_failing_job_raises_with_the_batch_systems_message() -> None:
    config = BatchJobConfig(queued_seconds=0, run_seconds=0.05, fail_with="exit code 3")
    task = BatchJobTask("report", plugin_config=config)
    with pytest.raises(ConnectorJobFailedError, match="ended FAILED: exit code 3"):
        flyte.run(task)


async def test_the_connector_runs_a_job_to_its_result_with_log_links() -> None:
    task = BatchJobTask("report", inputs={"day": str}, plugin_config=AT_ONCE)
    run = await ConnectorHarness(BatchJobConnector()).run(task, {"day": "wed"})
    assert run.error is None
    assert run.outputs is not None
    assert run.outputs["result"].endswith("""on queue 'fast' processed {"day": "wed"}""")
    assert run.calls == ["create", "get"]
    (job,) = BatchSystem().jobs()
    assert run.log_links[0].uri.endswith(f"jobs.sqlite3#{job.job_id}")


async def test_the_tasks_timeout_deletes_the_job_in_the_batch_system() -> None:
    config = BatchJobConfig(queued_seconds=3600, run_seconds=3600)
    task = BatchJobTask("slow", plugin_config=config, timeout=timedelta(minutes=10))
    clock = ScriptedClock()
    run = await ConnectorHarness(BatchJobConnector(), clock=clock).run(task)
    assert isinstance(run.error, ConnectorTimeoutError)
    assert clock.elapsed == 600  # ten minutes of polling, in virtual time
    assert run.calls.count("delete") == 1
    (job,) = BatchSystem().jobs()
    assert job.status == "cancelled"


async def test_a_cancelled_run_deletes_its_job_once() -> None:
    config = BatchJobConfig(queued_seconds=3600, run_seconds=3600)
    task = BatchJobTask("slow", plugin_config=config)
    run = await ConnectorHarness(BatchJobConnector()).run(task, cancel_after_polls=2)
    assert isinstance(run.error, asyncio.CancelledError)
    assert run.calls == ["create", "get", "get", "delete"]
    (job,) = BatchSystem().jobs()
    assert (job.status, job.message) == ("cancelled", "deleted by its owner")


async def test_reading_a_jobs_state_is_retried_when_it_fails() -> None:
    task = BatchJobTask("report", plugin_config=AT_ONCE)
    run = await ConnectorHarness(BatchJobConnector()).run(task, get_failures=2)
    assert run.error is None
    assert run.calls == ["create", "get", "get", "get"]


def _template(task: BatchJobTask) -> tasks_pb2.TaskTemplate:
    return serialize_task(task, SerializationContext(project="p", domain="d", version="v"))


async def test_a_job_is_served_through_the_connector_service_stubs() -> None:
    task = BatchJobTask("report", inputs={"day": str}, plugin_config=FAST)
    inputs = await TypeEngine.to_literal_map({"day": "thu"}, task.interface.inputs)
    async with serve_connectors(BatchJobConnector()) as service:
        run = run_as_backend(service.address, _template(task), inputs)
        resource = await asyncio.wait_for(run, timeout=30)
    assert resource.phase == TaskExecution.SUCCEEDED
    assert resource.outputs.literals["result"].scalar.primitive.string_value.endswith(
        """processed {"day": "thu"}"""
    )
    (job,) = BatchSystem().jobs()
    assert job.status == "succeeded"  # deleting a job that ended leaves it as it ended


async def _create(address: str, task: BatchJobTask, **inputs: object) -> bytes:
    literals = await TypeEngine.to_literal_map(inputs, task.interface.inputs)
    request = agent_pb2.CreateTaskRequest(template=_template(task), inputs=literals)
    async with grpc.aio.insecure_channel(address) as channel:
        return bytes((await AsyncAgentServiceStub(channel).CreateTask(request)).resource_meta)


async def _poll(address: str, meta: bytes) -> agent_pb2.Resource:
    request = agent_pb2.GetTaskRequest(resource_meta=meta, task_category=CATEGORY)
    async with grpc.aio.insecure_channel(address) as channel:
        while True:
            resource = (await AsyncAgentServiceStub(channel).GetTask(request)).resource
            if resource.phase not in (TaskExecution.QUEUED, TaskExecution.RUNNING):
                return resource
            await asyncio.sleep(0.05)


def test_a_job_created_through_one_service_is_polled_through_another_after_a_restart() -> None:
    task = BatchJobTask("report", inputs={"day": str}, plugin_config=FAST)
    with connector_service_process() as first:
        assert any("batch_job" in line for line in first.banner)
        meta = asyncio.run(_create(first.address, task, day="tue"))
    with connector_service_process() as second:
        resource = asyncio.run(asyncio.wait_for(_poll(second.address, meta), timeout=30))
    assert resource.phase == TaskExecution.SUCCEEDED
    assert resource.outputs.literals["result"].scalar.primitive.string_value.endswith(
        """processed {"day": "tue"}"""
    )
    assert os.environ["FLYTE_BATCH_JOB_DIR"] in resource.log_links[0].uri


def _forged(**meta: object) -> bytes:
    """A resource_meta as the connector service wraps it, with ``meta`` as the connector's own."""
    outputs = base64.b64encode(interface_pb2.VariableMap().SerializeToString()).decode()
    return json.dumps({"meta": meta, "outputs": outputs}).encode()


async def _call(stub: AsyncAgentServiceStub, method: str, meta: bytes) -> None:
    """Call ``method`` (GetTask, DeleteTask or GetTaskLogs) of the batch job with ``meta``."""
    request = getattr(agent_pb2, f"{method}Request")(resource_meta=meta, task_category=CATEGORY)
    if method == "GetTaskLogs":
        _ = [response async for response in stub.GetTaskLogs(request)]
    else:
        await getattr(stub, method)(request)


@pytest.mark.parametrize("method", ["GetTask", "DeleteTask", "GetTaskLogs"])
async def test_a_resource_meta_naming_another_store_is_refused_and_creates_nothing(
    tmp_path: Path, method: str
) -> None:
    elsewhere = tmp_path / "chosen-by-the-caller"
    meta = _forged(job_id="abc", created_at=0.0, store=str(elsewhere))
    async with serve_connectors(BatchJobConnector()) as service:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _call(service.async_agent, method, meta)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert str(elsewhere) in (caught.value.details() or "")
    assert not elsewhere.exists()


async def _create_with_custom(address: str, **custom: object) -> bytes:
    """CreateTask for a batch job whose template's ``custom`` is changed by ``custom``."""
    task = BatchJobTask("report", plugin_config=FAST)
    template = _template(task)
    template.custom.update(custom)
    request = agent_pb2.CreateTaskRequest(template=template)
    async with grpc.aio.insecure_channel(address) as channel:
        return bytes((await AsyncAgentServiceStub(channel).CreateTask(request)).resource_meta)


@pytest.mark.parametrize(
    ("custom", "named"),
    [
        ({"priority": 3}, "'priority'"),
        ({"queued_seconds": "soon"}, "'queued_seconds'"),
        ({"queue": 5}, "'queue'"),
        ({"run_seconds": -1}, "'run_seconds'"),
    ],
    ids=["unknown-field", "queued_seconds-str", "queue-number", "run_seconds-negative"],
)
async def test_a_config_the_connector_refuses_is_invalid_argument_and_stores_nothing(
    custom: dict[str, object], named: str
) -> None:
    async with serve_connectors(BatchJobConnector()) as service:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _create_with_custom(service.address, **custom)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert named in (caught.value.details() or "")
    assert BatchSystem().jobs() == []


async def test_a_job_id_of_the_wrong_type_is_invalid_argument_naming_it() -> None:
    meta = _forged(job_id=5, created_at=0.0)
    async with serve_connectors(BatchJobConnector()) as service:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _call(service.async_agent, "GetTask", meta)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'job_id'" in (caught.value.details() or "")


@pytest.mark.parametrize("method", ["GetTask", "DeleteTask", "GetTaskLogs"])
async def test_a_job_the_batch_system_does_not_know_is_not_found(method: str) -> None:
    meta = _forged(job_id="no-such-job", created_at=0.0)
    async with serve_connectors(BatchJobConnector()) as service:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _call(service.async_agent, method, meta)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert "'no-such-job'" in (caught.value.details() or "")
