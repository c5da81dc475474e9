"""A connector's outputs may be files and dataframes, as a warehouse connector returns its result
table: converted with the declared output types, in the job's raw-data store, when run locally
and when served to a backend (the request's output prefix)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte import _storage
from flyte.connectors import (
    AsyncConnector,
    AsyncConnectorExecutorMixin,
    ConnectorRegistry,
    PollPolicy,
    Resource,
    ResourceMeta,
)
from flyte.extend import TaskTemplate
from flyte.io import DataFrame, File
from flyte.models import NativeInterface, SerializationContext
from flyte.testing import S3Server, serve_connectors
from flyte.types import TypeEngine


@dataclass
class QueryMeta(ResourceMeta):
    query: str


class WarehouseConnector(AsyncConnector):
    """Runs a query: its result table is already in the warehouse's bucket; its report is a
    local file the connector wrote, uploaded when the outputs are converted."""

    name = "Warehouse Connector"
    task_type_name = "warehouse_query"
    metadata_type = QueryMeta

    def __init__(self, result: str, scratch: Path) -> None:
        self.result = result
        self.scratch = scratch

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> QueryMeta:
        return QueryMeta(query=inputs["query"])

    async def get(self, resource_meta: QueryMeta, **kwargs: Any) -> Resource:
        report = self.scratch / "report.txt"
        report.write_text(f"ran {resource_meta.query}")
        outputs = {"report": File(report), "table": DataFrame.from_existing_remote(self.result)}
        return Resource(phase=TaskExecution.SUCCEEDED, outputs=outputs)

    async def delete(self, resource_meta: QueryMeta, **kwargs: Any) -> None:
        pass


class QueryTask(AsyncConnectorExecutorMixin, TaskTemplate):
    task_type = "warehouse_query"
    poll_policy = PollPolicy(first_interval=0.001)

    def custom_config(self, sctx: Any) -> dict[str, Any]:
        return {}


QUERY = QueryTask(
    "warehouse.query",
    NativeInterface(inputs={"query": str}, outputs={"report": File, "table": DataFrame}),
)


@pytest.fixture
def warehouse(s3_store: S3Server, tmp_path: Path) -> WarehouseConnector:
    result = s3_store.uri("warehouse", "result.parquet")
    _storage.write_bytes(result, b"PAR1 stand-in")
    connector = WarehouseConnector(result, tmp_path)
    ConnectorRegistry.register(connector)
    return connector


def test_a_local_run_converts_a_connectors_files_and_tables(
    warehouse: WarehouseConnector, s3_store: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYTE_RAW_OUTPUT_DATA_PREFIX", s3_store.uri("raw"))
    report, table = flyte.run(QUERY, query="select 1")
    assert report.path.startswith(s3_store.uri("raw") + "/")  # uploaded from the connector's disk
    with report.open_sync("r") as fh:
        assert fh.read() == "ran select 1"
    assert table.uri == warehouse.result  # already in a store: never copied


async def test_the_service_writes_them_under_the_requests_output_prefix(
    warehouse: WarehouseConnector, s3_store: S3Server
) -> None:
    from flyte._serialize._task import serialize_task

    template = serialize_task(QUERY, SerializationContext(project="p", domain="d", version="v"))
    inputs = await TypeEngine.to_literal_map({"query": "select 2"}, {"query": str})
    output_prefix = s3_store.uri("executions", "a1", "n0")
    category = agent_pb2.TaskCategory(name=template.type)
    async with serve_connectors(warehouse) as service:
        created = await service.async_agent.CreateTask(
            agent_pb2.CreateTaskRequest(
                template=template, inputs=inputs, output_prefix=output_prefix
            )
        )
        answer = await service.async_agent.GetTask(
            agent_pb2.GetTaskRequest(resource_meta=created.resource_meta, task_category=category)
        )
    resource = answer.resource
    assert resource.phase == TaskExecution.SUCCEEDED, resource.message
    report = resource.outputs.literals["report"].scalar.blob
    assert report.uri.startswith(output_prefix + "/")
    assert _storage.read_bytes(report.uri) == b"ran select 2"
    table = resource.outputs.literals["table"].scalar.structured_dataset
    assert table.uri == warehouse.result
    assert table.metadata.structured_dataset_type.format == "parquet"
