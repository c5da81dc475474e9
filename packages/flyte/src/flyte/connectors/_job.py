"""A connector job's steps, taken the same way by the connector service and by local runs.

- :func:`job_inputs`: the inputs as the connector gets them, read from their literals with the
  types the template declares (a backend sends only the template, so they are guessed from its
  literal types, and a guessed type never unpickles);
- :func:`create_job`: the task's config is decoded into the connector's ``config_type`` and
  checked (:mod:`._config`), then the connector creates the job; its metadata leaves in its wire
  encoding (:mod:`._envelope`), with the declared outputs and the execution context;
- :func:`open_job`: that encoding read back, as ``get`` and ``delete`` need it, in any process;
- :func:`poll_job` and :func:`delete_job`: the connector's ``get`` and ``delete``; the answer
  checked and turned into flyteidl's ``Resource``, its outputs into a ``LiteralMap``;
- :func:`run_sync_job`: a sync connector's one call.

The connector's calls run under the execution context (``flyte.ctx()``) and receive it as
``ctx=``, with ``output_prefix`` and ``task_execution_metadata`` for ``create``, when their
signature takes them (``**kwargs`` takes all); ``create`` and ``do`` also get ``config=``, the
decoded config, when the connector declares its type. What a connector raises is passed on unchanged:
the service answers it with a status code, a local run with a :class:`ConnectorError`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flyteidl.admin import agent_pb2
from flyteidl.core import execution_pb2, literals_pb2, tasks_pb2
from flyteidl.core.execution_pb2 import TaskExecution

from flyte._context import TaskContext, running
from flyte.connectors._config import read_config
from flyte.connectors._connector import AsyncConnector, ConnectorBase, SyncConnector
from flyte.connectors._convert import declared_types, outputs_to_literal_map
from flyte.connectors._envelope import unwrap, wrap
from flyte.connectors._errors import ConnectorError
from flyte.connectors._resource import Resource
from flyte.errors import TypeTransformerFailedError
from flyte.types import TypeEngine

__all__ = [
    "OpenJob",
    "accepted_keywords",
    "create_job",
    "delete_job",
    "job_inputs",
    "open_job",
    "poll_job",
    "resource_to_proto",
    "run_sync_job",
]


async def job_inputs(
    template: tasks_pb2.TaskTemplate, inputs: literals_pb2.LiteralMap
) -> dict[str, Any]:
    """The inputs as the connector gets them, by the types the template declares.

    The declared outputs are read too: every later call needs them, so a job whose outputs
    cannot be read is never created. Raises :class:`TypeTransformerFailedError` naming the
    variable that cannot be read.
    """
    declared_types(template.interface.outputs)
    return await TypeEngine.literal_map_to_python(inputs, declared_types(template.interface.inputs))


async def create_job(
    connector: AsyncConnector,
    template: tasks_pb2.TaskTemplate,
    inputs: dict[str, Any],
    ctx: TaskContext,
    task_execution_metadata: Any = None,
) -> bytes:
    """Have ``connector`` create the job; return its metadata in its wire encoding.

    ``task_execution_metadata`` is what a backend sends about the execution, passed on when given.
    """
    offered = _offered(connector, template, ctx)
    if task_execution_metadata is not None:
        offered["task_execution_metadata"] = task_execution_metadata
    with running(ctx):
        meta = await connector.create(
            template, inputs=inputs, **accepted_keywords(connector.create, **offered)
        )
    return wrap(meta, template.interface.outputs, ctx)


@dataclass(frozen=True)
class OpenJob:
    """A job's metadata read back: the connector's own (a fresh instance), the declared output
    types, and the context it runs in."""

    meta: Any
    output_types: dict[str, type]
    ctx: TaskContext


def open_job(connector: AsyncConnector, resource_meta: bytes, *, local: bool) -> OpenJob:
    """Read what :func:`create_job` wrote; ``local`` says whether this process is a local run.

    Raises :class:`ResourceMetaError` for bytes it did not write.
    """
    meta, output_types, ctx = unwrap(resource_meta, connector.metadata_type, local=local)
    return OpenJob(meta, output_types, ctx)


async def poll_job(connector: AsyncConnector, job: OpenJob) -> agent_pb2.Resource:
    """The job's state as flyteidl's Resource, outputs converted when it succeeded."""
    with running(job.ctx):
        resource = await connector.get(job.meta, **accepted_keywords(connector.get, ctx=job.ctx))
        check_answer(connector, "get", resource)
        # Under the job's context: outputs that are files or tables go to its raw-data prefix.
        return await resource_to_proto(resource, job.output_types, connector.describe())


async def delete_job(connector: AsyncConnector, job: OpenJob) -> None:
    """Have ``connector`` delete the job."""
    with running(job.ctx):
        await connector.delete(job.meta, **accepted_keywords(connector.delete, ctx=job.ctx))


async def run_sync_job(
    connector: SyncConnector,
    template: tasks_pb2.TaskTemplate,
    inputs: dict[str, Any],
    ctx: TaskContext,
) -> agent_pb2.Resource:
    """A sync connector's one call, its answer as flyteidl's Resource."""
    offered = _offered(connector, template, ctx)
    with running(ctx):
        resource = await connector.do(
            template, inputs=inputs, **accepted_keywords(connector.do, **offered)
        )
        check_answer(connector, "do", resource)
        output_types = declared_types(template.interface.outputs)
        return await resource_to_proto(resource, output_types, connector.describe())


def _offered(
    connector: ConnectorBase, template: tasks_pb2.TaskTemplate, ctx: TaskContext
) -> dict[str, Any]:
    """What ``create`` and ``do`` are offered beside the inputs; the config is read (and refused
    with :class:`ConnectorRequestError`) before the connector is called."""
    offered: dict[str, Any] = {"output_prefix": ctx.output_prefix, "ctx": ctx}
    if connector.config_type is not None:
        offered["config"] = read_config(connector.config_type, template)
    return offered


_PHASES = frozenset(TaskExecution.Phase.values())


def check_answer(connector: ConnectorBase, call: str, resource: object) -> None:
    """Raise :class:`ConnectorError` unless ``resource`` is a Resource a caller can act on."""
    if not isinstance(resource, Resource):
        said = f"{resource!r:.200}, not a Resource"
    elif not _is_phase(resource.phase):
        said = f"a Resource of phase {resource.phase!r:.80}, which is not a TaskExecution phase"
    elif not isinstance(resource.log_links, list):
        said = f"a Resource with log_links {resource.log_links!r:.80}, not a list of TaskLog"
    else:
        return
    raise ConnectorError(f"{connector.describe()}: {call} returned {said}")


def _is_phase(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in _PHASES


async def resource_to_proto(
    resource: Resource, output_types: dict[str, type], where: str
) -> agent_pb2.Resource:
    """A connector's :class:`Resource` as flyteidl's, outputs converted with the declared types.

    Outputs are read only in ``SUCCEEDED``; when there are none the job wrote them to the output
    prefix itself, as flyteidl allows. Outputs that do not convert make the Resource ``FAILED``
    with an ``agent_error``, so that the backend stops polling.
    """
    proto = agent_pb2.Resource(phase=resource.phase, message=resource.message)
    proto.log_links.extend(resource.log_links)
    if resource.custom_info:
        proto.custom_info.update(resource.custom_info)
    if resource.phase == TaskExecution.SUCCEEDED and resource.outputs is not None:
        try:
            literals = await outputs_to_literal_map(resource.outputs, output_types, where)
        except (ConnectorError, TypeTransformerFailedError) as exc:
            proto.phase = TaskExecution.FAILED
            proto.message = f"the job succeeded but its outputs could not be converted: {exc}"
            proto.agent_error.CopyFrom(
                agent_pb2.AgentError(
                    code="OutputsNotConverted",
                    kind=agent_pb2.AgentError.NON_RECOVERABLE,
                    origin=execution_pb2.ExecutionError.SYSTEM,
                )
            )
        else:
            proto.outputs.CopyFrom(literals)
    elif resource.phase in (TaskExecution.FAILED, TaskExecution.RETRYABLE_FAILED):
        retryable = resource.phase == TaskExecution.RETRYABLE_FAILED
        proto.agent_error.CopyFrom(
            agent_pb2.AgentError(
                code=TaskExecution.Phase.Name(resource.phase),
                kind=agent_pb2.AgentError.RECOVERABLE
                if retryable
                else agent_pb2.AgentError.NON_RECOVERABLE,
                origin=execution_pb2.ExecutionError.USER,
            )
        )
    return proto


def accepted_keywords(method: Callable[..., Any], **offered: Any) -> dict[str, Any]:
    """The keyword arguments of ``offered`` that ``method`` takes (all, if it takes ``**kwargs``).

    A connector written against an older contract (``async def get(self, resource_meta)``)
    keeps working: it is simply not given what it does not ask for.
    """
    takes_all, names = _parameters(getattr(method, "__func__", method))
    return offered if takes_all else {k: v for k, v in offered.items() if k in names}


@functools.lru_cache(maxsize=256)
def _parameters(function: Callable[..., Any]) -> tuple[bool, frozenset[str]]:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return True, frozenset()
    takes_all = any(p.kind is p.VAR_KEYWORD for p in parameters)
    return takes_all, frozenset(p.name for p in parameters)
