"""The installed flyteplugins-pyarrow declares its entry points, and discovery loads them."""

from __future__ import annotations

import subprocess
import sys

from flyte.plugins import PluginStatus, list_plugins


def test_pyarrow_entry_points_load_from_the_installed_distribution() -> None:
    mine = [p for p in list_plugins() if p.distribution == "flyteplugins-pyarrow"]
    assert {(p.group, p.name) for p in mine} == {("flyte.transformers", "pyarrow")}
    assert all(p.status is PluginStatus.LOADED for p in mine), [p.error for p in mine]


def test_importing_flyte_does_not_import_the_pyarrow_plugin() -> None:
    code = "import sys, flyte, flyte.io; print(sorted({'flyteplugins.pyarrow', 'pyarrow'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
