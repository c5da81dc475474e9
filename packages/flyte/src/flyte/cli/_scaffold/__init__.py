"""``flyte plugins new``: a new plugin distribution, written from the project's plugin skeleton."""

from flyte.cli._scaffold._command import add_parser
from flyte.cli._scaffold._names import (
    PluginNames,
    ScaffoldError,
    core_requirement,
    core_requirement_for,
    plugin_names,
)
from flyte.cli._scaffold._templates import KINDS, PluginKind, render_plugin, write_plugin

__all__ = [
    "KINDS",
    "PluginKind",
    "PluginNames",
    "ScaffoldError",
    "add_parser",
    "core_requirement",
    "core_requirement_for",
    "plugin_names",
    "render_plugin",
    "write_plugin",
]
