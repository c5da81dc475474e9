"""The errors of connectors: a missing connector, undecodable metadata, a job that did not succeed.

A connector raises :class:`ConnectorRequestError` for a request it refuses and
:class:`ConnectorJobNotFoundError` for a job its system does not know; the connector service
answers them with ``INVALID_ARGUMENT`` and ``NOT_FOUND``, so a backend does not retry them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flyte.errors import FlyteError

if TYPE_CHECKING:
    from flyteidl.core import execution_pb2

__all__ = [
    "ConnectorError",
    "ConnectorJobFailedError",
    "ConnectorJobNotFoundError",
    "ConnectorNotFoundError",
    "ConnectorRequestError",
    "ConnectorTimeoutError",
    "ResourceMetaError",
]


class ConnectorNotFoundError(FlyteError, LookupError):
    """No connector serves a task type and version."""


class ResourceMetaError(FlyteError, ValueError):
    """Resource metadata could not be encoded, or bytes could not be decoded into it."""


class ConnectorError(FlyteError):
    """A connector task could not run to success: a connector call failed, or its job did."""


class ConnectorJobFailedError(ConnectorError):
    """The job ended in a phase other than SUCCEEDED; carries the connector's message and logs."""

    def __init__(
        self,
        message: str,
        *,
        phase: int,
        connector_message: str = "",
        log_links: Sequence[execution_pb2.TaskLog] = (),
    ) -> None:
        super().__init__(message)
        self.phase = phase
        self.connector_message = connector_message
        self.log_links = list(log_links)


class ConnectorRequestError(ConnectorError, ValueError):
    """A connector refuses the request: its task config or inputs are invalid (``INVALID_ARGUMENT``).

    Raise it before creating anything, with a message that names the field at fault.
    """


class ConnectorJobNotFoundError(ConnectorError, LookupError):
    """The connector's system has no job the metadata names (``NOT_FOUND``)."""


class ConnectorTimeoutError(ConnectorError, TimeoutError):
    """The task's timeout passed before its job ended; the job was deleted."""
