"""Run connector tasks locally, then against `flyte serve connector` as a Flyte backend calls it.

    python examples/apps/custom_connector_app/main.py

Two connectors: WordCountConnector (this app's own, in my_connector/) and the batch-job plugin's
BatchJobConnector (found through its entry point). The second half starts the connector service
on a free loopback port, creates and polls the same jobs through flyteidl's stubs, and stops it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import grpc
from flyteidl.admin import agent_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service import agent_pb2_grpc

import flyte
from flyte._serialize import serialize_task
from flyte.extend import TaskTemplate
from flyte.models import SerializationContext
from flyte.types import TypeEngine
from flyteplugins.batch_job import BatchJobConfig, BatchJobTask

APP = Path(__file__).resolve().parent
sys.path.insert(0, str(APP))

import my_connector.connector  # noqa: E402, F401  (registers WordCountConnector for local runs)
from my_connector.task import count_words  # noqa: E402

TEXT = "connectors run tasks on external systems"
report = BatchJobTask(
    "report", inputs={"day": str}, plugin_config=BatchJobConfig(queued_seconds=0.1, run_seconds=0.2)
)


def run_locally() -> None:
    print("== locally, through AsyncConnectorExecutorMixin")
    words, longest = flyte.run(count_words, text=TEXT)
    print(f"count_words: {words} words, longest {longest!r}")
    assert (words, longest) == (6, "connectors")
    result = flyte.run(report, day="monday")
    print(f"report: {result}")
    assert result.endswith('processed {"day": "monday"}')


def start_service() -> tuple[subprocess.Popen[str], int]:
    """`flyte serve connector` on a free loopback port, with this app's connector module."""
    flyte_cli = shutil.which("flyte", path=str(Path(sys.executable).parent))
    command = [flyte_cli] if flyte_cli else [sys.executable, "-m", "flyte.cli"]
    command += ["serve", "connector", "--port", "0", "--modules", "my_connector.connector"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(APP), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"flyte serve connector exited with {proc.wait()}")
        print(f"  | {line.rstrip()}")
        if line.startswith("serving"):
            return proc, int(line.rsplit(":", 1)[1])


async def run_as_backend(port: int, task: TaskTemplate, **inputs: Any) -> Any:
    """CreateTask, GetTask until a terminal phase, DeleteTask: what flytepropeller does."""
    template = serialize_task(
        task, SerializationContext(project="demo", domain="development", version="v1")
    )
    category = agent_pb2.TaskCategory(name=template.type, version=template.task_type_version)
    literals = await TypeEngine.to_literal_map(inputs, task.interface.inputs)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        agents = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        created = await agents.CreateTask(
            agent_pb2.CreateTaskRequest(template=template, inputs=literals)
        )
        while True:
            request = agent_pb2.GetTaskRequest(
                resource_meta=created.resource_meta, task_category=category
            )
            resource = (await agents.GetTask(request)).resource
            if resource.phase not in (TaskExecution.QUEUED, TaskExecution.RUNNING):
                break
            await asyncio.sleep(0.05)
        assert resource.phase == TaskExecution.SUCCEEDED, resource.message
        outputs = await TypeEngine.literal_map_to_python(resource.outputs, task.interface.outputs)
    return task.interface.outputs_from_dict(outputs)


async def list_agents(port: int) -> list[str]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = agent_pb2_grpc.AgentMetadataServiceStub(channel)
        listed = await stub.ListAgents(agent_pb2.ListAgentsRequest())
    return [
        f"{a.name} ({', '.join(c.name for c in a.supported_task_categories)})"
        for a in listed.agents
    ]


def run_against_service() -> None:
    print("== against `flyte serve connector`")
    proc, port = start_service()
    try:
        print(f"agents: {'; '.join(asyncio.run(list_agents(port)))}")
        words, longest = asyncio.run(run_as_backend(port, count_words, text=TEXT))
        print(f"count_words: {words} words, longest {longest!r}")
        assert (words, longest) == (6, "connectors")
        result = asyncio.run(run_as_backend(port, report, day="tuesday"))
        print(f"report: {result}")
        assert result.endswith('processed {"day": "tuesday"}')
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        finally:
            proc.kill()
    print(f"service stopped with exit code {proc.returncode}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="batch-jobs-") as jobs:
        os.environ["FLYTE_BATCH_JOB_DIR"] = jobs
        run_locally()
        run_against_service()
