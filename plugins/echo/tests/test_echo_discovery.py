"""The installed echo wheel declares its entry points, and discovery loads them."""

from __future__ import annotations

import subprocess
import sys

from flyte.plugins import PluginStatus, list_plugins


def test_echo_entry_points_load_from_the_installed_wheel():
    mine = [p for p in list_plugins() if p.distribution == "flyteplugins-echo"]
    assert mine, "the wheel declares no flyte entry point"
    assert {(p.name, p.status) for p in mine if p.group == "flyte.tasks"} == {
        ("echo", PluginStatus.LOADED)
    }
    assert all(p.status is PluginStatus.LOADED for p in mine), [p.error for p in mine]


def test_importing_flyte_does_not_import_the_echo_plugin():
    code = "import sys, flyte; print('flyteplugins.echo' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
