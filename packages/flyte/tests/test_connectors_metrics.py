"""The connector service's Prometheus metrics, scraped over HTTP from a real server.

flytekit's names, types and labels come first, so that dashboards built on flytekit's connector
service read ours unchanged; the service's own metrics sit beside them under names of their own.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import interface_pb2, tasks_pb2, types_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service import agent_pb2_grpc

from flyte.connectors import (
    AsyncConnector,
    ConnectorRegistry,
    Resource,
    ResourceMeta,
    SyncConnector,
)
from flyte.connectors._server import ConnectorServer
from flyte.testing import free_port

prometheus_client = pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

#: What flytekit 1.16's connector service exports (flytekit/extend/backend/connector_service.py):
#: each metric family, its type and its label names. Dashboards and alerts built on flytekit's
#: service query exactly these.
FLYTEKIT_METRICS = {
    "flyte_connector_requests_success": ("counter", {"task_type", "operation"}),
    "flyte_connector_requests_failure": ("counter", {"task_type", "operation", "error_code"}),
    "flyte_connector_request_latency_seconds": ("summary", {"task_type", "operation"}),
    "flyte_connector_input_literal_bytes": ("summary", {"task_type"}),
}

#: The service's own metrics, beside flytekit's.
OWN_METRICS = {
    "flyte_connector_grpc_requests": ("counter", {"method", "code"}),
    "flyte_connector_grpc_request_duration_seconds": ("histogram", {"method"}),
    "flyte_connector_grpc_requests_in_flight": ("gauge", {"method"}),
    "flyte_connector_poll_phase": ("counter", {"task_type", "phase"}),
}


@dataclass
class Meta(ResourceMeta):
    x: int


class SquareConnector(AsyncConnector):
    name = "Square Connector"
    task_type_name = "square"
    metadata_type = Meta

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Meta:
        if inputs["x"] < 0:
            raise RuntimeError("the square service is down")
        return Meta(x=inputs["x"])

    async def get(self, resource_meta: Meta, **kwargs: Any) -> Resource:
        if resource_meta.x == 0:
            return Resource(phase=TaskExecution.RUNNING)
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": resource_meta.x**2})

    async def delete(self, resource_meta: Meta, **kwargs: Any) -> None:
        pass


class EchoSync(SyncConnector):
    name = "Echo Sync"
    task_type_name = "echo_sync"

    async def do(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Resource:
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": inputs["x"]})


def _template(task_type: str) -> tasks_pb2.TaskTemplate:
    integer = interface_pb2.Variable(type=types_pb2.LiteralType(simple=types_pb2.INTEGER))
    return tasks_pb2.TaskTemplate(
        type=task_type,
        interface=interface_pb2.TypedInterface(
            inputs=interface_pb2.VariableMap(variables={"x": integer}),
            outputs=interface_pb2.VariableMap(variables={"o0": integer}),
        ),
    )


def _inputs(x: int) -> Any:
    from flyte.types import TypeEngine

    return TypeEngine.to_literal_map_sync({"x": x}, {"x": int})


@pytest.fixture
async def served() -> AsyncIterator[tuple[ConnectorServer, int]]:
    ConnectorRegistry.register(SquareConnector())
    ConnectorRegistry.register(EchoSync())
    metrics_port = free_port()
    server = await ConnectorServer.start("127.0.0.1", 0, metrics_port=metrics_port)
    try:
        yield server, metrics_port
    finally:
        await server.stop(None)


async def _traffic(port: int) -> None:
    """Two creates (one fails), three polls (one of an unknown task type, one of junk), a delete
    and a sync call."""
    category = agent_pb2.TaskCategory(name="square", version=0)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        agents = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        created = await agents.CreateTask(
            agent_pb2.CreateTaskRequest(template=_template("square"), inputs=_inputs(3))
        )
        with pytest.raises(grpc.aio.AioRpcError) as internal:
            await agents.CreateTask(
                agent_pb2.CreateTaskRequest(template=_template("square"), inputs=_inputs(-1))
            )
        assert internal.value.code() == grpc.StatusCode.INTERNAL
        get = agent_pb2.GetTaskRequest(resource_meta=created.resource_meta, task_category=category)
        assert (await agents.GetTask(get)).resource.phase == TaskExecution.SUCCEEDED
        with pytest.raises(grpc.aio.AioRpcError) as invalid:
            await agents.GetTask(
                agent_pb2.GetTaskRequest(resource_meta=b"junk", task_category=category)
            )
        assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await agents.GetTask(agent_pb2.GetTaskRequest(resource_meta=b"{}", task_type="nope"))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        await agents.DeleteTask(
            agent_pb2.DeleteTaskRequest(resource_meta=created.resource_meta, task_category=category)
        )
        sync = agent_pb2_grpc.SyncAgentServiceStub(channel)
        header = agent_pb2.CreateRequestHeader(template=_template("echo_sync"))
        requests = [
            agent_pb2.ExecuteTaskSyncRequest(header=header),
            agent_pb2.ExecuteTaskSyncRequest(inputs=_inputs(5)),
        ]
        answers = [a async for a in sync.ExecuteTaskSync(iter(requests))]
        assert answers[0].header.resource.phase == TaskExecution.SUCCEEDED


async def scrape(metrics_port: int) -> dict[str, Any]:
    """The metric families the endpoint serves, by name."""

    def read() -> str:
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode())

    text = await asyncio.to_thread(read)
    return {f.name: f for f in text_string_to_metric_families(text)}


def _samples(family: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value for s in family.samples}


def _value(family: Any, sample: str, **labels: str) -> float:
    return _samples(family).get((sample, frozenset(labels.items())), 0.0)


def _label_names(family: Any) -> set[str]:
    """The label names of a family's samples, without the bucket and quantile labels."""
    names = {frozenset(s.labels) - {"le", "quantile"} for s in family.samples}
    assert len(names) == 1, f"{family.name} has samples of several label sets: {names}"
    return set(next(iter(names)))


