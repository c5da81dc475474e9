"""The installed flyteplugins-pandas declares its entry points, and discovery loads them."""

from __future__ import annotations

import subprocess
import sys

from flyte.plugins import PluginStatus, list_plugins


def test_pandas_entry_points_load_from_the_installed_distribution() -> None:
    mine = [p for p in list_plugins() if p.distribution == "flyteplugins-pandas"]
    assert {(p.group, p.name) for p in mine} == {("flyte.transformers", "pandas")}
    assert all(p.status is PluginStatus.LOADED for p in mine), [p.error for p in mine]


def test_importing_flyte_does_not_import_the_pandas_plugin() -> None:
    code = "import sys, flyte, flyte.io; print(sorted({'flyteplugins.pandas', 'pandas', 'pyarrow'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
