"""Module attributes imported on first use, so that importing a package stays cheap."""

from __future__ import annotations

import importlib
import sys

# typing and collections.abc cost `import flyte` ten milliseconds; the checker alone needs them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, table: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` whose names ``table`` maps to modules.

    A name is imported from its module on first access and then kept in the package, so later
    accesses cost a dictionary lookup.
    """

    def getattr_(name: str) -> object:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def dir_() -> list[str]:
        return sorted([*vars(sys.modules[package]), *table])

    return getattr_, dir_
