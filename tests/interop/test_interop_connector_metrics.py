"""The connector service's metrics are flytekit's: the same families, types, labels and codes.

flytekit's own connector service (its servicers on a grpc.aio server) and ours serve the same
calls; each one's Prometheus exposition is read, and every ``flyte_connector_`` family flytekit
exports must be exported by ours with the same type, label names and label values. Runs in the
`interop` nox session, where flytekit 1.16.31 and prometheus-client are installed.
"""

from __future__ import annotations

import asyncio
import urllib.request
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

flytekit = pytest.importorskip("flytekit")
prometheus_client = pytest.importorskip("prometheus_client")

from flyteidl.admin import agent_pb2  # noqa: E402
from flyteidl.core.execution_pb2 import TaskExecution  # noqa: E402
from flyteidl.service import agent_pb2_grpc  # noqa: E402
from flytekit.extend.backend import base_connector as kit  # noqa: E402
from flytekit.extend.backend import connector_service as kit_service  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from flyte import serialize_task  # noqa: E402
from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta  # noqa: E402
from flyte.connectors._server import ConnectorServer  # noqa: E402
from flyte.extend import TaskTemplate  # noqa: E402
from flyte.models import NativeInterface, SerializationContext  # noqa: E402
from flyte.testing import free_port, isolated_registries  # noqa: E402
from flyte.types import TypeEngine  # noqa: E402

TASK_TYPE = "metrics_job"


@dataclass
class KitMeta(kit.ResourceMeta):
    job_id: str


class KitConnector(kit.AsyncConnectorBase):
    name = "Metrics Connector"

    def __init__(self) -> None:
        super().__init__(task_type_name=TASK_TYPE, metadata_type=KitMeta)

    async def create(
        self, task_template: Any, output_prefix: Any = None, inputs: Any = None, **kwargs: Any
    ) -> KitMeta:
        return KitMeta(job_id="job-1")

    async def get(self, resource_meta: KitMeta, **kwargs: Any) -> kit.Resource:
        return kit.Resource(phase=TaskExecution.RUNNING)

    async def delete(self, resource_meta: KitMeta, **kwargs: Any) -> None:
        raise RuntimeError("the system refuses to delete")


@dataclass
class Meta(ResourceMeta):
    job_id: str


class CoreConnector(AsyncConnector):
    name = "Metrics Connector"
    task_type_name = TASK_TYPE
    metadata_type = Meta

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Meta:
        return Meta(job_id="job-1")

    async def get(self, resource_meta: Meta, **kwargs: Any) -> Resource:
        return Resource(phase=TaskExecution.RUNNING)

    async def delete(self, resource_meta: Meta, **kwargs: Any) -> None:
        raise RuntimeError("the system refuses to delete")


class MetricsTask(TaskTemplate):
    task_type = TASK_TYPE


async def _calls(address: str) -> None:
    """The same calls against either service: a create, a poll, a failing delete, an unknown type."""
    task = MetricsTask("job", NativeInterface(inputs={"day": str}, outputs={}))
    template = serialize_task(task, SerializationContext(project="p", domain="d", version="v"))
    inputs = await TypeEngine.to_literal_map({"day": "mon"}, {"day": str})
    category = agent_pb2.TaskCategory(name=TASK_TYPE, version=0)
    async with grpc.aio.insecure_channel(address) as channel:
        agents = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        created = await agents.CreateTask(
            agent_pb2.CreateTaskRequest(template=template, inputs=inputs)
        )
        meta = created.resource_meta
        await agents.GetTask(agent_pb2.GetTaskRequest(resource_meta=meta, task_category=category))
        with pytest.raises(grpc.aio.AioRpcError):
            await agents.DeleteTask(
                agent_pb2.DeleteTaskRequest(resource_meta=meta, task_category=category)
            )
        unknown = agent_pb2.TaskCategory(name="unknown_type", version=0)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await agents.GetTask(
                agent_pb2.GetTaskRequest(resource_meta=meta, task_category=unknown)
            )
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


Exposition = dict[str, tuple[str, set[frozenset[tuple[str, str]]]]]


def _families(text: str) -> Exposition:
    """Each flyte_connector_ family: its type and its samples' label sets (names and values)."""
    out: Exposition = {}
    for family in text_string_to_metric_families(text):
        if family.name.startswith("flyte_connector_") and not family.name.endswith("_created"):
            labels = {frozenset(s.labels.items()) for s in family.samples}
            out[family.name] = (family.type, labels)
    return out


async def _flytekit_exposition() -> Exposition:
    kit.ConnectorRegistry.register(KitConnector())
    server = grpc.aio.server()
    agent_pb2_grpc.add_AsyncAgentServiceServicer_to_server(
        kit_service.AsyncConnectorService(), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        await _calls(f"127.0.0.1:{port}")
    finally:
        await server.stop(None)
    return _families(prometheus_client.generate_latest(prometheus_client.REGISTRY).decode())


async def _our_exposition() -> Exposition:
    metrics_port = free_port()

    def scrape() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as r:
            return str(r.read().decode())

    with isolated_registries():
        ConnectorRegistry.register(CoreConnector())
        server = await ConnectorServer.start("127.0.0.1", 0, metrics_port=metrics_port)
        try:
            await _calls(f"127.0.0.1:{server.port}")
            text = await asyncio.to_thread(scrape)
        finally:
            await server.stop(None)
    return _families(text)


def test_every_flytekit_metric_is_exported_with_its_type_and_labels() -> None:
    theirs = asyncio.run(_flytekit_exposition())
    ours = asyncio.run(_our_exposition())
    assert set(theirs) == {
        "flyte_connector_requests_success",
        "flyte_connector_requests_failure",
        "flyte_connector_request_latency_seconds",
        "flyte_connector_input_literal_bytes",
    }
    for name, (kind, label_sets) in theirs.items():
        assert name in ours, f"flytekit exports {name}; ours does not"
        assert ours[name][0] == kind, f"{name}: flytekit's is a {kind}, ours a {ours[name][0]}"
        # The same label names and values: task_type, operation and error_code (404, 500).
        assert ours[name][1] == label_sets, name
