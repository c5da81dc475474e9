"""TaskTemplate and AsyncFunctionTaskTemplate: what a task is, before it is serialized or run."""

from __future__ import annotations

import datetime
import hashlib
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flyte._tasks._interface import describe_function, extract_interface, typed_interface
from flyte._tasks._resources import Resources
from flyte.errors import TaskDefinitionError
from flyte.models import NativeInterface, SerializationContext

if TYPE_CHECKING:
    from flyteidl.core import interface_pb2, tasks_pb2

__all__ = ["AsyncFunctionTaskTemplate", "TaskTemplate"]


class TaskTemplate:
    """A task: its name, task type and version, interface, plugin config and runtime settings.

    Task plugins subclass it (or :class:`AsyncFunctionTaskTemplate`), annotate ``plugin_config``
    with their config type, set ``task_type`` and override what they change: ``custom_config``,
    ``config``, ``container_args``, ``sql``, ``execute``, or ``validate`` to refuse an interface
    when the task is defined.

    ``cache`` is False, True (the cache version is derived from the task's definition) or a
    cache version string. ``secrets`` are names, ``"group/key"`` or ``"key"``.
    """

    task_type: str = "python-task"
    task_type_version: int = 0
    plugin_config: Any = None

    def __init__(
        self,
        name: str,
        interface: NativeInterface | None = None,
        *,
        plugin_config: Any = None,
        image: str | None = None,
        resources: Resources | None = None,
        env_vars: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        cache: bool | str = False,
        retries: int = 0,
        timeout: datetime.timedelta | float | None = None,
    ) -> None:
        self.name = name
        self.interface = interface if interface is not None else NativeInterface()
        self.plugin_config = plugin_config
        self.image = image
        self.resources = resources
        self.env_vars = dict(env_vars or {})
        self.secrets = tuple(secrets)
        self.cache = cache
        self.retries = retries
        self.timeout = _timeout(timeout, name)
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise TaskDefinitionError(
                f"task '{name}': retries must be an int >= 0, got {retries!r}"
            )
        if not isinstance(cache, (bool, str)):
            raise TaskDefinitionError(
                f"task '{name}': cache must be True, False or a cache version string, got {cache!r}"
            )
        #: The module the task is defined in; the runtime imports it to load the task.
        self.module = _caller_module(self)
        self._typed_interface = typed_interface(self.interface, self._describe())
        self.validate()

    @property
    def typed_interface(self) -> interface_pb2.TypedInterface:
        """The flyteidl interface, computed once when the task is defined."""
        return self._typed_interface

    def validate(self) -> None:
        """Refuse a task this class cannot serve by raising ``TaskDefinitionError`` (a plugin hook)."""

    def cache_version(self) -> str:
        """The cache version: the string given as ``cache``, else a hash of the task's definition."""
        if isinstance(self.cache, str):
            return self.cache
        digest = hashlib.sha256(self._typed_interface.SerializeToString(deterministic=True))
        digest.update(f"{self.task_type}:{self.task_type_version}:{self._source()}".encode())
        return digest.hexdigest()[:16]

    def _source(self) -> str:
        return self.name

    def _describe(self) -> str:
        return f"task '{self.name}'"

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        """The task's ``custom`` struct for the backend plugin; empty by default."""
        return {}

    def config(self, sctx: SerializationContext) -> dict[str, str]:
        """The task template's ``config`` map; empty by default."""
        return {}

    def container_args(self, sctx: SerializationContext) -> list[str]:
        """The container's command line: the runtime entry point, where the task lives, the paths."""
        from flyte._serialize._location import runtime_args

        return runtime_args(self, sctx)

    def sql(self, sctx: SerializationContext) -> tasks_pb2.Sql | None:
        """A SQL target instead of a container; None (a container) by default."""
        return None

    async def execute(self, **inputs: Any) -> Any:
        """Run the task on Python inputs; return None, the single output or a tuple of outputs."""
        raise NotImplementedError(
            f"{type(self).__qualname__} (task type '{self.task_type}') does not implement execute"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, task_type={self.task_type!r})"


class AsyncFunctionTaskTemplate(TaskTemplate):
    """A task whose body is a Python function, sync or async; its interface comes from the hints."""

    def __init__(self, func: Callable[..., Any], *, name: str | None = None, **kwargs: Any) -> None:
        self.func = func
        interface = extract_interface(func)
        super().__init__(name or func.__name__, interface, **kwargs)
        self.module = func.__module__

    def _describe(self) -> str:
        return f"task '{self.name}' (function {describe_function(self.func)})"

    def _source(self) -> str:
        try:
            return inspect.getsource(self.func)
        except (OSError, TypeError):
            return describe_function(self.func)

    async def execute(self, **inputs: Any) -> Any:
        """Call the function with ``inputs``, awaiting it when it is a coroutine function."""
        result = self.func(**inputs)
        if inspect.isawaitable(result):
            result = await result
        return result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function itself, as if it were not a task."""
        return self.func(*args, **kwargs)


def _timeout(value: datetime.timedelta | float | None, name: str) -> datetime.timedelta | None:
    if value is None or isinstance(value, datetime.timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return datetime.timedelta(seconds=value)
    raise TaskDefinitionError(
        f"task '{name}': timeout must be a timedelta or a number of seconds > 0, got {value!r}"
    )


def _caller_module(task: TaskTemplate) -> str:
    """The module of the code that constructed ``task``, past the ``__init__`` chain of its classes."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_locals.get("self") is task:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return type(task).__module__
    return str(frame.f_globals.get("__name__", type(task).__module__))
