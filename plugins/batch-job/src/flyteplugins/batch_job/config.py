"""The batch job's configuration and the metadata that identifies a job."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flyte.connectors import ConnectorRequestError, ResourceMeta

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

    @classmethod
    def from_custom(cls, custom: Mapping[str, Any]) -> BatchJobConfig:
        """The config a task template's ``custom`` holds, checked field by field.

        Raises :class:`ConnectorRequestError` naming a field the config does not have, or one
        whose value is of the wrong type: the template comes from the caller.
        """
        names = [f.name for f in dataclasses.fields(cls)]
        for name, value in custom.items():
            if name not in names:
                raise ConnectorRequestError(
                    f"the batch job config has no field {name!r} (its fields: {', '.join(names)})"
                )
            if name.endswith("_seconds"):
                if not _is_duration(value):
                    raise ConnectorRequestError(
                        f"the batch job config field {name!r} must be a number of seconds, "
                        f"0 or more, got {value!r:.40}"
                    )
            elif not isinstance(value, str):
                raise ConnectorRequestError(
                    f"the batch job config field {name!r} must be a str, got "
                    f"{type(value).__name__} {value!r:.40}"
                )
        return cls(**custom)


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
