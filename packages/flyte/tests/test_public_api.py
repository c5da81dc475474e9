"""The public modules: each lists its public names in a sorted ``__all__``, and each name resolves."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

import pytest

PUBLIC_MODULES = [
    "flyte",
    "flyte.connectors",
    "flyte.errors",
    "flyte.extend",
    "flyte.io",
    "flyte.io.extend",
    "flyte.models",
    "flyte.plugins",
    "flyte.testing",
    "flyte.types",
]


def _sort_key(name: str) -> tuple[int, list[int | str]]:
    """The order ruff's RUF022 keeps ``__all__`` in (isort's): CONSTANTS, then Classes, then the
    rest, each in natural order (``x2`` before ``x10``)."""
    if len(name) > 1 and name.isupper():
        category = 0
    elif name[0].isupper():
        category = 1
    else:
        category = 2
    return category, [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_the_public_names_are_listed_once_and_sorted(name: str) -> None:
    listed = importlib.import_module(name).__all__
    assert listed, f"{name}.__all__ is empty"
    assert len(set(listed)) == len(listed), f"{name}.__all__ lists a name twice"
    assert listed == sorted(listed, key=_sort_key)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_listed_name_resolves_and_star_imports(name: str) -> None:
    module = importlib.import_module(name)
    assert [n for n in module.__all__ if not hasattr(module, n)] == []
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)
    assert set(module.__all__) <= set(namespace)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_name_of_flyte_a_module_offers_is_listed(name: str) -> None:
    # What a module offers under a public name and flyte defines (a class, a function, a
    # registry) is part of its API; names a module only uses are imported under a private one.
    module = importlib.import_module(name)
    offered = {
        n
        for n in dir(module)
        if not n.startswith("_")
        and str(getattr(getattr(module, n), "__module__", "")).startswith("flyte")
    }
    assert sorted(offered - set(module.__all__)) == []


def test_import_flyte_resolves_none_of_its_names(
    modules_loaded_by: Callable[..., list[str]],
) -> None:
    assert modules_loaded_by("import flyte", "flyte.") == ["flyte._lazy"]
