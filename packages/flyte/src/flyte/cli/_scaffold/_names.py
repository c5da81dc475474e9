"""The names of a new plugin, derived from the one its author gives, and the rules they follow."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from flyte.errors import FlyteError

__all__ = [
    "NAME_RULE",
    "PluginNames",
    "ScaffoldError",
    "core_requirement",
    "core_requirement_for",
    "plugin_names",
]

_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
_PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
# PEP 508's rule for a distribution name.
_DISTRIBUTION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")

NAME_RULE = (
    "lowercase letters and digits, starting with a letter, in words joined by single hyphens "
    "or underscores (e.g. 'money', 'positive-int')"
)


class ScaffoldError(FlyteError, ValueError):
    """A new plugin cannot be written: a bad name, an occupied folder, no installed flyte-core."""


@dataclass(frozen=True)
class PluginNames:
    """Every name a new plugin needs, each derived from the plugin's name.

    ``module`` is the name as a Python identifier: the last part of the package, the entry point
    name and the task type. ``class_name`` is the prefix of the classes it defines.
    """

    name: str
    module: str
    class_name: str
    distribution: str
    package: str

    @property
    def package_dir(self) -> str:
        """The package's folder under ``src/``."""
        return self.package.replace(".", "/")

    @property
    def top_package(self) -> str:
        """The first part of the package: the folder under ``src/`` that the wheel ships."""
        return self.package.partition(".")[0]


def plugin_names(
    name: str, *, package: str | None = None, distribution: str | None = None
) -> PluginNames:
    """The names of plugin ``name``; ``package`` and ``distribution`` override the defaults.

    By default the distribution is ``flyteplugins-<name>`` and the package
    ``flyteplugins.<name>`` (with underscores for hyphens). Raises :class:`ScaffoldError` naming
    the value at fault and the rule it breaks.
    """
    if not _NAME.fullmatch(name):
        raise ScaffoldError(f"plugin name {name!r} is not valid: use {NAME_RULE}")
    module = name.replace("-", "_")
    if keyword.iskeyword(module):
        raise ScaffoldError(
            f"plugin name {name!r} is not valid: it is a Python keyword, which cannot name a module"
        )
    package = package if package is not None else f"flyteplugins.{module}"
    if not _PACKAGE.fullmatch(package) or any(keyword.iskeyword(p) for p in package.split(".")):
        raise ScaffoldError(
            f"package {package!r} is not valid: use a Python import path, identifiers that are "
            f"not keywords joined by dots (e.g. 'acme_units' or 'acme.flyte_units')"
        )
    if package.partition(".")[0] == "flyte":
        raise ScaffoldError(
            f"package {package!r} is not valid: 'flyte' belongs to flyte-core, and a plugin "
            f"installed into it would be overwritten with it; use your own (e.g. 'acme_units')"
        )
    distribution = distribution if distribution is not None else f"flyteplugins-{name}"
    if not _DISTRIBUTION.fullmatch(distribution):
        raise ScaffoldError(
            f"distribution {distribution!r} is not valid: use letters, digits, '.', '-' and '_', "
            f"starting and ending with a letter or digit (PEP 508)"
        )
    class_name = "".join(word.capitalize() for word in re.split(r"[-_]", name))
    return PluginNames(name, module, class_name, distribution, package)


def core_requirement() -> str:
    """The ``flyte-core`` requirement of a new plugin, for the installed flyte-core."""
    # Imported here: the email parser behind importlib.metadata would slow every `flyte` command.
    import importlib.metadata

    try:
        installed = importlib.metadata.version("flyte-core")
    except importlib.metadata.PackageNotFoundError:
        raise ScaffoldError(
            "flyte-core is not installed as a distribution, so the new plugin's flyte-core "
            "version range cannot be derived: install flyte-core (pip install flyte-core)"
        ) from None
    return core_requirement_for(installed)


def core_requirement_for(version: str) -> str:
    """The ``flyte-core`` requirement of a plugin written against flyte-core ``version``.

    The range is the releases that semantic versioning promises compatible: ``0.1.x`` gives
    ``flyte-core>=0.1,<0.2`` (before 1.0 a minor release may break), ``1.4.x`` gives
    ``flyte-core>=1.4,<2``. A pre-release of ``x.y.0`` is its own lower bound, since it sorts
    below ``x.y``.
    """
    from packaging.version import Version

    parsed = Version(version)
    major, minor = parsed.major, parsed.minor
    lower = f"{major}.{minor}" if parsed >= Version(f"{major}.{minor}") else str(parsed)
    upper = f"0.{minor + 1}" if major == 0 else str(major + 1)
    return f"flyte-core>={lower},<{upper}"
