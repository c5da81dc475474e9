"""The connector service as a Flyte backend sees it: a `flyte serve connector` process, and a job
driven through it with flyteidl's stubs, as flytepropeller drives one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

import grpc
from flyteidl.admin import agent_pb2
from flyteidl.core import literals_pb2, tasks_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service import agent_pb2_grpc

__all__ = ["ConnectorServiceProcess", "connector_service_process", "list_agents", "run_as_backend"]

_ACTIVE_PHASES = (TaskExecution.UNDEFINED, TaskExecution.QUEUED, TaskExecution.RUNNING)
_STOP_SECONDS = 30


@dataclass
class ConnectorServiceProcess:
    """A running ``flyte serve connector``: its process, port and what it printed.

    ``banner`` holds the lines printed before it served (the table of connectors);
    ``stopped_output`` and ``errors`` the rest of stdout and all of stderr (failed plugins,
    logs), once the context has stopped it.
    """

    process: subprocess.Popen[str]
    port: int
    banner: list[str]
    stopped_output: str = field(default="")
    errors: str = field(default="")

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``, for a gRPC channel."""
        return f"127.0.0.1:{self.port}"


@contextmanager
def connector_service_process(
    *arguments: str, env: Mapping[str, str] | None = None
) -> Iterator[ConnectorServiceProcess]:
    """Run ``flyte serve connector --port 0 ARGUMENTS`` on loopback until the block ends.

    Waits for the service to print where it serves; on exit sends SIGTERM, as a Kubernetes pod
    stop does, and waits for the process (killed after 30 seconds). Raises ``RuntimeError``
    with the service's output when it ends before serving.
    """
    command = [sys.executable, "-m", "flyte.cli", "serve", "connector", "--host", "127.0.0.1"]
    command += ["--port", "0", *arguments]
    environment = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    # stderr goes to a file: a pipe nobody reads would stall a service that logs a lot.
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=environment
        )
        try:
            service = _wait_until_serving(process, errors)
            yield service
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                rest, _ = process.communicate(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                rest, _ = process.communicate()
        errors.seek(0)
        service.stopped_output, service.errors = rest, errors.read()


def _wait_until_serving(process: subprocess.Popen[str], errors: IO[str]) -> ConnectorServiceProcess:
    assert process.stdout is not None
    banner: list[str] = []
    for line in process.stdout:
        if line.startswith("serving"):
            return ConnectorServiceProcess(process, int(line.rsplit(":", 1)[1]), banner)
        banner.append(line.rstrip("\n"))
    code = process.wait()
    errors.seek(0)
    printed = "\n".join([*banner, errors.read()])
    raise RuntimeError(f"flyte serve connector ended with code {code} before serving:\n{printed}")


async def run_as_backend(
    address: str,
    template: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap | None = None,
    *,
    poll_seconds: float = 0.05,
    on_poll: Callable[[agent_pb2.Resource], None] | None = None,
) -> agent_pb2.Resource:
    """Run one job through the service at ``address`` as flytepropeller does; its last Resource.

    ``CreateTask`` with the template and inputs, ``GetTask`` every ``poll_seconds`` until the
    phase is terminal (``on_poll`` sees every answer), then ``DeleteTask``. gRPC errors reach
    the caller as ``grpc.aio.AioRpcError``.
    """
    category = agent_pb2.TaskCategory(name=template.type, version=template.task_type_version)
    async with grpc.aio.insecure_channel(address) as channel:
        stub = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        created = await stub.CreateTask(
            agent_pb2.CreateTaskRequest(template=template, inputs=inputs)
        )
        meta = created.resource_meta
        while True:
            answer = await stub.GetTask(
                agent_pb2.GetTaskRequest(resource_meta=meta, task_category=category)
            )
            if on_poll is not None:
                on_poll(answer.resource)
            if answer.resource.phase not in _ACTIVE_PHASES:
                break
            await asyncio.sleep(poll_seconds)
        await stub.DeleteTask(
            agent_pb2.DeleteTaskRequest(resource_meta=meta, task_category=category)
        )
    return answer.resource


async def list_agents(address: str) -> Sequence[agent_pb2.Agent]:
    """The agents the service at ``address`` lists through ``AgentMetadataService``."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = agent_pb2_grpc.AgentMetadataServiceStub(channel)
        return list((await stub.ListAgents(agent_pb2.ListAgentsRequest())).agents)
