"""TaskPluginRegistry: which TaskTemplate class serves a plugin config type."""

from __future__ import annotations

import typing
from collections.abc import Iterator

from flyte import _discovery
from flyte._registry import Registry
from flyte._tasks._template import TaskTemplate
from flyte.errors import PluginNotFoundError

__all__ = ["TaskPluginRegistry", "config_type_of", "task_class_for"]


class _ConfigTypeRegistry(Registry[type, type[TaskTemplate]]):
    """Task classes keyed by config type; a subclass of a config type finds its base's task."""

    def _candidates(self, key: type) -> Iterator[type]:
        yield from key.__mro__[:-1]  # never `object`: it is no plugin's config type


def _name(t: type) -> str:
    return f"{t.__module__}.{t.__qualname__}"


_task_plugins = _ConfigTypeRegistry(
    "flyte.tasks",
    describe=lambda t: f"the plugin config type {_name(t)}",
    describe_value=lambda cls: f"task class {_name(cls)}",
)


class TaskPluginRegistry:
    """Maps plugin config types to the TaskTemplate subclasses that serve them."""

    @classmethod
    def register(
        cls, config_type: type, plugin: type[TaskTemplate], *, override: bool = False
    ) -> None:
        """Make ``plugin`` the task class for ``@env.task(config=config_type(...))``."""
        if not (isinstance(plugin, type) and issubclass(plugin, TaskTemplate)):
            raise TypeError(
                f"TaskPluginRegistry.register takes a TaskTemplate subclass, got {plugin!r}"
            )
        _task_plugins.register(config_type, plugin, override=override)

    @classmethod
    def find(cls, config_type: type) -> type[TaskTemplate] | None:
        """The task class for ``config_type`` or its nearest registered base, loading plugins on a miss."""
        return _task_plugins.get(config_type)

    @classmethod
    def registered(cls) -> dict[type, type[TaskTemplate]]:
        """Every config type registered now, with its task class."""
        return _task_plugins.registered()


def task_class_for(config: object) -> type[TaskTemplate]:
    """The task class registered for the type of the plugin config ``config``.

    Raises :class:`PluginNotFoundError` naming the config type and the ``flyte.tasks`` entry
    points that were searched.
    """
    config_type = type(config)
    found = TaskPluginRegistry.find(config_type)
    if found is not None:
        return found
    searched = [
        f"'{r.name}' ({r.distribution} {r.version}: {r.status.value})"
        for r in _discovery.records()
        if r.group == "flyte.tasks"
    ]
    where = ", ".join(searched) if searched else "none are installed"
    raise PluginNotFoundError(
        f"no task plugin is registered for the plugin config type {_name(config_type)}; "
        f"searched the 'flyte.tasks' entry points ({where}). Install the plugin that provides "
        f"it, or call TaskPluginRegistry.register({config_type.__qualname__}, YourTask)"
    )


def config_type_of(task_class: type[TaskTemplate]) -> type | None:
    """The config type a task class declares through its ``plugin_config`` annotation."""
    hint = typing.get_type_hints(task_class).get("plugin_config")
    # typing.Any (the base class's annotation) is a class on Python 3.11+, but no config type.
    return hint if isinstance(hint, type) and hint is not typing.Any else None


def _adopt(obj: object) -> bool:
    if not (isinstance(obj, type) and issubclass(obj, TaskTemplate)):
        return False
    config_type = config_type_of(obj)
    if config_type is None:
        raise TypeError(f"{_name(obj)} does not annotate plugin_config with its config type")
    TaskPluginRegistry.register(config_type, obj)
    return True


_discovery.define_group(
    _discovery.GroupKind(
        "flyte.tasks", "a TaskTemplate subclass that annotates its plugin_config type", _adopt
    )
)
