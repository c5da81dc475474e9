"""The connector service's methods: flyteidl's AsyncAgentService, SyncAgentService and AgentMetadataService.

Each method maps failures to the status codes a backend acts on: an unknown task type is
``NOT_FOUND`` naming it; an undecodable ``resource_meta``, a malformed request or interface, or a
connector's :class:`ConnectorRequestError` is ``INVALID_ARGUMENT``; a connector's
:class:`ConnectorJobNotFoundError` is ``NOT_FOUND``; any other exception of a connector is
``INTERNAL`` with its message; a method a connector does not implement is ``UNIMPLEMENTED``.
None of them stops the server. A successful job whose outputs do not convert is answered as a
``FAILED`` Resource with an ``agent_error``, so that the backend stops polling it.

The job's steps are those of :mod:`._job`, which local runs take too; each call runs under the
execution context made from the request (``task_execution_metadata`` and ``output_prefix`` at
``CreateTask``, carried in ``resource_meta`` to the later calls).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import grpc
from flyteidl.admin import agent_pb2
from flyteidl.core import literals_pb2, tasks_pb2

from flyte._context import ExecutionId, TaskContext
from flyte._secrets import Secrets
from flyte.connectors._connector import (
    AsyncConnector,
    ConnectorBase,
    ConnectorRegistry,
    SyncConnector,
)
from flyte.connectors._errors import (
    ConnectorJobNotFoundError,
    ConnectorNotFoundError,
    ConnectorRequestError,
    ResourceMetaError,
)
from flyte.connectors._job import (
    OpenJob,
    create_job,
    delete_job,
    job_inputs,
    open_job,
    poll_job,
    run_sync_job,
)
from flyte.connectors._rpc import RpcAbort
from flyte.errors import FlyteError

__all__ = ["ConnectorService"]

T = TypeVar("T")

_INVALID = grpc.StatusCode.INVALID_ARGUMENT


def _category(request: Any) -> tuple[str, int]:
    if request.HasField("task_category") and request.task_category.name:
        return request.task_category.name, request.task_category.version
    if request.task_type:
        return request.task_type, 0
    raise RpcAbort(_INVALID, f"{type(request).__name__} names no task_category or task_type")


def _find(task_type: str, version: int) -> ConnectorBase:
    try:
        return ConnectorRegistry.get_connector(task_type, version)
    except ConnectorNotFoundError as exc:
        raise RpcAbort(grpc.StatusCode.NOT_FOUND, str(exc)) from exc


def _find_async(task_type: str, version: int) -> AsyncConnector:
    connector = _find(task_type, version)
    if not isinstance(connector, AsyncConnector):
        raise RpcAbort(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"the task type '{task_type}' version {version} is served by the sync "
            f"{connector.describe()}; call SyncAgentService.ExecuteTaskSync",
        )
    return connector


def _status(connector: ConnectorBase, operation: str, exc: Exception) -> RpcAbort:
    """The status a connector's exception is answered with."""
    if isinstance(exc, RpcAbort):
        return exc
    if isinstance(exc, NotImplementedError):
        return RpcAbort(grpc.StatusCode.UNIMPLEMENTED, str(exc) or operation)
    if isinstance(exc, ResourceMetaError):
        return RpcAbort(_INVALID, f"{connector.describe()}: {exc}")
    if isinstance(exc, ConnectorRequestError):
        return RpcAbort(_INVALID, f"{connector.describe()} refused the request: {exc}")
    if isinstance(exc, ConnectorJobNotFoundError):
        return RpcAbort(grpc.StatusCode.NOT_FOUND, f"{connector.describe()}: {exc}")
    return RpcAbort(
        grpc.StatusCode.INTERNAL,
        f"{connector.describe()} failed in {operation}: {type(exc).__name__}: {exc}",
    )


async def _call(connector: ConnectorBase, operation: str, call: Awaitable[T]) -> T:
    """Await a connector's method, mapping its exceptions to status codes."""
    try:
        return await call
    except Exception as exc:
        raise _status(connector, operation, exc) from exc


