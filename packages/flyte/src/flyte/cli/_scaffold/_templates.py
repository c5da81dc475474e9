"""The templates of a new plugin, by kind, and writing them out with the plugin's names filled in.

The templates are files under ``templates/``: ``common/`` holds what every kind writes, and
``<kind>/`` what that kind adds. A file's path and text name the values they need as
``{{placeholder}}``; a ``.tmpl`` suffix keeps them from being taken for the project's own code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from flyte.cli._scaffold._names import PluginNames, ScaffoldError, core_requirement

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = ["KINDS", "PluginKind", "render_plugin", "write_plugin"]

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_SUFFIX = ".tmpl"


@dataclass(frozen=True)
class PluginKind:
    """What a kind of plugin declares: its summary and its entry points, as ``(group, value)``."""

    name: str
    description: str
    entry_points: tuple[tuple[str, str], ...]


KINDS = {
    kind.name: kind
    for kind in (
        PluginKind(
            "transformer",
            "A {{class_name}} type for flyte: a non-empty text, as a STRING literal tagged "
            "{{class_name}}.",
            (("flyte.transformers", "{{package}}.transformer:{{class_name}}Transformer"),),
        ),
        PluginKind(
            "task",
            "A task plugin for flyte: function tasks of type {{module}}, with a config for the "
            "backend.",
            (("flyte.tasks", "{{package}}.task:{{class_name}}Task"),),
        ),
        PluginKind(
            "connector",
            "A connector for flyte: tasks of type {{module}} run as jobs of an external system.",
            (
                ("flyte.connectors", "{{package}}.connector:{{class_name}}Connector"),
                ("flyte.tasks", "{{package}}.task:{{class_name}}Task"),
            ),
        ),
        PluginKind(
            "dataframe",
            "A dataframe plugin for flyte: {{class_name}}Frame values written and read as CSV by "
            "its encoder and decoder.",
            (("flyte.transformers", "{{package}}.handlers:register"),),
        ),
    )
}


def render_plugin(names: PluginNames, kind: PluginKind) -> dict[PurePosixPath, str]:
    """The files of a new plugin of ``kind``: their paths in its folder, and their text."""
    from importlib import resources

    values = {
        "module": names.module,
        "class_name": names.class_name,
        "distribution": names.distribution,
        "package": names.package,
        "package_dir": names.package_dir,
        "top_package": names.top_package,
        "core_requirement": core_requirement(),
    }
    values["description"] = _fill(kind.description, values)
    values["entry_points"] = "\n".join(
        f'[project.entry-points."{group}"]\n{names.module} = "{_fill(value, values)}"\n'
        for group, value in kind.entry_points
    )
    values["declared_entry_points"] = (
        "{\n"
        + "".join(f'        ("{group}", "{names.module}"),\n' for group, _ in kind.entry_points)
        + "    }"
    )
    root = resources.files("flyte.cli._scaffold") / "templates"
    files = {}
    for part in ("common", kind.name):
        for path, template in _walk(root / part, PurePosixPath()):
            target = PurePosixPath(_fill(str(path), values).removesuffix(_SUFFIX))
            files[target] = _fill(template.read_text(encoding="utf-8"), values)
    return dict(sorted(files.items()))


def write_plugin(names: PluginNames, kind: PluginKind, directory: Path) -> list[Path]:
    """Write a new plugin of ``kind`` into ``directory / names.name``; return the files written.

    Raises :class:`ScaffoldError` when that folder exists and is not empty: nothing is written
    over an author's files.
    """
    target = directory / names.name
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(
            f"{target} already exists and is not empty: choose another --dir or name, or "
            f"remove it first"
        )
    files = render_plugin(names, kind)
    written = []
    for relative, text in files.items():
        path = target.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _walk(
    folder: Traversable, prefix: PurePosixPath
) -> Iterator[tuple[PurePosixPath, Traversable]]:
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _walk(entry, prefix / entry.name)
        elif entry.name.endswith(_SUFFIX):
            yield prefix / entry.name, entry


def _fill(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise LookupError(
                f"the plugin templates use an unknown placeholder {match.group()}"
            ) from None

    return _PLACEHOLDER.sub(value, template)
