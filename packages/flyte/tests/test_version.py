"""flyte.__version__: the installed flyte-core's version, read from its metadata on first use."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

from packaging.version import Version

import flyte


def test_the_version_is_the_installed_flyte_core_distributions() -> None:
    assert flyte.__version__ == importlib.metadata.version("flyte-core")
    assert Version(flyte.__version__) >= Version("0.1")


def test_import_flyte_reads_no_metadata_until_the_version_is_asked_for() -> None:
    code = (
        "import sys, flyte\n"
        "before = 'importlib.metadata' in sys.modules\n"
        "version = flyte.__version__\n"
        "print(before, 'importlib.metadata' in sys.modules, version)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", importlib.metadata.version("flyte-core")]


def test_the_version_is_listed_by_dir() -> None:
    assert "__version__" in dir(flyte)
