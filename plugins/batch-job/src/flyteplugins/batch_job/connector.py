"""The batch job connector: submits, polls and deletes jobs of the batch system.

Its metadata names the job, so a job created through one process (a local run, one connector
service) can be polled and deleted through any other that uses the same store. The store is
always the process's own (``FLYTE_BATCH_JOB_DIR``): metadata comes back from the wire, so a
``store`` in it that names another folder is refused, never opened.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from flyteidl.core import execution_pb2
from flyteidl.core.execution_pb2 import TaskExecution

from flyte.connectors import (
    AsyncConnector,
    ConnectorJobNotFoundError,
    Resource,
    ResourceMetaError,
)
from flyteplugins.batch_job.config import BatchJobConfig, BatchJobMetadata
from flyteplugins.batch_job.system import (
    BatchJob,
    BatchJobNotFoundError,
    BatchSystem,
    default_store,
)

__all__ = ["BatchJobConnector"]

T = TypeVar("T")

_PHASES = {
    "queued": TaskExecution.QUEUED,
    "running": TaskExecution.RUNNING,
    "succeeded": TaskExecution.SUCCEEDED,
    "failed": TaskExecution.FAILED,
    "cancelled": TaskExecution.ABORTED,
}


class BatchJobConnector(AsyncConnector):
    """Serves the ``batch_job`` task type with the batch system of ``FLYTE_BATCH_JOB_DIR``."""

    name = "Batch Job Connector"
    task_type_name = "batch_job"
    metadata_type = BatchJobMetadata
    config_type = BatchJobConfig

    async def create(
        self,
        task_template: Any,
        inputs: dict[str, Any] | None = None,
        *,
        config: BatchJobConfig,
        **kwargs: Any,
    ) -> BatchJobMetadata:
        """Submit the job to the queue the task's config names (checked before this is called)."""
        system = BatchSystem()
        job = await asyncio.to_thread(
            system.submit,
            config.queue,
            dict(inputs or {}),
            queued_seconds=config.queued_seconds,
            run_seconds=config.run_seconds,
            fail_with=config.fail_with,
        )
        return BatchJobMetadata(
            job_id=job.job_id, created_at=job.submitted_at, store=str(system.store)
        )

    async def get(self, resource_meta: BatchJobMetadata, **kwargs: Any) -> Resource:
        """The job's phase; its ``result`` output once it succeeded."""
        system = _system(resource_meta)
        job = await asyncio.to_thread(_known, system.job, resource_meta.job_id)
        outputs = {"result": job.result} if job.status == "succeeded" else None
        return Resource(
            phase=_PHASES[job.status],
            message=job.message,
            log_links=[_log_link(system, job)],
            outputs=outputs,
            custom_info={"queue": job.queue, "status": job.status},
        )

    async def delete(self, resource_meta: BatchJobMetadata, **kwargs: Any) -> None:
        """Cancel the job."""
        await asyncio.to_thread(_known, _system(resource_meta).delete, resource_meta.job_id)

    async def get_logs(self, resource_meta: BatchJobMetadata, **kwargs: Any) -> AsyncIterator[str]:
        """The job's history, one line per transition."""
        job = await asyncio.to_thread(_known, _system(resource_meta).job, resource_meta.job_id)
        for line in job.history(time.time()):
            yield line


def _system(meta: BatchJobMetadata) -> BatchSystem:
    """The server's batch system, once ``meta`` is known to name no other."""
    store = default_store()
    if meta.store and _absolute(meta.store) != _absolute(store):
        raise ResourceMetaError(
            f"the resource metadata of job '{meta.job_id}' names the batch system at "
            f"{meta.store!r}; this server's is at '{store}' (FLYTE_BATCH_JOB_DIR)"
        )
    return BatchSystem(store)


def _known(call: Callable[[str], T], job_id: str) -> T:
    """``call(job_id)``, a job the batch system does not know raised as the connector's error."""
    try:
        return call(job_id)
    except BatchJobNotFoundError as exc:
        raise ConnectorJobNotFoundError(str(exc)) from exc


def _absolute(path: str | Path) -> Path:
    return Path(os.path.abspath(path))


def _log_link(system: BatchSystem, job: BatchJob) -> execution_pb2.TaskLog:
    return execution_pb2.TaskLog(name="Batch job", uri=f"file://{system.path}#{job.job_id}")
