"""AsyncConnectorExecutorMixin: a task whose local run goes through its connector.

The run takes the steps a backend takes: serialize the task, convert its inputs to literals, have
the connector create the job and poll it to a terminal phase (see :mod:`._polling` for timeouts,
cancellation and retries), then convert the outputs to the task's declared types by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from flyte.connectors._connector import ConnectorRegistry
from flyte.connectors._polling import Clock, PollPolicy, print_log_link, run_job
from flyte.connectors._signals import cancel_on_sigterm
from flyte.models import SerializationContext

if TYPE_CHECKING:
    from flyteidl.core import execution_pb2

__all__ = ["AsyncConnectorExecutorMixin"]


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
        from flyte.connectors._convert import inputs_to_python, outputs_to_python
        from flyte.types import TypeEngine

        assert isinstance(self, TaskTemplate), "mix AsyncConnectorExecutorMixin into a TaskTemplate"
        connector = ConnectorRegistry.get_connector(self.task_type, self.task_type_version)
        template = serialize_task(self, SerializationContext())
        literals = await TypeEngine.to_literal_map(inputs, self.interface.inputs)
        python_inputs = await inputs_to_python(template, literals)
        timeout = self.timeout.total_seconds() if self.timeout is not None else None
        with cancel_on_sigterm():
            resource = await run_job(
                connector,
                template,
                python_inputs,
                task_name=self.name,
                retries=self.retries,
                timeout=timeout,
                policy=self.poll_policy,
                clock=self.clock,
                report=self.report_log_link,
            )
        where = f"{connector.describe()} for task '{self.name}'"
        outputs = await outputs_to_python(resource.outputs, self.interface.outputs, where)
        return self.interface.outputs_from_dict(outputs)
