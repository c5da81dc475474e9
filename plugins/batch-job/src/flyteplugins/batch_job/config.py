"""The batch job's configuration and the metadata that identifies a job."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flyte.connectors import ResourceMeta

__all__ = ["BatchJobConfig", "BatchJobMetadata"]


@dataclass
class BatchJobConfig:
    """Which queue runs the task's job, how long it waits and runs, and whether it fails.

    ``fail_with`` makes the job fail with that message when its run ends (for tests and
    demonstrations); empty means it succeeds. The connector declares it as its ``config_type``,
    so a template's config is checked field by field before a job is created; the durations are
    checked here, so a config made in code is refused as early.
    """

    queue: str = "default"
    queued_seconds: float = 0.5
    run_seconds: float = 1.0
    fail_with: str = ""

    def __post_init__(self) -> None:
        for name in ("queued_seconds", "run_seconds"):
            value = getattr(self, name)
            if not _is_duration(value):
                raise ValueError(
                    f"the batch job config field {name!r} must be a number of seconds, "
                    f"0 or more, got {value!r:.40}"
                )


@dataclass
class BatchJobMetadata(ResourceMeta):
    """All a connector needs to find a job again: the job's id.

    ``store`` records the batch system the job was created in; a server refuses metadata whose
    store is not its own, so it never chooses a folder on the server.
    """

    job_id: str
    created_at: float
    store: str = ""


def _is_duration(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and value >= 0
