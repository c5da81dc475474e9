"""What a task plugin builds on: task templates, the registry of task plugins, their errors.

A task plugin pairs a config type with a task class::

    from dataclasses import dataclass
    from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry

    @dataclass
    class Echo:
        pass

    class EchoTask(AsyncFunctionTaskTemplate):
        plugin_config: Echo
        task_type: str = "echo"

    TaskPluginRegistry.register(Echo, EchoTask)

Override ``custom_config``, ``config``, ``container_args`` or ``sql`` to change what the backend
gets, ``execute`` to change how the task runs locally, and ``validate`` to refuse, when the task
is defined, an interface the plugin cannot serve (raise :class:`TaskDefinitionError`).
"""

from flyte._tasks._plugins import TaskPluginRegistry
from flyte._tasks._template import AsyncFunctionTaskTemplate, TaskTemplate
from flyte.errors import (
    PluginNotFoundError,
    TaskDefinitionError,
    TaskInputError,
    TaskRunError,
)

__all__ = [
    "AsyncFunctionTaskTemplate",
    "PluginNotFoundError",
    "TaskDefinitionError",
    "TaskInputError",
    "TaskPluginRegistry",
    "TaskRunError",
    "TaskTemplate",
]
