"""The batch job's configuration and the metadata that identifies a job."""

from __future__ import annotations

from dataclasses import dataclass

from flyte.connectors import ResourceMeta

__all__ = ["BatchJobConfig", "BatchJobMetadata"]


@dataclass
class BatchJobConfig:
    """Which queue runs the task's job, how long it waits and runs, and whether it fails.

    ``fail_with`` makes the job fail with that message when its run ends (for tests and
    demonstrations); empty means it succeeds.
    """

    queue: str = "default"
    queued_seconds: float = 0.5
    run_seconds: float = 1.0
    fail_with: str = ""


@dataclass
class BatchJobMetadata(ResourceMeta):
    """All a connector needs to find a job again: the job's id.

    ``store`` records the batch system the job was created in; a server refuses metadata whose
    store is not its own, so it never chooses a folder on the server.
    """

    job_id: str
    created_at: float
    store: str = ""
