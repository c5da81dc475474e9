"""The connector service over a real loopback channel, called through flyteidl's generated stubs."""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import pickle
import shutil
import subprocess
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import execution_pb2, interface_pb2, tasks_pb2, types_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service import agent_pb2_grpc
from google.protobuf import json_format

from flyte._context import TaskContext
from flyte.connectors import (
    AsyncConnector,
    ConnectorJobNotFoundError,
    ConnectorRegistry,
    ConnectorRequestError,
    Resource,
    ResourceMeta,
    SyncConnector,
)
from flyte.connectors._envelope import wrap
from flyte.connectors._server import ConnectorServer
from flyte.testing import HealthStub, ServedConnectors, serve_connectors
from flyte.types import Pickled, TypeEngine

_ids = itertools.count()


@dataclass
class JobMeta(ResourceMeta):
    job_id: str
    x: int
    polls_left: int = 1


class DoublingConnector(AsyncConnector):
    """Jobs that double their input ``x`` and end after one RUNNING poll; state in the metadata."""

    name = "Doubling Connector"
    task_type_name = "doubling"
    metadata_type = JobMeta

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.slow_get = 0.0

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
        if inputs["x"] < 0:
            raise ValueError(f"x must not be negative, got {inputs['x']}")
        return JobMeta(job_id=f"job-{next(_ids)}", x=inputs["x"])

    async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
        await asyncio.sleep(self.slow_get)
        if resource_meta.x == 13:
            raise RuntimeError("the batch system lost job 13")
        if resource_meta.x == 7:
            link = execution_pb2.TaskLog(name="console", uri=f"https://b/{resource_meta.job_id}")
            return Resource(phase=TaskExecution.FAILED, message="exit code 7", log_links=[link])
        if resource_meta.x == 99:
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"unexpected": 1})
        return Resource(
            phase=TaskExecution.SUCCEEDED, outputs={"o0": resource_meta.x * 2}, custom_info={"n": 1}
        )

    async def delete(self, resource_meta: JobMeta, **kwargs: Any) -> None:
        self.deleted.append(resource_meta.job_id)

    async def get_logs(self, resource_meta: JobMeta, **kwargs: Any) -> AsyncIterator[str]:
        for line in ("starting", f"x={resource_meta.x}"):
            yield line

    async def get_metrics(self, resource_meta: JobMeta, **kwargs: Any) -> Any:
        return agent_pb2.GetTaskMetricsResponse()


