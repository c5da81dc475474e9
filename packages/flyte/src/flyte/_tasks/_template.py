"""TaskTemplate and AsyncFunctionTaskTemplate: what a task is, before and after serialization."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["AsyncFunctionTaskTemplate", "TaskTemplate"]


class TaskTemplate:
    """A task: its name, task type and version, and the plugin config that shaped it.

    Task plugins subclass it (or :class:`AsyncFunctionTaskTemplate`), annotate ``plugin_config``
    with their config type and set ``task_type``.
    """

    task_type: str = "python-task"
    task_type_version: int = 0
    plugin_config: Any = None

    def __init__(self, name: str, *, plugin_config: Any = None) -> None:
        self.name = name
        self.plugin_config = plugin_config


class AsyncFunctionTaskTemplate(TaskTemplate):
    """A task whose body is a Python function, sync or async."""

    _function_kind: ClassVar[str] = "function"

    def __init__(
        self, func: Callable[..., Any], *, name: str | None = None, plugin_config: Any = None
    ) -> None:
        super().__init__(name or func.__qualname__, plugin_config=plugin_config)
        self.func = func