async def _inputs(
    template: tasks_pb2.TaskTemplate, inputs: literals_pb2.LiteralMap
) -> dict[str, Any]:
    try:
        return await job_inputs(template, inputs)
    except FlyteError as exc:
        raise RpcAbort(_INVALID, f"the interface of task '{template.id.name}': {exc}") from exc


def _open(connector: AsyncConnector, data: bytes) -> OpenJob:
    if not data:
        raise RpcAbort(_INVALID, "the request has an empty resource_meta")
    try:
        return open_job(connector, data, local=False)
    except ResourceMetaError as exc:
        raise RpcAbort(_INVALID, f"{connector.describe()}: {exc}") from exc


def _context(
    template: tasks_pb2.TaskTemplate, output_prefix: str, metadata: agent_pb2.TaskExecutionMetadata
) -> TaskContext:
    """The execution context of a request: its execution, attempt and output prefix."""
    task_execution = metadata.task_execution_id
    execution = task_execution.node_execution_id.execution_id
    return TaskContext(
        task_name=template.id.name or task_execution.task_id.name,
        execution_id=ExecutionId(execution.project, execution.domain, execution.name),
        attempt=task_execution.retry_attempt,
        # A connector's offloaded outputs go beside its outputs, as flytekit's connectors put them.
        raw_data_prefix=output_prefix,
        output_prefix=output_prefix,
        secrets=Secrets(),
    )


