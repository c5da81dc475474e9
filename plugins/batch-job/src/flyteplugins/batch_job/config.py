"""The batch job's configuration and the metadata that identifies a job."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BatchJobConfig", "BatchJobMetadata"]


@dataclass
class BatchJobConfig:
    """Which queue of the batch system runs the task's job."""

    queue: str = "default"


@dataclass
class BatchJobMetadata:
    """All a connector needs to find a job again: its id and when it was created."""

    job_id: str
    created_at: float
