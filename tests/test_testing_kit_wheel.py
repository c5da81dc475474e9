"""The built flyte-core wheel registers flyte.testing as a pytest plugin (entry point pytest11)."""

from __future__ import annotations

import configparser
import zipfile
from typing import Any


def test_the_flyte_core_wheel_declares_the_pytest_plugin_and_ships_it(venvs: Any) -> None:
    (wheel,) = [w for w in venvs.project_wheels() if w.name.startswith("flyte_core-")]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(entry_points).decode())
    assert dict(parser["pytest11"]) == {"flyte": "flyte.testing._pytest_plugin"}
    assert "flyte/testing/_pytest_plugin.py" in names
    assert "flyte/testing/_pytest_asyncio_fixtures.py" in names