class ConnectorService:
    """Serves the registered connectors to a Flyte backend; methods are named after the RPCs."""

    # --- AsyncAgentService ----------------------------------------------------------------------

    async def create_task(
        self, request: agent_pb2.CreateTaskRequest
    ) -> agent_pb2.CreateTaskResponse:
        """Read the inputs with the template's interface and create the job."""
        if not request.HasField("template") or not request.template.type:
            raise RpcAbort(_INVALID, "CreateTaskRequest has no template with a task type")
        template = request.template
        connector = _find_async(template.type, template.task_type_version)
        inputs = await _inputs(template, request.inputs)
        ctx = _context(template, request.output_prefix, request.task_execution_metadata)
        call = create_job(connector, template, inputs, ctx, request.task_execution_metadata)
        try:
            data = await call
        except ResourceMetaError as exc:
            # What the connector returned cannot be encoded: the connector's fault.
            raise RpcAbort(grpc.StatusCode.INTERNAL, f"{connector.describe()}: {exc}") from exc
        except Exception as exc:
            raise _status(connector, "create", exc) from exc
        return agent_pb2.CreateTaskResponse(resource_meta=data)

    async def get_task(self, request: agent_pb2.GetTaskRequest) -> agent_pb2.GetTaskResponse:
        """The job's state, its outputs converted with the task's declared output types."""
        connector = _find_async(*_category(request))
        job = _open(connector, request.resource_meta)
        resource = await _call(connector, "get", poll_job(connector, job))
        return agent_pb2.GetTaskResponse(resource=resource)

    async def delete_task(
        self, request: agent_pb2.DeleteTaskRequest
    ) -> agent_pb2.DeleteTaskResponse:
        """Delete the job."""
        connector = _find_async(*_category(request))
        job = _open(connector, request.resource_meta)
        await _call(connector, "delete", delete_job(connector, job))
        return agent_pb2.DeleteTaskResponse()

    async def get_task_metrics(
        self, request: agent_pb2.GetTaskMetricsRequest
    ) -> agent_pb2.GetTaskMetricsResponse:
        """The job's metrics, from the connector's optional ``get_metrics``."""
        connector = _find_async(*_category(request))
        job = _open(connector, request.resource_meta)
        call = connector.get_metrics(
            job.meta,
            queries=list(request.queries),
            start_time=request.start_time,
            end_time=request.end_time,
            step=request.step,
        )
        response = await _call(connector, "get_metrics", call)
        if not isinstance(response, agent_pb2.GetTaskMetricsResponse):
            raise RpcAbort(
                grpc.StatusCode.INTERNAL,
                f"{connector.describe()} returned {type(response).__name__} from get_metrics; "
                f"expected a GetTaskMetricsResponse",
            )
        return response

    async def get_task_logs(
        self, request: agent_pb2.GetTaskLogsRequest
    ) -> AsyncIterator[agent_pb2.GetTaskLogsResponse]:
        """The job's logs, streamed from the connector's optional ``get_logs``."""
        connector = _find_async(*_category(request))
        job = _open(connector, request.resource_meta)
        try:
            produced = connector.get_logs(job.meta, lines=request.lines, token=request.token)
            items = produced if hasattr(produced, "__aiter__") else _items(await produced)
            async for item in items:
                yield _log_response(item)
        except Exception as exc:
            raise _status(connector, "get_logs", exc) from exc

    # --- SyncAgentService -----------------------------------------------------------------------

    async def execute_task_sync(
        self, requests: AsyncIterator[agent_pb2.ExecuteTaskSyncRequest]
    ) -> AsyncIterator[agent_pb2.ExecuteTaskSyncResponse]:
        """Run a sync connector: a header with the template, then the inputs; answer the Resource."""
        header: agent_pb2.CreateRequestHeader | None = None
        inputs = literals_pb2.LiteralMap()
        async for request in requests:
            if request.HasField("header"):
                header = request.header
            elif request.HasField("inputs"):
                inputs = request.inputs
        if header is None or not header.template.type:
            raise RpcAbort(_INVALID, "ExecuteTaskSync needs a header with a template first")
        template = header.template
        connector = _find(template.type, template.task_type_version)
        if not isinstance(connector, SyncConnector):
            raise RpcAbort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"the task type '{template.type}' is served by the async {connector.describe()}; "
                f"call AsyncAgentService.CreateTask",
            )
        python_inputs = await _inputs(template, inputs)
        ctx = _context(template, header.output_prefix, header.task_execution_metadata)
        resource = await _call(
            connector, "do", run_sync_job(connector, template, python_inputs, ctx)
        )
        yield agent_pb2.ExecuteTaskSyncResponse(
            header=agent_pb2.ExecuteTaskSyncResponseHeader(resource=resource)
        )

    # --- AgentMetadataService -------------------------------------------------------------------

    async def get_agent(self, request: agent_pb2.GetAgentRequest) -> agent_pb2.GetAgentResponse:
        """The agent (connector name) and the task types it serves."""
        agents = _agents()
        for agent in agents:
            if agent.name == request.name:
                return agent_pb2.GetAgentResponse(agent=agent)
        names = ", ".join(f"'{a.name}'" for a in agents) or "none"
        raise RpcAbort(
            grpc.StatusCode.NOT_FOUND, f"no connector is named '{request.name}' (served: {names})"
        )

    async def list_agents(
        self, request: agent_pb2.ListAgentsRequest
    ) -> agent_pb2.ListAgentsResponse:
        """Every connector served, one agent per connector name."""
        return agent_pb2.ListAgentsResponse(agents=_agents())


def _agents() -> list[agent_pb2.Agent]:
    by_name: dict[str, agent_pb2.Agent] = {}
    for (task_type, version), connector in sorted(ConnectorRegistry.registered().items()):
        agent = by_name.setdefault(
            connector.name,
            agent_pb2.Agent(name=connector.name, is_sync=isinstance(connector, SyncConnector)),
        )
        agent.supported_task_types.append(task_type)
        agent.supported_task_categories.add(name=task_type, version=version)
    return list(by_name.values())


async def _items(result: Any) -> AsyncIterator[Any]:
    if isinstance(result, (list, tuple)):
        for item in result:
            yield item
    elif result is not None:
        yield result


def _log_response(item: Any) -> agent_pb2.GetTaskLogsResponse:
    if isinstance(item, agent_pb2.GetTaskLogsResponse):
        return item
    if isinstance(item, str):
        return agent_pb2.GetTaskLogsResponse(body=agent_pb2.GetTaskLogsResponseBody(results=[item]))
    raise RpcAbort(
        grpc.StatusCode.INTERNAL,
        f"get_logs produced {type(item).__name__}; expected str or GetTaskLogsResponse",
    )
