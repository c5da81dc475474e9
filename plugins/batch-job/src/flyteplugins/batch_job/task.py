"""The batch job task: a task whose run is a job of the batch system, through its connector."""

from __future__ import annotations

from flyte.extend import TaskTemplate
from flyteplugins.batch_job.config import BatchJobConfig

__all__ = ["BatchJobTask"]


class BatchJobTask(TaskTemplate):
    """A task of type ``batch_job``, run by the batch job connector."""

    plugin_config: BatchJobConfig
    task_type: str = "batch_job"
