"""The installed positive-int wheel declares its entry points, and discovery loads them."""

from __future__ import annotations

import os
import subprocess
import sys

from flyte.plugins import PluginStatus, list_plugins


def test_positive_int_entry_points_load_from_the_installed_wheel():
    mine = [p for p in list_plugins() if p.distribution == "flyteplugins-positive-int"]
    assert mine, "the wheel declares no flyte entry point"
    # The entry point names the transformer class: discovery instantiates and registers it.
    assert {(p.name, p.value, p.status) for p in mine if p.group == "flyte.transformers"} == {
        (
            "positive_int",
            "flyteplugins.positive_int.transformer:PositiveIntTransformer",
            PluginStatus.LOADED,
        )
    }
    assert all(p.status is PluginStatus.LOADED for p in mine), [p.error for p in mine]


def test_a_disabled_positive_int_plugin_stays_off_though_the_program_imports_it():
    # Importing the package registers nothing: only the entry point does, and it is disabled.
    code = (
        "from flyte.types import TypeEngine, TypeTransformerFailedError\n"
        "from flyteplugins.positive_int import PositiveInt\n"
        "try:\n"
        "    TypeEngine.get_transformer(PositiveInt)\n"
        "except TypeTransformerFailedError as e:\n"
        "    print(e)\n"
    )
    env = {**os.environ, "FLYTE_DISABLED_PLUGINS": "positive_int"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.startswith("no transformer for the type ")
    assert "PositiveInt" in out.stdout


def test_importing_flyte_does_not_import_the_positive_int_plugin():
    code = "import sys, flyte; print('flyteplugins.positive_int' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
