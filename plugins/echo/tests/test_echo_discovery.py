"""The installed echo wheel declares its entry points, and discovery loads them."""

from __future__ import annotations

import os
import subprocess
import sys

from flyte.plugins import PluginStatus, list_plugins


def test_echo_entry_points_load_from_the_installed_wheel():
    mine = [p for p in list_plugins() if p.distribution == "flyteplugins-echo"]
    assert mine, "the wheel declares no flyte entry point"
    # The entry point names the task class: discovery registers it for its plugin_config type.
    assert {(p.name, p.value, p.status) for p in mine if p.group == "flyte.tasks"} == {
        ("echo", "flyteplugins.echo.task:EchoTask", PluginStatus.LOADED)
    }
    assert all(p.status is PluginStatus.LOADED for p in mine), [p.error for p in mine]


def test_a_disabled_echo_plugin_stays_off_though_the_program_imports_it():
    # Importing the package registers nothing: only the entry point does, and it is disabled.
    code = (
        "import flyte\n"
        "from flyte.errors import PluginNotFoundError\n"
        "from flyteplugins.echo import Echo\n"
        "def f(x: int) -> int: ...\n"
        "try:\n"
        "    flyte.TaskEnvironment(name='e').task(config=Echo())(f)\n"
        "except PluginNotFoundError as e:\n"
        "    print(e)\n"
    )
    env = {**os.environ, "FLYTE_DISABLED_PLUGINS": "echo"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert "no task plugin is registered for the plugin config type flyteplugins.echo" in out.stdout
    assert "'echo' (flyteplugins-echo 0.1.0: disabled)" in out.stdout


def test_importing_flyte_does_not_import_the_echo_plugin():
    code = "import sys, flyte; print('flyteplugins.echo' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
