"""The exceptions flyte raises, under one base class.

Catch :class:`FlyteError` to handle every error of the SDK without catching anything else::

    try:
        flyte.run(my_task, x=1)
    except flyte.errors.FlyteError as e:
        print(e)
"""

from __future__ import annotations

__all__ = [
    "FlyteError",
    "PluginError",
    "PluginLoadError",
    "PluginNotFoundError",
    "RecoverableError",
    "RegistrationError",
    "SecretNotFoundError",
    "TaskDefinitionError",
    "TaskInputError",
    "TaskRunError",
    "TypeTransformerFailedError",
    "WorkflowDefinitionError",
    "WorkflowRunError",
]


class FlyteError(Exception):
    """The base class of every error the SDK raises on purpose."""


class PluginError(FlyteError):
    """A plugin could not be loaded, or registered something it may not."""


class PluginLoadError(PluginError):
    """A plugin failed to load while ``FLYTE_PLUGINS_STRICT=1`` asks failures to be raised."""


class RecoverableError(FlyteError):
    """Raised by a task's body for a failure worth another attempt (a flaky service, a lost node).

    Its error document is marked recoverable, so a backend runs the task again up to its
    ``retries``, and so does a local run; any other exception of the body is final.
    """


class RegistrationError(FlyteError, ValueError):
    """A registration was refused: your code registered a key your code already registered.

    Registering an object of the wrong kind is a ``TypeError``, as for any misused argument.
    """


class SecretNotFoundError(FlyteError, LookupError):
    """A secret is neither in its environment variable nor in its file (see ``flyte.ctx().secrets``)."""


class TypeTransformerFailedError(FlyteError, TypeError, ValueError):
    """A value could not be converted to or from a literal of the expected type."""


class PluginNotFoundError(PluginError, LookupError):
    """No task plugin is registered for a plugin config type."""


class TaskDefinitionError(FlyteError, TypeError):
    """A task cannot be defined: a missing type hint, ``*args``, an unsupported type, a refused interface."""


class TaskInputError(FlyteError, TypeError):
    """A task was called with a missing, unknown or wrongly typed input."""


class TaskRunError(FlyteError):
    """A task run ended with an error document; ``kind``, ``code`` and ``recoverable`` come from it."""

    def __init__(self, message: str, *, code: str = "", kind: str = "", recoverable: bool = False):
        super().__init__(message)
        self.code = code
        self.kind = kind
        self.recoverable = recoverable


class WorkflowDefinitionError(FlyteError, TypeError):
    """A workflow cannot be defined: a bad input to a node, a promise used as a value, an output left unbound."""


class WorkflowRunError(FlyteError):
    """A node of a workflow failed; ``workflow``, ``node_id`` and ``task`` say where, ``__cause__`` why."""

    def __init__(self, message: str, *, workflow: str, node_id: str, task: str) -> None:
        super().__init__(message)
        self.workflow = workflow
        self.node_id = node_id
        self.task = task