class UpperConnector(SyncConnector):
    name = "Upper Connector"
    task_type_name = "upper"

    async def do(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Resource:
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": inputs["s"].upper()})


def simple(kind: int) -> types_pb2.LiteralType:
    return types_pb2.LiteralType(simple=kind)


def template(
    task_type: str, inputs: dict[str, int], outputs: dict[str, int]
) -> tasks_pb2.TaskTemplate:
    def variables(names: dict[str, int]) -> interface_pb2.VariableMap:
        return interface_pb2.VariableMap(
            variables={n: interface_pb2.Variable(type=simple(k)) for n, k in names.items()}
        )

    return tasks_pb2.TaskTemplate(
        type=task_type,
        interface=interface_pb2.TypedInterface(
            inputs=variables(inputs), outputs=variables(outputs)
        ),
    )


# Declared as FLOAT although the connector answers ints: outputs follow the declared type.
DOUBLING = template("doubling", {"x": types_pb2.INTEGER}, {"o0": types_pb2.FLOAT})
CATEGORY = agent_pb2.TaskCategory(name="doubling", version=0)


@pytest.fixture
def connector() -> DoublingConnector:
    connector = DoublingConnector()
    ConnectorRegistry.register(connector)
    ConnectorRegistry.register(UpperConnector())
    return connector


@pytest.fixture
def channel(connector: DoublingConnector, connector_service: ServedConnectors) -> grpc.aio.Channel:
    return connector_service.channel


@pytest.fixture
def agents(
    connector: DoublingConnector, connector_service: ServedConnectors
) -> agent_pb2_grpc.AsyncAgentServiceStub:
    return connector_service.async_agent


async def create(agents: Any, x: int, tmpl: tasks_pb2.TaskTemplate = DOUBLING) -> bytes:
    inputs = await TypeEngine.to_literal_map({"x": x}, {"x": int})
    request = agent_pb2.CreateTaskRequest(inputs=inputs, template=tmpl, output_prefix="/tmp/out")
    response = await agents.CreateTask(request)
    return bytes(response.resource_meta)


async def get(agents: Any, meta: bytes) -> agent_pb2.Resource:
    response = await agents.GetTask(
        agent_pb2.GetTaskRequest(resource_meta=meta, task_category=CATEGORY)
    )
    return response.resource


async def test_a_job_is_created_polled_and_deleted_as_a_backend_calls_it(
    agents: Any, connector: DoublingConnector
) -> None:
    meta = await create(agents, 21)
    resource = await get(agents, meta)
    assert resource.phase == TaskExecution.SUCCEEDED
    assert resource.outputs.literals["o0"].scalar.primitive.float_value == 42.0
    assert resource.custom_info["n"] == 1
    await agents.DeleteTask(agent_pb2.DeleteTaskRequest(resource_meta=meta, task_category=CATEGORY))
    assert len(connector.deleted) == 1


async def test_the_deprecated_task_type_field_still_finds_the_connector(agents: Any) -> None:
    meta = await create(agents, 1)
    response = await agents.GetTask(
        agent_pb2.GetTaskRequest(task_type="doubling", resource_meta=meta)
    )
    assert response.resource.phase == TaskExecution.SUCCEEDED


async def test_an_unknown_task_type_is_not_found_naming_it(agents: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create(agents, 1, template("warehouse", {"x": types_pb2.INTEGER}, {}))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert "'warehouse' version 0" in (caught.value.details() or "")
    assert "'doubling' v0" in (caught.value.details() or "")


@pytest.mark.parametrize("meta", [b"", b"\x80\x04pickle", b'{"meta": {"nope": 1}, "outputs": ""}'])
async def test_an_undecodable_resource_meta_is_invalid_argument(agents: Any, meta: bytes) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await get(agents, meta)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Doubling Connector" in (caught.value.details() or "") or not meta


async def test_a_malformed_request_is_invalid_argument(channel: grpc.aio.Channel) -> None:
    call = channel.unary_unary(
        "/flyteidl.service.AsyncAgentService/GetTask",
        request_serializer=lambda b: b,
        response_deserializer=agent_pb2.GetTaskResponse.FromString,
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(b"\xff\xff\xff")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid flyteidl.admin.GetTaskRequest" in (caught.value.details() or "")


async def test_a_request_without_template_is_invalid_argument(agents: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await agents.CreateTask(agent_pb2.CreateTaskRequest())
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_inputs_that_do_not_match_the_template_are_invalid_argument(agents: Any) -> None:
    inputs = await TypeEngine.to_literal_map({"x": "text"}, {"x": str})
    request = agent_pb2.CreateTaskRequest(inputs=inputs, template=DOUBLING)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await agents.CreateTask(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x" in (caught.value.details() or "")


async def test_a_connector_exception_is_internal_and_the_server_survives(agents: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create(agents, -1)
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert "'Doubling Connector'" in (caught.value.details() or "")
    assert "x must not be negative" in (caught.value.details() or "")
    meta = await create(agents, 13)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await get(agents, meta)
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert "lost job 13" in (caught.value.details() or "")
    assert (await get(agents, await create(agents, 2))).phase == TaskExecution.SUCCEEDED


async def test_a_failed_job_carries_an_agent_error_and_its_log_links(agents: Any) -> None:
    resource = await get(agents, await create(agents, 7))
    assert resource.phase == TaskExecution.FAILED
    assert resource.message == "exit code 7"
    assert resource.log_links[0].name == "console"
    assert resource.agent_error.kind == agent_pb2.AgentError.NON_RECOVERABLE


async def test_outputs_the_task_does_not_declare_fail_the_job_with_an_agent_error(
    agents: Any,
) -> None:
    resource = await get(agents, await create(agents, 99))
    assert resource.phase == TaskExecution.FAILED
    assert "'unexpected'" in resource.message
    assert resource.agent_error.code == "OutputsNotConverted"


async def test_logs_stream_and_metrics_answer(agents: Any) -> None:
    meta = await create(agents, 5)
    request = agent_pb2.GetTaskLogsRequest(resource_meta=meta, task_category=CATEGORY)
    lines = [r.body.results[0] async for r in agents.GetTaskLogs(request)]
    assert lines == ["starting", "x=5"]
    metrics = await agents.GetTaskMetrics(
        agent_pb2.GetTaskMetricsRequest(resource_meta=meta, task_category=CATEGORY)
    )
    assert list(metrics.results) == []


async def test_a_method_the_connector_lacks_is_unimplemented(agents: Any) -> None:
    class Minimal(AsyncConnector):
        name = "Minimal"
        task_type_name = "minimal"
        metadata_type = JobMeta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
            return JobMeta(job_id="m", x=0)

    ConnectorRegistry.register(Minimal())
    meta = await create(agents, 1, template("minimal", {"x": types_pb2.INTEGER}, {}))
    request = agent_pb2.GetTaskLogsRequest(
        resource_meta=meta, task_category=agent_pb2.TaskCategory(name="minimal")
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        _ = [r async for r in agents.GetTaskLogs(request)]
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "does not report logs" in (caught.value.details() or "")


async def test_a_sync_connector_answers_execute_task_sync(
    connector: DoublingConnector, connector_service: ServedConnectors
) -> None:
    stub = connector_service.sync_agent
    tmpl = template("upper", {"s": types_pb2.STRING}, {"o0": types_pb2.STRING})
    inputs = await TypeEngine.to_literal_map({"s": "hi"}, {"s": str})
    requests = [
        agent_pb2.ExecuteTaskSyncRequest(header=agent_pb2.CreateRequestHeader(template=tmpl)),
        agent_pb2.ExecuteTaskSyncRequest(inputs=inputs),
    ]
    responses = [r async for r in stub.ExecuteTaskSync(iter(requests))]
    resource = responses[0].header.resource
    assert resource.phase == TaskExecution.SUCCEEDED
    assert resource.outputs.literals["o0"].scalar.primitive.string_value == "HI"


async def test_the_metadata_service_lists_and_finds_agents(
    connector: DoublingConnector, connector_service: ServedConnectors
) -> None:
    stub = connector_service.metadata
    listed = await stub.ListAgents(agent_pb2.ListAgentsRequest())
    by_name = {a.name: a for a in listed.agents}
    assert by_name["Doubling Connector"].supported_task_categories[0].name == "doubling"
    assert by_name["Upper Connector"].is_sync
    found = await stub.GetAgent(agent_pb2.GetAgentRequest(name="Upper Connector"))
    assert found.agent.supported_task_types == ["upper"]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.GetAgent(agent_pb2.GetAgentRequest(name="Nope"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert "'Nope'" in (caught.value.details() or "")


async def test_health_checks_answer_serving_and_not_found(
    connector_service: ServedConnectors,
) -> None:
    health = connector_service.health
    assert (await health.Check(health.Request())).status == health.SERVING
    served = await health.Check(health.Request(service="flyteidl.service.AsyncAgentService"))
    assert served.status == health.SERVING
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await health.Check(health.Request(service="other.Service"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_job_created_through_one_server_is_polled_through_another(agents: Any) -> None:
    meta = await create(agents, 4)
    async with serve_connectors() as other:
        resource = await get(other.async_agent, meta)
    assert resource.outputs.literals["o0"].scalar.primitive.float_value == 8.0


async def test_stopping_lets_calls_in_flight_finish_and_refuses_new_ones(
    connector: DoublingConnector,
) -> None:
    server = await ConnectorServer.start("127.0.0.1", 0)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        agents = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        meta = await create(agents, 3)
        connector.slow_get = 0.3
        in_flight = asyncio.ensure_future(get(agents, meta))
        await asyncio.sleep(0.1)
        await server.stop(grace=5.0)
        assert (await in_flight).phase == TaskExecution.SUCCEEDED
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await get(agents, meta)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_hundreds_of_concurrent_jobs_are_served(agents: Any) -> None:
    async def one(x: int) -> float:
        meta = await create(agents, x)
        resource = await get(agents, meta)
        await agents.DeleteTask(
            agent_pb2.DeleteTaskRequest(resource_meta=meta, task_category=CATEGORY)
        )
        return float(resource.outputs.literals["o0"].scalar.primitive.float_value)

    xs = [x for x in range(400) if x not in (7, 13, 99)]
    results = await asyncio.wait_for(asyncio.gather(*(one(x) for x in xs)), timeout=60)
    assert results == [2.0 * x for x in xs]


async def test_the_service_speaks_tls_with_a_certificate_and_key(
    connector: DoublingConnector, tmp_path: Path
) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    server = await ConnectorServer.start("127.0.0.1", 0, tls_cert=str(cert), tls_key=str(key))
    try:
        credentials = grpc.ssl_channel_credentials(cert.read_bytes())
        async with grpc.aio.secure_channel(f"localhost:{server.port}", credentials) as channel:
            agents = agent_pb2_grpc.AsyncAgentServiceStub(channel)
            assert (await get(agents, await create(agents, 5))).phase == TaskExecution.SUCCEEDED
    finally:
        await server.stop(None)


async def test_logs_from_a_coroutine_and_a_retryable_failure(agents: Any) -> None:
    class Flaky(AsyncConnector):
        name = "Flaky"
        task_type_name = "flaky"
        metadata_type = JobMeta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
            return JobMeta(job_id="f", x=0)

        async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
            return Resource(phase=TaskExecution.RETRYABLE_FAILED, message="preempted")

        async def get_logs(self, resource_meta: JobMeta, **kwargs: Any) -> list[str]:
            return ["one", "two"]

    ConnectorRegistry.register(Flaky())
    category = agent_pb2.TaskCategory(name="flaky")
    meta = await create(agents, 1, template("flaky", {"x": types_pb2.INTEGER}, {}))
    request = agent_pb2.GetTaskLogsRequest(resource_meta=meta, task_category=category)
    assert [r.body.results[0] async for r in agents.GetTaskLogs(request)] == ["one", "two"]
    got = await agents.GetTask(agent_pb2.GetTaskRequest(resource_meta=meta, task_category=category))
    assert got.resource.phase == TaskExecution.RETRYABLE_FAILED
    assert got.resource.agent_error.kind == agent_pb2.AgentError.RECOVERABLE
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await agents.GetTaskMetrics(
            agent_pb2.GetTaskMetricsRequest(resource_meta=meta, task_category=category)
        )
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


class TouchesMarker:
    """Unpickling this runs ``Path.touch`` on ``path``: what a hostile pickle would do."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


async def test_a_pickle_in_the_inputs_of_create_task_is_never_unpickled(
    agents: Any, tmp_path: Path
) -> None:
    received: list[Any] = []

    class Recording(AsyncConnector):
        name = "Recording"
        task_type_name = "recording"
        metadata_type = JobMeta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
            received.append(inputs["blob"])
            return JobMeta(job_id="r", x=0)

    ConnectorRegistry.register(Recording())
    marker = tmp_path / "unpickled"
    tmpl = tasks_pb2.TaskTemplate(type="recording")
    blob = tmpl.interface.inputs.variables["blob"]
    blob.type.CopyFrom(TypeEngine.to_literal_type(Pickled[TouchesMarker]))
    request = agent_pb2.CreateTaskRequest(template=tmpl)
    hostile = pickle.dumps(TouchesMarker(marker))
    request.inputs.literals["blob"].scalar.binary.value = hostile
    request.inputs.literals["blob"].scalar.binary.tag = "pickle"
    await agents.CreateTask(request)
    assert not marker.exists()
    assert received == [hostile]


async def test_distinct_large_resource_metas_do_not_stay_in_memory(agents: Any) -> None:
    mib = 1024 * 1024
    metas = [
        wrap(
            JobMeta(job_id=f"{i}-" + "x" * mib, x=1),
            DOUBLING.interface.outputs,
            TaskContext(task_name="doubling"),
        )
        for i in range(24)
    ]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for meta in metas:
            assert (await get(agents, meta)).phase == TaskExecution.SUCCEEDED
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 4 * mib, f"{retained / mib:.0f} MiB stayed after {len(metas)} GetTask calls"


@dataclass
class Pair:
    a: int
    b: int


def _template_with_schema(change: Any) -> tasks_pb2.TaskTemplate:
    """The doubling template with an input ``p`` whose dataclass JSON schema ``change`` alters."""
    tmpl = tasks_pb2.TaskTemplate()
    tmpl.CopyFrom(DOUBLING)
    pair = TypeEngine.to_literal_type(Pair)
    schema = json_format.MessageToDict(pair.metadata)
    change(schema)
    pair.metadata.Clear()
    pair.metadata.update(schema)
    tmpl.interface.inputs.variables["p"].type.CopyFrom(pair)
    return tmpl


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda s: s["properties"].update(a={"anyOf": []}), "'a'"),
        (lambda s: s["properties"].update({"class": {"type": "integer"}}), "'class'"),
        (lambda s: s.update(required=["a", "b", "a"]), "'a'"),
        (lambda s: s["properties"].update(a=7), "'a'"),
    ],
    ids=["empty-anyOf", "keyword-field", "duplicate-required", "property-not-a-schema"],
)
async def test_a_malformed_input_schema_is_invalid_argument_naming_the_field(
    agents: Any, connector: DoublingConnector, change: Any, named: str
) -> None:
    inputs = await TypeEngine.to_literal_map({"x": 1, "p": Pair(1, 2)}, {"x": int, "p": Pair})
    request = agent_pb2.CreateTaskRequest(inputs=inputs, template=_template_with_schema(change))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await agents.CreateTask(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = caught.value.details() or ""
    assert "'p'" in details
    assert named in details


async def test_a_connector_says_a_request_is_invalid_or_its_job_is_gone(agents: Any) -> None:
    class Picky(AsyncConnector):
        name = "Picky"
        task_type_name = "picky"
        metadata_type = JobMeta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
            if inputs["x"] < 0:
                raise ConnectorRequestError(
                    f"the input 'x' must not be negative, got {inputs['x']}"
                )
            return JobMeta(job_id="gone", x=inputs["x"])

        async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
            raise ConnectorJobNotFoundError(f"no job '{resource_meta.job_id}'")

    ConnectorRegistry.register(Picky())
    picky = template("picky", {"x": types_pb2.INTEGER}, {})
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create(agents, -1, picky)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'Picky'" in (caught.value.details() or "")
    assert "the input 'x' must not be negative" in (caught.value.details() or "")
    meta = await create(agents, 1, picky)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await agents.GetTask(
            agent_pb2.GetTaskRequest(resource_meta=meta, task_category={"name": "picky"})
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert "no job 'gone'" in (caught.value.details() or "")


async def test_metadata_of_the_wrong_type_is_invalid_argument_naming_the_field(agents: Any) -> None:
    meta = json.loads(await create(agents, 3))
    meta["meta"]["x"] = "three"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await get(agents, json.dumps(meta).encode())
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'x'" in (caught.value.details() or "")


async def test_an_open_health_watch_is_told_not_serving_and_does_not_hold_the_stop() -> None:
    server = await ConnectorServer.start("127.0.0.1", 0)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        health = HealthStub(channel)
        watch = health.Watch(health.Request(service=""))
        statuses = [(await watch.read()).status]
        started = time.monotonic()
        await server.stop(grace=10)
        stopped = time.monotonic() - started
        while (response := await watch.read()) is not grpc.aio.EOF:
            statuses.append(response.status)
        assert await watch.code() == grpc.StatusCode.OK
    assert stopped < 1, f"stop took {stopped:.1f} s with a Watch stream open"
    assert statuses == [health.SERVING, health.NOT_SERVING]
