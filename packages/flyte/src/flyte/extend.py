"""What a task plugin builds on: task templates and the registry of task plugins.

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
"""

from flyte._tasks._plugins import TaskPluginRegistry
from flyte._tasks._template import AsyncFunctionTaskTemplate, TaskTemplate

__all__ = ["AsyncFunctionTaskTemplate", "TaskPluginRegistry", "TaskTemplate"]
