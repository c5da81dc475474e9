"""The batch job task: a task whose run is a job of the batch system, through its connector.

Importing it imports nothing of the batch system: the connector is found through the
``flyte.connectors`` entry point when the task first runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flyte.connectors import AsyncConnectorExecutorMixin
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface, SerializationContext
from flyteplugins.batch_job.config import BatchJobConfig

__all__ = ["BatchJobTask"]


class BatchJobTask(AsyncConnectorExecutorMixin, TaskTemplate):
    """A task of type ``batch_job``: its inputs go to a job of the batch system, whose one output
    ``result`` (a ``str``) says what the job processed.

    ``BatchJobTask("nightly", inputs={"day": str}, plugin_config=BatchJobConfig(queue="fast"))``
    """

    plugin_config: BatchJobConfig
    task_type: str = "batch_job"

    def __init__(
        self,
        name: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        plugin_config: BatchJobConfig | None = None,
        **kwargs: Any,
    ) -> None:
        interface = NativeInterface(inputs=dict(inputs or {}), outputs={"result": str})
        super().__init__(name, interface, plugin_config=plugin_config or BatchJobConfig(), **kwargs)

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        """The job's queue, timings and failure switch, read back by the connector."""
        return dataclasses.asdict(self.plugin_config)
