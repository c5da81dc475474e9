"""``flyte serve connector --workers N``: N processes on one port, as a backend sees them.

Every test runs the real command (a supervisor and its worker processes) and calls it over
loopback, on many connections, since the kernel spreads connections, not calls, over workers.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import interface_pb2, tasks_pb2, types_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service import agent_pb2_grpc

from flyte.testing import ConnectorServiceProcess, HealthStub, connector_service_process, free_port
from flyte.types import TypeEngine

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="workers share a port with SO_REUSEPORT (Linux)"
)

CONNECTOR = """
import asyncio, os
from dataclasses import dataclass
from flyteidl.core.execution_pb2 import TaskExecution
from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta


@dataclass
class Meta(ResourceMeta):
    seconds: float


class PidConnector(AsyncConnector):
    name = "Pid Connector"
    task_type_name = "pid"
    metadata_type = Meta

    async def create(self, task_template, inputs=None, **kwargs):
        return Meta(seconds=inputs["seconds"])

    async def get(self, resource_meta, **kwargs):
        await asyncio.sleep(resource_meta.seconds)
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": os.getpid()})

    async def delete(self, resource_meta, **kwargs):
        pass


ConnectorRegistry.register(PidConnector())
"""

CATEGORY = agent_pb2.TaskCategory(name="pid", version=0)
#: Each channel its own connection: channels to one address share one by default.
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]


def _template() -> tasks_pb2.TaskTemplate:
    def variable(kind: int) -> interface_pb2.Variable:
        return interface_pb2.Variable(type=types_pb2.LiteralType(simple=kind))

    return tasks_pb2.TaskTemplate(
        type="pid",
        interface=interface_pb2.TypedInterface(
            inputs=interface_pb2.VariableMap(variables={"seconds": variable(types_pb2.FLOAT)}),
            outputs=interface_pb2.VariableMap(variables={"o0": variable(types_pb2.INTEGER)}),
        ),
    )


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    (tmp_path / "pid_connector.py").write_text(textwrap.dedent(CONNECTOR))
    return tmp_path


def _two_workers(
    module_dir: Path, *arguments: str
) -> AbstractContextManager[ConnectorServiceProcess]:
    """``flyte serve connector --workers 2 ARGUMENTS`` serving the connector in ``module_dir``."""
    env = {"PYTHONPATH": str(module_dir), "FLYTE_PLUGIN_AUTOLOAD": "0"}
    return connector_service_process(
        "--workers", "2", "--modules", "pid_connector", *arguments, env=env
    )


@pytest.fixture
def workers(module_dir: Path) -> Iterator[ConnectorServiceProcess]:
    with _two_workers(module_dir) as service:
        yield service


async def _pids_of_polls(address: str, connections: int, seconds: float = 0.0) -> list[int]:
    """Create a job and poll it once on each of ``connections`` connections; who answered."""
    inputs = await TypeEngine.to_literal_map({"seconds": seconds}, {"seconds": float})
    channels = [
        grpc.aio.insecure_channel(address, options=OWN_CONNECTION) for _ in range(connections)
    ]
    try:
        # Connected first, so that the polls below leave together.
        await asyncio.gather(*(c.channel_ready() for c in channels))
        stubs = [agent_pb2_grpc.AsyncAgentServiceStub(c) for c in channels]
        created = await stubs[0].CreateTask(
            agent_pb2.CreateTaskRequest(template=_template(), inputs=inputs)
        )
        request = agent_pb2.GetTaskRequest(
            resource_meta=created.resource_meta, task_category=CATEGORY
        )
        answers = await asyncio.gather(*(stub.GetTask(request) for stub in stubs))
    finally:
        for channel in channels:
            await channel.close()
    assert all(a.resource.phase == TaskExecution.SUCCEEDED for a in answers)
    return [a.resource.outputs.literals["o0"].scalar.primitive.integer for a in answers]


def test_two_workers_share_the_port_and_each_serves_calls(
    workers: ConnectorServiceProcess,
) -> None:
    worker_pids = children(workers.process.pid)
    assert len(worker_pids) == 2
    assert any("started 2 workers" in line for line in workers.banner)
    answered_by = set(asyncio.run(_pids_of_polls(workers.address, 24)))
    assert answered_by == worker_pids


def test_health_checks_are_answered_by_the_workers(workers: ConnectorServiceProcess) -> None:
    async def check() -> set[int]:
        statuses = set()
        for _ in range(8):
            async with grpc.aio.insecure_channel(
                workers.address, options=OWN_CONNECTION
            ) as channel:
                answer = await HealthStub(channel).Check(HealthStub.Request(service=""))
                statuses.add(answer.status)
        return statuses

    assert asyncio.run(check()) == {HealthStub.SERVING}


def test_a_crashed_worker_is_replaced_on_the_same_port(module_dir: Path) -> None:
    with _two_workers(module_dir) as service:
        before = children(service.process.pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while True:
            now = children(service.process.pid)
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() < deadline, f"no worker replaced {victim}: {now}"
            time.sleep(0.1)
        (replacement,) = now - before
        # Once it has started, the replacement answers calls beside the worker that stayed.
        deadline = time.monotonic() + 60
        while True:
            try:
                answered_by = set(asyncio.run(_pids_of_polls(service.address, 24)))
            except grpc.aio.AioRpcError:
                answered_by = set()
            if answered_by == now:
                break
            assert time.monotonic() < deadline, f"{now} never both answered: {answered_by}"
            time.sleep(0.2)
    assert f"(pid {victim}) ended with exit code -9" in service.errors
    assert f"started (pid {replacement})" in service.errors
    assert service.process.returncode == 0


def test_sigterm_lets_every_worker_finish_its_calls_in_flight(module_dir: Path) -> None:
    with _two_workers(module_dir, "--grace-period", "20") as service:
        worker_pids = children(service.process.pid)

        async def slow_polls_then_sigterm() -> list[int]:
            polls = asyncio.ensure_future(_pids_of_polls(service.address, 24, seconds=3.0))
            await asyncio.sleep(1.5)  # every poll is in flight, in one worker or the other
            service.process.send_signal(signal.SIGTERM)
            return await polls

        answered_by = asyncio.run(slow_polls_then_sigterm())
        assert service.process.wait(timeout=60) == 0
    assert set(answered_by) == worker_pids  # both workers drained, none lost a call
    assert service.stopped_output.strip().endswith("stopped")
    assert all(not Path(f"/proc/{pid}").exists() for pid in worker_pids)


def test_metrics_of_every_worker_are_summed_on_one_endpoint(module_dir: Path) -> None:
    pytest.importorskip("prometheus_client")
    from prometheus_client.parser import text_string_to_metric_families

    metrics_port = free_port()
    with _two_workers(module_dir, "--metrics-port", str(metrics_port)) as service:
        answered_by = set(asyncio.run(_pids_of_polls(service.address, 24)))
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as response:
            text = response.read().decode()
    assert len(answered_by) == 2
    families = {f.name: f for f in text_string_to_metric_families(text)}
    success = {
        tuple(sorted(s.labels.items())): s.value
        for s in families["flyte_connector_requests_success"].samples
    }
    assert success[(("operation", "get"), ("task_type", "pid"))] == 24
    assert success[(("operation", "create"), ("task_type", "pid"))] == 1
    for name in (
        "flyte_connector_request_latency_seconds",
        "flyte_connector_input_literal_bytes",
        "flyte_connector_grpc_requests",
        "flyte_connector_grpc_requests_in_flight",
    ):
        assert name in families, name


def test_a_worker_that_cannot_start_stops_the_service_with_its_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    arguments = ["--workers", "2", "--tls-cert", str(missing), "--tls-key", str(missing)]
    with pytest.raises(RuntimeError) as caught, connector_service_process(*arguments):
        pass
    message = str(caught.value)
    assert "ended with code 2" in message
    assert f"cannot read --tls-key {missing}" in message  # the worker's own error
    assert "worker 1 of 2 ended with exit code 2 before serving" in message
