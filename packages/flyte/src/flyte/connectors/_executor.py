"""AsyncConnectorExecutorMixin: a task whose local run goes through its connector.

The run takes the steps a backend takes: serialize the task, convert its inputs to literals, have
the connector create the job and poll it to a terminal phase (see :mod:`._polling` for timeouts,
cancellation and retries), then convert the outputs to the task's declared types by name.
:func:`run_connector_task` is those steps after serialization; the mixin and the test kit's
``ConnectorHarness`` both run tasks through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from flyte.connectors._connector import ConnectorBase, ConnectorRegistry
from flyte.connectors._polling import Clock, LogLinkReporter, PollPolicy, print_log_link, run_job
from flyte.connectors._signals import cancel_on_sigterm
from flyte.models import SerializationContext

if TYPE_CHECKING:
    from flyteidl.core import execution_pb2, tasks_pb2

__all__ = ["AsyncConnectorExecutorMixin", "run_connector_task"]


async def run_connector_task(
    connector: ConnectorBase,
    template: tasks_pb2.TaskTemplate,
    inputs: Mapping[str, Any],
    input_types: Mapping[str, Any],
    output_types: Mapping[str, Any],
    *,
    task_name: str,
    retries: int = 0,
    timeout: float | None = None,
    policy: PollPolicy | None = None,
    clock: Clock | None = None,
    report: LogLinkReporter = print_log_link,
) -> dict[str, Any]:
    """Run a serialized task as a job of ``connector``; return its outputs by name.

    ``inputs`` (Python values of ``input_types``) become literals and are decoded by the
    template's interface, as the connector service decodes what a backend sends; the job runs
    through :func:`run_job`; its outputs are converted to ``output_types`` by name.
    """
    from flyte.connectors._convert import inputs_to_python, outputs_to_python
    from flyte.types import TypeEngine

    literals = await TypeEngine.to_literal_map(dict(inputs), input_types)
    python_inputs = await inputs_to_python(template, literals)
    resource = await run_job(
        connector,
        template,
        python_inputs,
        task_name=task_name,
        retries=retries,
        timeout=timeout,
        policy=policy,
        clock=clock,
        report=report,
    )
    where = f"{connector.describe()} for task '{task_name}'"
    return await outputs_to_python(resource.outputs, output_types, where)


class AsyncConnectorExecutorMixin:
    """Mix into a ``TaskTemplate`` subclass (before it) to run the task through its connector.

    The connector is the one registered for the task's ``task_type`` and ``task_type_version``.
    ``poll_policy`` sets the polling intervals and the tolerated ``get`` failures; ``clock`` exists so
    that tests drive time; override ``report_log_link`` to show log links another way.
    """

    poll_policy: ClassVar[PollPolicy] = PollPolicy()
    clock: ClassVar[Clock] = Clock()

    def report_log_link(self, task_name: str, link: execution_pb2.TaskLog) -> None:
        """Show a log link as the connector reports it (stderr by default)."""
        print_log_link(task_name, link)

    async def execute(self, **inputs: Any) -> Any:
        """Run the task as a job of its connector; return its outputs as the task declares them."""
        from flyte._serialize import serialize_task
        from flyte._tasks._template import TaskTemplate

        assert isinstance(self, TaskTemplate), "mix AsyncConnectorExecutorMixin into a TaskTemplate"
        connector = ConnectorRegistry.get_connector(self.task_type, self.task_type_version)
        template = serialize_task(self, SerializationContext())
        with cancel_on_sigterm():
            outputs = await run_connector_task(
                connector,
                template,
                inputs,
                self.interface.inputs,
                self.interface.outputs,
                task_name=self.name,
                retries=self.retries,
                timeout=self.timeout.total_seconds()
                if isinstance(self.timeout, timedelta)
                else None,
                policy=self.poll_policy,
                clock=self.clock,
                report=self.report_log_link,
            )
        return self.interface.outputs_from_dict(outputs)
