"""A connector's declared config type: ``custom`` decoded and validated before ``create``.

A config that does not fit is answered ``INVALID_ARGUMENT`` naming the field, and ``create`` is
never called, so no half-created job is left; a local run refuses it the same way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import interface_pb2, tasks_pb2
from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte.connectors import (
    AsyncConnector,
    AsyncConnectorExecutorMixin,
    ConnectorRegistry,
    ConnectorRequestError,
    Resource,
    ResourceMeta,
    SyncConnector,
)
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface, SerializationContext
from flyte.testing import serve_connectors


class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


@dataclass
class Limits:
    cpus: int = 1
    memory_gib: float = 1.0


@dataclass
class WarehouseConfig:
    warehouse: str
    retries: int = 3
    timeout_seconds: float = 60.0
    size: Size = Size.SMALL
    tags: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, got {self.retries}")


@dataclass
class Meta(ResourceMeta):
    job_id: str


class WarehouseConnector(AsyncConnector):
    name = "Warehouse Connector"
    task_type_name = "warehouse_query"
    metadata_type = Meta
    config_type = WarehouseConfig

    def __init__(self) -> None:
        self.configs: list[Any] = []

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Meta:
        self.configs.append(kwargs["config"])
        return Meta(job_id="q-1")

    async def get(self, resource_meta: Meta, **kwargs: Any) -> Resource:
        return Resource(phase=TaskExecution.SUCCEEDED)

    async def delete(self, resource_meta: Meta, **kwargs: Any) -> None:
        pass


def _template(task_type: str, custom: dict[str, Any]) -> tasks_pb2.TaskTemplate:
    template = tasks_pb2.TaskTemplate(type=task_type, interface=interface_pb2.TypedInterface())
    template.id.name = "nightly"
    template.custom.update(custom)
    return template


async def _create(service: Any, template: tasks_pb2.TaskTemplate) -> Any:
    return await service.async_agent.CreateTask(agent_pb2.CreateTaskRequest(template=template))


async def test_create_gets_the_config_decoded_into_its_declared_type() -> None:
    connector = WarehouseConnector()
    custom = {
        "warehouse": "wh-1",
        "retries": 5,  # a Struct holds every number as a double: 5.0 on the wire
        "size": "large",
        "tags": ["a", "b"],
        "limits": {"cpus": 4, "memory_gib": 2.5},
    }
    async with serve_connectors(connector) as service:
        await _create(service, _template("warehouse_query", custom))
    (config,) = connector.configs
    assert config == WarehouseConfig(
        "wh-1", retries=5, size=Size.LARGE, tags=["a", "b"], limits=Limits(cpus=4, memory_gib=2.5)
    )
    assert type(config.retries) is int
    assert type(config.limits.cpus) is int


@pytest.mark.parametrize(
    ("custom", "named"),
    [
        ({"warehouse": 7}, "'warehouse'"),
        ({"warehouse": "w", "retries": 2.5}, "'retries'"),
        ({"warehouse": "w", "size": "huge"}, "'size'"),
        ({"warehouse": "w", "limits": {"cpus": "four"}}, "'limits.cpus'"),
        ({"warehouse": "w", "tags": ["a", 1]}, "'tags[]'"),
        ({"retries": 1}, "'warehouse'"),
        ({"warehouse": "w", "priority": 3}, "'priority'"),
        ({"warehouse": "w", "retries": -1}, "retries must be 0 or more"),
    ],
    ids=[
        "str-field-given-a-number",
        "int-field-given-a-fraction",
        "enum-field-given-an-unknown-value",
        "nested-field",
        "list-item",
        "missing-required-field",
        "unknown-field",
        "the-config-own-check",
    ],
)
async def test_a_config_that_does_not_fit_is_invalid_argument_naming_the_field(
    custom: dict[str, Any], named: str
) -> None:
    connector = WarehouseConnector()
    async with serve_connectors(connector) as service:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _create(service, _template("warehouse_query", custom))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = caught.value.details() or ""
    assert named in details
    assert "WarehouseConfig" in details
    assert "'nightly'" in details  # the task whose config it is
    assert connector.configs == []  # create was never called: no half-created job


async def test_a_pydantic_model_is_a_config_type_too() -> None:
    pydantic = pytest.importorskip("pydantic")

    class QueryConfig(pydantic.BaseModel):  # type: ignore[misc, name-defined]
        warehouse: str
        retries: int = 3

    class Connector(WarehouseConnector):
        task_type_name = "pydantic_query"
        config_type = QueryConfig

    connector = Connector()
    async with serve_connectors(connector) as service:
        await _create(service, _template("pydantic_query", {"warehouse": "w", "retries": 2}))
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _create(service, _template("pydantic_query", {"warehouse": "w", "retries": "x"}))
    assert connector.configs == [QueryConfig(warehouse="w", retries=2)]
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'retries'" in (caught.value.details() or "")


async def test_a_sync_connector_declares_its_config_the_same_way() -> None:
    got: list[Any] = []

    class Lookup(SyncConnector):
        name = "Lookup"
        task_type_name = "lookup"
        config_type = Limits

        async def do(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Resource:
            got.append(kwargs["config"])
            return Resource(phase=TaskExecution.SUCCEEDED)

    async def execute(custom: dict[str, Any]) -> Any:
        header = agent_pb2.CreateRequestHeader(template=_template("lookup", custom))
        requests = iter([agent_pb2.ExecuteTaskSyncRequest(header=header)])
        return [r async for r in service.sync_agent.ExecuteTaskSync(requests)]

    async with serve_connectors(Lookup()) as service:
        await execute({"cpus": 2})
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await execute({"cpus": "two"})
    assert got == [Limits(cpus=2)]
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'cpus'" in (caught.value.details() or "")


async def test_a_connector_without_a_config_type_is_given_no_config() -> None:
    seen: list[dict[str, Any]] = []

    class Untyped(WarehouseConnector):
        task_type_name = "untyped"
        config_type = None

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Meta:
            seen.append(kwargs)
            return Meta(job_id="u")

    async with serve_connectors(Untyped()) as service:
        await _create(service, _template("untyped", {"anything": ["goes"]}))
    assert "config" not in seen[0]


class WarehouseTask(AsyncConnectorExecutorMixin, TaskTemplate):
    task_type = "warehouse_query"

    def __init__(self, name: str, custom: dict[str, Any]) -> None:
        super().__init__(name, NativeInterface())
        self.custom = custom

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        return self.custom


def test_a_local_run_refuses_the_config_the_same_way() -> None:
    connector = WarehouseConnector()
    ConnectorRegistry.register(connector)
    with pytest.raises(ConnectorRequestError) as caught:
        flyte.run(WarehouseTask("nightly", {"warehouse": "w", "retries": "many"}))
    assert "'retries'" in str(caught.value)
    assert connector.configs == []
    flyte.run(WarehouseTask("nightly", {"warehouse": "w"}))
    assert connector.configs == [WarehouseConfig("w")]


def test_a_config_type_must_be_a_dataclass_or_a_pydantic_model() -> None:
    class Bad(WarehouseConnector):
        task_type_name = "bad_config"
        config_type = dict  # type: ignore[assignment]

    with pytest.raises(TypeError) as caught:
        ConnectorRegistry.register(Bad())
    assert "config_type" in str(caught.value)
