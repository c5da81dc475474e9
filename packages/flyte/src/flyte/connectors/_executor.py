"""AsyncConnectorExecutorMixin: a task that runs as a job of its connector, locally as behind a backend.

A run of such a task takes the one pipeline every task takes (see :mod:`flyte._runtime._pipeline`),
whose execute step, for it, is :func:`run_connector_task`: the connector registered for the task's
type creates the job from the serialized template and the inputs' literals, the job is polled to a
terminal phase (see :mod:`._polling` for timeouts, cancellation and retries) and its outputs come
back as literals. A task with a SQL target runs this way too, mixin or not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from flyte.connectors._connector import ConnectorRegistry
from flyte.connectors._polling import Clock, PollPolicy, print_log_link, run_job
from flyte.connectors._signals import cancel_on_sigterm

if TYPE_CHECKING:
    from flyteidl.core import execution_pb2, literals_pb2, tasks_pb2

    from flyte._context import TaskContext
    from flyte._tasks._template import TaskTemplate

__all__ = ["AsyncConnectorExecutorMixin", "run_connector_task"]


class AsyncConnectorExecutorMixin:
    """Mix into a ``TaskTemplate`` subclass (before it) to run the task through its connector.

    The connector is the one registered for the task's ``task_type`` and ``task_type_version``;
    ``flyte.run``, ``flyte run --local`` and ``flyte-execute`` all run the task as its job.
    ``poll_policy`` sets the polling intervals and the tolerated ``get`` failures; ``clock``
    exists so that tests drive time; override ``report_log_link`` to show log links another way.
    """

    poll_policy: ClassVar[PollPolicy] = PollPolicy()
    clock: ClassVar[Clock] = Clock()

    def report_log_link(self, task_name: str, link: execution_pb2.TaskLog) -> None:
        """Show a log link as the connector reports it (stderr by default)."""
        print_log_link(task_name, link)

    async def execute(self, **inputs: Any) -> Any:
        """Not called: the task runs as its connector's job. Run it with ``flyte.run``."""
        raise NotImplementedError(
            f"{type(self).__qualname__} runs as a job of its connector, not through execute: "
            f"run it with flyte.run or flyte.run_async"
        )


async def run_connector_task(
    task: TaskTemplate,
    template: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
    ctx: TaskContext,
) -> literals_pb2.LiteralMap:
    """Run ``task`` as a job of the connector of its type; return the job's outputs as literals.

    Raises :class:`ConnectorNotFoundError` when no connector serves the task type, and the
    connector errors of :func:`run_job` when the job does not succeed.
    """
    connector = ConnectorRegistry.get_connector(task.task_type, task.task_type_version)
    mixin = task if isinstance(task, AsyncConnectorExecutorMixin) else None
    timeout = task.timeout.total_seconds() if isinstance(task.timeout, timedelta) else None
    with cancel_on_sigterm():
        resource = await run_job(
            connector,
            template,
            inputs,
            ctx,
            retries=task.retries,
            timeout=timeout,
            policy=mixin.poll_policy if mixin else None,
            clock=mixin.clock if mixin else None,
            report=mixin.report_log_link if mixin else print_log_link,
        )
    return resource.outputs
