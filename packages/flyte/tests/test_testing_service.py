"""serve_connectors runs the real connector service on loopback and answers through flyteidl's stubs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import interface_pb2, tasks_pb2, types_pb2
from flyteidl.core.execution_pb2 import TaskExecution

from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta
from flyte.testing import ServedConnectors, serve_connectors
from flyte.types import TypeEngine


@dataclass
class SquareMeta(ResourceMeta):
    x: int


class SquareConnector(AsyncConnector):
    name = "Square Connector"
    task_type_name = "square"
    metadata_type = SquareMeta

    def __init__(self) -> None:
        self.deleted: list[int] = []

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> SquareMeta:
        return SquareMeta(x=inputs["x"])

    async def get(self, resource_meta: SquareMeta, **kwargs: Any) -> Resource:
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": resource_meta.x**2})

    async def delete(self, resource_meta: SquareMeta, **kwargs: Any) -> None:
        self.deleted.append(resource_meta.x)


def square_template() -> tasks_pb2.TaskTemplate:
    def variables(name: str) -> interface_pb2.VariableMap:
        integer = types_pb2.LiteralType(simple=types_pb2.INTEGER)
        return interface_pb2.VariableMap(variables={name: interface_pb2.Variable(type=integer)})

    return tasks_pb2.TaskTemplate(
        type="square",
        interface=interface_pb2.TypedInterface(inputs=variables("x"), outputs=variables("o0")),
    )


async def square_through(service: ServedConnectors, x: int) -> int:
    inputs = await TypeEngine.to_literal_map({"x": x}, {"x": int})
    created = await service.async_agent.CreateTask(
        agent_pb2.CreateTaskRequest(inputs=inputs, template=square_template())
    )
    category = agent_pb2.TaskCategory(name="square", version=0)
    got = await service.async_agent.GetTask(
        agent_pb2.GetTaskRequest(resource_meta=created.resource_meta, task_category=category)
    )
    assert got.resource.phase == TaskExecution.SUCCEEDED
    await service.async_agent.DeleteTask(
        agent_pb2.DeleteTaskRequest(resource_meta=created.resource_meta, task_category=category)
    )
    return int(got.resource.outputs.literals["o0"].scalar.primitive.integer)


async def test_a_job_is_created_polled_and_deleted_through_the_stubs() -> None:
    connector = SquareConnector()
    async with serve_connectors(connector) as service:
        assert service.address == f"127.0.0.1:{service.port}"
        assert await square_through(service, 7) == 49
    assert connector.deleted == [7]


async def test_the_metadata_and_health_services_answer() -> None:
    async with serve_connectors(SquareConnector()) as service:
        listed = await service.metadata.ListAgents(agent_pb2.ListAgentsRequest())
        assert "Square Connector" in [agent.name for agent in listed.agents]
        health = await service.health.Check(service.health.Request(service=""))
        assert health.status == service.health.SERVING


async def test_the_registries_are_put_back_and_the_server_stopped_after_the_block() -> None:
    async with serve_connectors(SquareConnector()) as service:
        assert ("square", 0) in ConnectorRegistry.registered()
    assert ("square", 0) not in ConnectorRegistry.registered()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async with grpc.aio.insecure_channel(service.address) as channel:
            await channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_the_connector_service_fixture_serves_what_the_test_registers(
    connector_service: ServedConnectors,
) -> None:
    ConnectorRegistry.register(SquareConnector())
    assert await square_through(connector_service, 3) == 9