def _assert_exported(families: dict[str, Any], expected: dict[str, tuple[str, set[str]]]) -> None:
    """Each expected family is exported, with its type and label names."""
    for name, (kind, labels) in expected.items():
        assert name in families, f"{name} is not exported; exported: {sorted(families)}"
        assert families[name].type == kind, name
        assert _label_names(families[name]) == labels, name


@pytest.fixture
async def families(served: tuple[ConnectorServer, int]) -> dict[str, Any]:
    """The metric families served after :func:`_traffic`, by name."""
    server, metrics_port = served
    await _traffic(server.port)
    return await scrape(metrics_port)


async def test_flytekit_metric_names_types_and_labels_are_exported(
    families: dict[str, Any],
) -> None:
    _assert_exported(families, FLYTEKIT_METRICS)


async def test_flytekit_metrics_count_each_operation_as_flytekit_does(
    families: dict[str, Any],
) -> None:
    success = families["flyte_connector_requests_success"]
    total = "flyte_connector_requests_success_total"
    for task_type, operation in [
        ("square", "create"),
        ("square", "get"),
        ("square", "delete"),
        ("echo_sync", "do"),
    ]:
        assert _value(success, total, task_type=task_type, operation=operation) == 1.0, operation
    failure = families["flyte_connector_requests_failure"]
    total = "flyte_connector_requests_failure_total"
    # flytekit's error_code is an HTTP status: 404 for an unknown task type, 500 for a connector
    # that raised; a refused request is 400.
    assert _value(failure, total, task_type="square", operation="create", error_code="500") == 1
    assert _value(failure, total, task_type="square", operation="get", error_code="400") == 1
    assert _value(failure, total, task_type="nope", operation="get", error_code="404") == 1
    latency = families["flyte_connector_request_latency_seconds"]
    count = "flyte_connector_request_latency_seconds_count"
    assert _value(latency, count, task_type="square", operation="get") == 2  # failures too
    assert _value(latency, count, task_type="nope", operation="get") == 1
    size = families["flyte_connector_input_literal_bytes"]
    assert _value(size, "flyte_connector_input_literal_bytes_count", task_type="square") == 2
    assert _value(size, "flyte_connector_input_literal_bytes_sum", task_type="square") > 0


async def test_the_service_own_metrics_sit_beside_flytekit_ones(families: dict[str, Any]) -> None:
    _assert_exported(families, OWN_METRICS)
    requests = families["flyte_connector_grpc_requests"]
    get_task = "/flyteidl.service.AsyncAgentService/GetTask"
    total = "flyte_connector_grpc_requests_total"
    assert _value(requests, total, method=get_task, code="OK") == 1
    assert _value(requests, total, method=get_task, code="INVALID_ARGUMENT") == 1
    assert _value(requests, total, method=get_task, code="NOT_FOUND") == 1
    phases = families["flyte_connector_poll_phase"]
    total = "flyte_connector_poll_phase_total"
    assert _value(phases, total, task_type="square", phase="SUCCEEDED") == 1
    in_flight = families["flyte_connector_grpc_requests_in_flight"]
    assert _value(in_flight, "flyte_connector_grpc_requests_in_flight", method=get_task) == 0


async def test_calls_in_flight_are_counted_while_they_run(
    served: tuple[ConnectorServer, int],
) -> None:
    server, metrics_port = served
    started, release = asyncio.Event(), asyncio.Event()

    class Slow(SquareConnector):
        task_type_name = "slow_square"

        async def get(self, resource_meta: Meta, **kwargs: Any) -> Resource:
            started.set()
            await release.wait()
            return await super().get(resource_meta)

    ConnectorRegistry.register(Slow())
    category = agent_pb2.TaskCategory(name="slow_square", version=0)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        agents = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        created = await agents.CreateTask(
            agent_pb2.CreateTaskRequest(template=_template("slow_square"), inputs=_inputs(2))
        )
        request = agent_pb2.GetTaskRequest(
            resource_meta=created.resource_meta, task_category=category
        )
        polls = [asyncio.ensure_future(agents.GetTask(request)) for _ in range(3)]
        await started.wait()
        await asyncio.sleep(0.1)
        families = await scrape(metrics_port)
        release.set()
        await asyncio.gather(*polls)
    in_flight = families["flyte_connector_grpc_requests_in_flight"]
    get_task = "/flyteidl.service.AsyncAgentService/GetTask"
    assert _value(in_flight, "flyte_connector_grpc_requests_in_flight", method=get_task) == 3
