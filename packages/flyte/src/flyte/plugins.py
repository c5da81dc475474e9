"""The public view of plugin discovery: every plugin found, and what became of it.

    import flyte.plugins

    for record in flyte.plugins.list_plugins():
        print(record.group, record.name, record.distribution, record.status.value, record.error)

Environment variables: ``FLYTE_DISABLED_PLUGINS=name,name`` (or ``*``) switches plugins off by
entry point name, ``group:name`` or distribution; ``FLYTE_PLUGIN_AUTOLOAD=0`` switches all of
them off; ``FLYTE_PLUGINS_STRICT=1`` raises :class:`flyte.errors.PluginLoadError` where a failed
plugin would otherwise be recorded and skipped.
"""

from __future__ import annotations

from flyte import _discovery
from flyte._discovery import GROUPS, PluginRecord, PluginStatus

__all__ = ["GROUPS", "PluginRecord", "PluginStatus", "list_plugins"]


def list_plugins(*, load: bool = True) -> list[PluginRecord]:
    """Every plugin of the three groups; with ``load`` (the default) each is loaded first."""
    return list(_discovery.load_all() if load else _discovery.records())
