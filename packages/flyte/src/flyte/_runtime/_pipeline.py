"""The one path every run of a task takes: prepare, execute, collect.

- **prepare**: the task and its Python inputs become the serialized ``TaskTemplate`` and the
  inputs' ``LiteralMap`` (defaults filled in), each made once;
- **execute**: under the execution context (``flyte.ctx()``), the inputs' literals become the
  outputs' literals, or a :class:`Failure`. The task's class chooses how: a task that mixes in
  ``AsyncConnectorExecutorMixin`` (or has a SQL target) runs as a job of its connector, which
  reads the template and the literals as a backend sends them; any other task's inputs are read
  with its declared types and its body runs between its ``pre`` and ``post`` hooks;
- **collect**: the outputs' literals become the values the task returns.

``flyte.run`` takes the three steps in one process; ``flyte run --local --isolated`` prepares and
collects in one and executes in a child, as a container does; ``flyte-execute`` executes, reading
the literals from and writing them to files or an object store. Nothing converts a value twice.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from flyteidl.core import literals_pb2, tasks_pb2

from flyte._context import TaskContext, running
from flyte._runtime._documents import Failure
from flyte._serialize._task import serialize_task
from flyte._tasks._template import TaskTemplate
from flyte._workflows._workflow import WorkflowTemplate
from flyte.connectors._errors import ConnectorError, ConnectorNotFoundError
from flyte.connectors._executor import AsyncConnectorExecutorMixin, run_connector_task
from flyte.errors import RecoverableError, TaskInputError, TypeTransformerFailedError
from flyte.models import SerializationContext
from flyte.types import TypeEngine

__all__ = [
    "Prepared",
    "bind_inputs",
    "check_input_names",
    "collect",
    "execute",
    "input_literals",
    "prepare",
    "runs_through_connector",
]

#: What runs: a task, or a workflow of tasks.
Runnable = TaskTemplate | WorkflowTemplate

#: What the task's module and body may raise that is theirs to answer for: ``sys.exit()`` and a
#: KeyboardInterrupt they raise, too; cancellation and the runtime's own signals are not.
RAISED_BY_USER_CODE = (Exception, SystemExit, KeyboardInterrupt)


@dataclass(frozen=True)
class Prepared:
    """A task ready to execute: the task, its serialized template and its inputs' literals."""

    task: TaskTemplate
    template: tasks_pb2.TaskTemplate
    inputs: literals_pb2.LiteralMap


async def prepare(
    task: TaskTemplate, values: Mapping[str, Any], sctx: SerializationContext
) -> Prepared:
    """Serialize ``task`` under ``sctx`` and convert its inputs ``values`` to literals.

    Raises :class:`TaskInputError` naming the input that is unknown, missing or of the wrong type.
    """
    literal_map = await input_literals(task, values)
    return Prepared(task, serialize_task(task, sctx), literal_map)


async def input_literals(entity: Runnable, values: Mapping[str, Any]) -> literals_pb2.LiteralMap:
    """The inputs ``values`` of a task or workflow, with its defaults, as one ``LiteralMap``.

    Raises :class:`TaskInputError` naming the input that is unknown, missing or of the wrong type.
    """
    bound = bind_inputs(entity, values)
    try:
        return await TypeEngine.to_literal_map(bound, entity.interface.inputs)
    except TypeTransformerFailedError as exc:
        raise TaskInputError(f"{_kind(entity)} '{entity.name}': {exc}") from exc


async def execute(
    task: TaskTemplate,
    template: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
    ctx: TaskContext,
) -> literals_pb2.LiteralMap | Failure:
    """Run ``task`` on its inputs' literals under ``ctx``: its outputs' literals, or why it failed."""
    with running(ctx):
        if runs_through_connector(task, template):
            return await _execute_connector(task, template, inputs, ctx)
        return await _execute_body(task, inputs)


async def collect(entity: Runnable, outputs: literals_pb2.LiteralMap) -> Any:
    """The outputs' literals as a task or workflow returns them: None, one value, or a tuple."""
    interface = entity.interface
    values = await TypeEngine.literal_map_to_python(outputs, interface.outputs)
    return interface.outputs_from_dict(values)


def runs_through_connector(task: TaskTemplate, template: tasks_pb2.TaskTemplate) -> bool:
    """Whether ``task`` runs as a job of its connector: it says so, or it has no body to run."""
    return isinstance(task, AsyncConnectorExecutorMixin) or template.HasField("sql")


async def _execute_connector(
    task: TaskTemplate,
    template: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
    ctx: TaskContext,
) -> literals_pb2.LiteralMap | Failure:
    try:
        return await run_connector_task(task, template, inputs, ctx)
    except (ConnectorError, ConnectorNotFoundError) as exc:
        # The job is the task's body here: its failure, or no connector to run it, is the task's.
        return Failure(exc, type(exc).__name__, user=True, raised_by_task=True)


async def _execute_body(
    task: TaskTemplate, inputs: literals_pb2.LiteralMap
) -> literals_pb2.LiteralMap | Failure:
    interface = task.interface
    try:
        check_input_names(task, inputs.literals)
    except TaskInputError as exc:
        # flytekit refuses an undeclared input too: run with a default instead, and a typo in
        # an input's name would go unnoticed.
        return Failure(exc, "InputsMismatch", user=True)
    given = {n: t for n, t in interface.inputs.items() if n in inputs.literals}
    try:
        values = bind_inputs(task, await TypeEngine.literal_map_to_python(inputs, given))
    except Exception as exc:
        return Failure(exc, "InputConversionError", user=True)
    try:
        result = await task.post(await task.execute(**await task.pre(**values)))
    except RAISED_BY_USER_CODE as exc:
        recoverable = isinstance(exc, RecoverableError)
        return Failure(
            exc, type(exc).__name__, user=True, recoverable=recoverable, raised_by_task=True
        )
    try:
        return await TypeEngine.to_literal_map(interface.outputs_to_dict(result), interface.outputs)
    except Exception as exc:
        return Failure(exc, "OutputConversionError", user=True)


def bind_inputs(entity: Runnable, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with the defaults of the inputs they lack, in the interface's order.

    Raises :class:`TaskInputError` for an input the task or workflow does not take or one it
    needs.
    """
    check_runnable(entity)
    check_input_names(entity, values)
    interface = entity.interface
    return {n: values[n] if n in values else interface.defaults[n] for n in interface.inputs}


def check_runnable(entity: object) -> None:
    """Raise :class:`TaskInputError` unless ``entity`` is a task or a workflow."""
    if not isinstance(entity, (TaskTemplate, WorkflowTemplate)):
        raise TaskInputError(
            f"flyte.run takes a task (see TaskEnvironment.task) or a workflow "
            f"(@flyte.workflow), got {entity!r}"
        )


def check_input_names(entity: Runnable, names: Collection[str]) -> None:
    """Raise :class:`TaskInputError` unless ``names`` are inputs of ``entity`` and hold every
    input it has no default for."""
    mismatch = entity.interface.name_mismatch(names)
    if mismatch:
        raise TaskInputError(f"{_kind(entity)} '{entity.name}' {mismatch}")


def _kind(entity: Runnable) -> str:
    return "workflow" if isinstance(entity, WorkflowTemplate) else "task"
