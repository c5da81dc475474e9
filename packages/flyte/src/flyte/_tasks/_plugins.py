"""TaskPluginRegistry: which TaskTemplate class serves a plugin config type."""

from __future__ import annotations

import typing
from collections.abc import Iterator

from flyte import _discovery
from flyte._registry import Registry
from flyte._tasks._template import TaskTemplate
from flyte.errors import PluginNotFoundError

__all__ = ["TaskPluginRegistry", "config_type_of", "task_class_for"]


def _name(t: type) -> str:
    return f"{t.__module__}.{t.__qualname__}"


class _TaskPlugins(Registry[type, type[TaskTemplate]]):
    """Maps plugin config types to the TaskTemplate subclasses that serve them.

    ``TaskPluginRegistry.register(Echo, EchoTask)`` makes ``EchoTask`` the class of
    ``@env.task(config=Echo())``; a subclass of a config type finds its base's task class.
    """

    group = _discovery.TASKS
    expected = "a TaskTemplate subclass that annotates its plugin_config type"

    def register(
        self, config_type: type, plugin: type[TaskTemplate], *, override: bool = False
    ) -> None:
        """Make ``plugin`` the task class for ``@env.task(config=config_type(...))``."""
        self.add(config_type, plugin, override=override)

    def find(self, config_type: type) -> type[TaskTemplate] | None:
        """The task class for ``config_type`` or its nearest registered base, loading plugins on a miss."""
        return self.get(config_type)

    def coerce(self, obj: object) -> type[TaskTemplate] | None:
        """A TaskTemplate subclass."""
        return obj if isinstance(obj, type) and issubclass(obj, TaskTemplate) else None

    def key_of(self, value: type[TaskTemplate]) -> type:
        """The config type the class annotates ``plugin_config`` with."""
        config_type = config_type_of(value)
        if config_type is None:
            raise TypeError(f"{_name(value)} does not annotate plugin_config with its config type")
        return config_type

    def validate(self, value: type[TaskTemplate]) -> None:
        """Only TaskTemplate subclasses."""
        if self.coerce(value) is None:
            raise TypeError(
                f"TaskPluginRegistry.register takes a TaskTemplate subclass, got {value!r}"
            )

    def describe_key(self, key: type) -> str:
        """``the plugin config type acme.Echo``."""
        return f"the plugin config type {_name(key)}"

    def describe_value(self, value: type[TaskTemplate]) -> str:
        """``task class acme.EchoTask``."""
        return f"task class {_name(value)}"

    def _candidates(self, key: type) -> Iterator[type]:
        yield from key.__mro__[:-1]  # never `object`: it is no plugin's config type


TaskPluginRegistry = _TaskPlugins()


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
        if r.group == _discovery.TASKS
    ]
    where = ", ".join(searched) if searched else "none are installed"
    raise PluginNotFoundError(
        f"no task plugin is registered for the plugin config type {_name(config_type)}; "
        f"searched the '{_discovery.TASKS}' entry points ({where}). Install the plugin that "
        f"provides it, or call TaskPluginRegistry.register({config_type.__qualname__}, YourTask)"
    )


def config_type_of(task_class: type[TaskTemplate]) -> type | None:
    """The config type a task class declares through its ``plugin_config`` annotation."""
    hint = typing.get_type_hints(task_class).get("plugin_config")
    # typing.Any (the base class's annotation) is a class on Python 3.11+, but no config type.
    return hint if isinstance(hint, type) and hint is not typing.Any else None
