"""The batch job plugin: the batch system, the connector locally, and through connector services."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service import agent_pb2_grpc

import flyte
from flyte._serialize import serialize_task
from flyte.connectors import ConnectorJobFailedError, ConnectorRegistry, ConnectorTimeoutError
from flyte.models import SerializationContext
from flyte.types import TypeEngine
from flyteplugins.batch_job import BatchJobConfig, BatchJobConnector, BatchJobTask
from flyteplugins.batch_job.system import BatchJobNotFoundError, BatchSystem

FAST = BatchJobConfig(queue="fast", queued_seconds=0.05, run_seconds=0.1)


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets a batch system of its own."""
    monkeypatch.setenv("FLYTE_BATCH_JOB_DIR", str(tmp_path / "jobs"))
    return tmp_path / "jobs"


def _status_in_another_process(store: Path, job_id: str) -> str:
    code = (
        "import sys; from flyteplugins.batch_job.system import BatchSystem; "
        "print(BatchSystem(sys.argv[1]).job(sys.argv[2]).status)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(store), job_id], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_job_moves_from_queued_to_running_to_succeeded_as_other_processes_see_it(
    store: Path,
) -> None:
    system = BatchSystem()
    job = system.submit("fast", {"day": "mon"}, queued_seconds=0.5, run_seconds=0.5)
    assert _status_in_another_process(store, job.job_id) == "queued"
    time.sleep(0.6)
    assert _status_in_another_process(store, job.job_id) == "running"
    time.sleep(0.5)
    assert _status_in_another_process(store, job.job_id) == "succeeded"
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


def test_the_tasks_timeout_deletes_the_job_in_the_batch_system() -> None:
    config = BatchJobConfig(queued_seconds=60, run_seconds=60)
    task = BatchJobTask("slow", plugin_config=config, timeout=1)
    with pytest.raises(ConnectorTimeoutError):
        flyte.run(task)
    (job,) = BatchSystem().jobs()
    assert job.status == "cancelled"


@pytest.fixture
def serve() -> Iterator[Callable[[], tuple[subprocess.Popen[str], int]]]:
    """Start ``flyte serve connector`` processes on free loopback ports; stop them at the end."""
    procs: list[subprocess.Popen[str]] = []

    def start() -> tuple[subprocess.Popen[str], int]:
        command = [sys.executable, "-m", "flyte.cli", "serve", "connector", "--port", "0"]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout is not None
        lines = []
        while not lines or not lines[-1].startswith("serving"):
            line = proc.stdout.readline()
            assert line, "the connector service ended before serving"
            lines.append(line)
        assert any("batch_job" in line for line in lines)
        return proc, int(lines[-1].rsplit(":", 1)[1])

    yield start
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        finally:
            proc.kill()


async def _create(port: int, task: BatchJobTask, **inputs: object) -> bytes:
    template = serialize_task(task, SerializationContext(project="p", domain="d", version="v"))
    literals = await TypeEngine.to_literal_map(inputs, task.interface.inputs)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        request = agent_pb2.CreateTaskRequest(template=template, inputs=literals)
        return bytes((await stub.CreateTask(request)).resource_meta)


async def _poll(port: int, meta: bytes) -> agent_pb2.Resource:
    category = agent_pb2.TaskCategory(name="batch_job", version=0)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        while True:
            request = agent_pb2.GetTaskRequest(resource_meta=meta, task_category=category)
            resource = (await stub.GetTask(request)).resource
            if resource.phase not in (TaskExecution.QUEUED, TaskExecution.RUNNING):
                return resource
            await asyncio.sleep(0.05)


def test_a_job_created_through_one_service_is_polled_through_another_after_a_restart(
    serve: Callable[[], tuple[subprocess.Popen[str], int]],
) -> None:
    first, first_port = serve()
    task = BatchJobTask("report", inputs={"day": str}, plugin_config=FAST)
    meta = asyncio.run(_create(first_port, task, day="tue"))
    first.send_signal(signal.SIGTERM)
    first.communicate(timeout=30)
    _, second_port = serve()
    resource = asyncio.run(asyncio.wait_for(_poll(second_port, meta), timeout=30))
    assert resource.phase == TaskExecution.SUCCEEDED
    assert resource.outputs.literals["result"].scalar.primitive.string_value.endswith(
        """processed {"day": "tue"}"""
    )
    assert os.environ["FLYTE_BATCH_JOB_DIR"] in resource.log_links[0].uri
