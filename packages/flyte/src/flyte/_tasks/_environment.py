"""TaskEnvironment and its ``task`` decorator: how a Python function becomes a task."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from flyte._tasks._options import Cache, PodTemplate, Secret
from flyte._tasks._plugins import task_class_for
from flyte._tasks._resources import Resources
from flyte._tasks._template import AsyncFunctionTaskTemplate, TaskTemplate
from flyte.errors import TaskDefinitionError

__all__ = ["TaskEnvironment"]

_UNSET: Any = object()

#: The settings an environment gives its tasks and a task may override, by keyword.
_INHERITED = (
    "image",
    "resources",
    "secrets",
    "cache",
    "retries",
    "timeout",
    "interruptible",
    "pod_template",
    "deprecated",
)


@dataclass
class TaskEnvironment:
    """The settings shared by the tasks defined through it, and the ``task`` decorator.

    ::

        env = flyte.TaskEnvironment(name="etl", image="ghcr.io/acme/etl:1", retries=2,
                                    resources=flyte.Resources(cpu=2, memory="4Gi"))

        @env.task
        def clean(rows: list[int]) -> list[int]: ...

        @env.task(config=Echo(), retries=0, timeout=60, interruptible=True)
        def echo(x: int) -> int: ...

    A task's own setting replaces the environment's; ``env_vars`` are merged, the task's
    winning. ``plugin_config`` makes every task of the environment a task of that plugin,
    unless a task passes its own ``config=`` (``plugin_config=`` is the same argument). See
    :class:`flyte.extend.TaskTemplate` for what each setting means to the backend.
    """

    name: str
    image: str | None = None
    resources: Resources | None = None
    env_vars: Mapping[str, str] = field(default_factory=dict)
    secrets: Sequence[str | Secret] = ()
    cache: bool | str | Cache = False
    retries: int = 0
    timeout: datetime.timedelta | float | None = None
    interruptible: bool | None = None
    pod_template: PodTemplate | str | None = None
    deprecated: str = ""
    plugin_config: Any = None

    def __post_init__(self) -> None:
        if not self.name:
            raise TaskDefinitionError("TaskEnvironment needs a non-empty name")
        if self.resources is not None and not isinstance(self.resources, Resources):
            raise TaskDefinitionError(
                f"TaskEnvironment '{self.name}': resources must be flyte.Resources, got "
                f"{type(self.resources).__name__}"
            )

    @overload
    def task(self, func: Callable[..., Any], /) -> TaskTemplate: ...

    @overload
    def task(
        self,
        *,
        config: Any = ...,
        plugin_config: Any = ...,
        name: str | None = ...,
        image: str | None = ...,
        resources: Resources | None = ...,
        env_vars: Mapping[str, str] | None = ...,
        secrets: Sequence[str | Secret] | None = ...,
        cache: bool | str | Cache | None = ...,
        retries: int | None = ...,
        timeout: datetime.timedelta | float | None = ...,
        interruptible: bool | None = ...,
        pod_template: PodTemplate | str | None = ...,
        description: str | None = ...,
        deprecated: str | None = ...,
    ) -> Callable[[Callable[..., Any]], TaskTemplate]: ...

    def task(
        self,
        func: Callable[..., Any] | None = None,
        *,
        config: Any = _UNSET,
        plugin_config: Any = _UNSET,
        name: str | None = None,
        env_vars: Mapping[str, str] | None = None,
        description: str | None = None,
        **settings: Any,
    ) -> TaskTemplate | Callable[[Callable[..., Any]], TaskTemplate]:
        """Make a task of a sync or async function, bare (``@env.task``) or with arguments.

        The task's class is :class:`AsyncFunctionTaskTemplate`, or the class a task plugin
        registered for the type of ``config`` (or of the environment's ``plugin_config``).
        Raises :class:`TaskDefinitionError` for a function that cannot be a task or an unknown
        setting, and ``PluginNotFoundError`` for a config type that no plugin serves.
        """
        if config is not _UNSET and plugin_config is not _UNSET:
            raise TaskDefinitionError(
                "pass the plugin config as config= or plugin_config= (they are the same), not both"
            )
        unknown = sorted(set(settings) - set(_INHERITED))
        if unknown:
            raise TaskDefinitionError(
                f"env.task got unknown settings {', '.join(unknown)}; it takes config, name, "
                f"env_vars, description and {', '.join(_INHERITED)}"
            )
        chosen = config if config is not _UNSET else plugin_config
        if chosen is _UNSET:
            chosen = self.plugin_config
        # None means "not given": the environment's setting applies.
        inherited = {k: getattr(self, k) for k in _INHERITED}
        inherited.update({k: v for k, v in settings.items() if v is not None})

        def decorate(fn: Callable[..., Any]) -> TaskTemplate:
            if not callable(fn) or isinstance(fn, TaskTemplate):
                raise TaskDefinitionError(f"@env.task decorates a function, got {fn!r}")
            cls: type[TaskTemplate] = (
                AsyncFunctionTaskTemplate if chosen is None else task_class_for(chosen)
            )
            if not issubclass(cls, AsyncFunctionTaskTemplate):
                raise TaskDefinitionError(
                    f"the task plugin {cls.__qualname__} for {type(chosen).__qualname__} is not "
                    f"a function task; construct it directly instead of decorating "
                    f"{getattr(fn, '__qualname__', fn)}"
                )
            return cls(
                name=name or f"{self.name}.{fn.__name__}",
                func=fn,
                plugin_config=chosen,
                env_vars={**self.env_vars, **(env_vars or {})},
                description=description,
                **inherited,
            )

        return decorate if func is None else decorate(func)
