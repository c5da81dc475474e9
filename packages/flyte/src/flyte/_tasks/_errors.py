"""The errors of defining, calling and running tasks."""

from __future__ import annotations

from flyte.errors import FlyteError, PluginError

__all__ = ["PluginNotFoundError", "TaskDefinitionError", "TaskInputError", "TaskRunError"]


class TaskDefinitionError(FlyteError, TypeError):
    """A task cannot be defined: a missing type hint, ``*args``, an unsupported type, a refused interface."""


class TaskInputError(FlyteError, TypeError):
    """A task was called with a missing, unknown or wrongly typed input."""


class PluginNotFoundError(PluginError, LookupError):
    """No task plugin is registered for a plugin config type."""


class TaskRunError(FlyteError):
    """A task run ended with an error document; ``kind``, ``code`` and ``recoverable`` come from it."""

    def __init__(self, message: str, *, code: str = "", kind: str = "", recoverable: bool = False):
        super().__init__(message)
        self.code = code
        self.kind = kind
        self.recoverable = recoverable
