"""The batch job plugin: tasks that run as jobs of a small batch system, through a connector.

    import flyte
    from flyteplugins.batch_job import BatchJobConfig, BatchJobTask

    report = BatchJobTask("report", inputs={"day": str},
                          plugin_config=BatchJobConfig(queue="fast", run_seconds=0.5))
    print(flyte.run(report, day="2024-01-01"))

The batch system keeps its jobs in a SQLite file under ``FLYTE_BATCH_JOB_DIR`` (default: a
folder in the temporary directory), so that every process on the machine sees them.
``BatchJobConnector`` is imported on first use only: importing the task does not import the
connector.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from flyteplugins.batch_job.config import BatchJobConfig, BatchJobMetadata
from flyteplugins.batch_job.task import BatchJobTask

if TYPE_CHECKING:
    from flyteplugins.batch_job.connector import BatchJobConnector

__all__ = ["BatchJobConfig", "BatchJobConnector", "BatchJobMetadata", "BatchJobTask"]


def __getattr__(name: str) -> Any:
    if name == "BatchJobConnector":
        return importlib.import_module("flyteplugins.batch_job.connector").BatchJobConnector
    raise AttributeError(f"module 'flyteplugins.batch_job' has no attribute {name!r}")
