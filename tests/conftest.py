"""Fixtures of the cross-package tests: the project's wheels and fresh venvs to install them in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class VenvFactory:
    """Makes virtual environments and installs distributions into them, with uv when present."""

    def __init__(self, wheelhouse: Path) -> None:
        self.wheelhouse = wheelhouse
        self._uv = shutil.which("uv")

    def project_wheels(self) -> list[Path]:
        """The wheels of flyte-core and the shipped plugins, as nox built them."""
        wheels = sorted(self.wheelhouse.glob("*.whl"))
        assert len(wheels) >= 4, f"expected the project's wheels in {self.wheelhouse}"
        return wheels

    def create(self, path: Path, install: Sequence[Path | str], *, no_deps: bool = False) -> Path:
        """Make (or reuse) a venv at ``path`` and install ``install`` into it."""
        python = path / "bin" / "python"
        if not python.exists():
            if self._uv:
                self._run([self._uv, "venv", "--quiet", "--python", sys.executable, str(path)])
            else:
                self._run([sys.executable, "-m", "venv", str(path)])
        flags = ["--no-deps"] if no_deps else []
        # The project's own distributions come from the wheel files, never from an index.
        links = ["--find-links", str(self.wheelhouse)]
        items = [str(i) for i in install]
        if self._uv:
            self._run(
                [
                    self._uv,
                    "pip",
                    "install",
                    "--quiet",
                    "--python",
                    str(python),
                    *links,
                    *flags,
                    *items,
                ]
            )
        else:
            self._run([str(python), "-m", "pip", "install", "--quiet", *links, *flags, *items])
        return path

    @staticmethod
    def _run(command: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        assert out.returncode == 0, f"{' '.join(command)} failed:\n{out.stdout}\n{out.stderr}"


@pytest.fixture(autouse=True)
def _local_cache_of_its_own(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test has an empty local cache of its own, never the user's (nor another test's)."""
    monkeypatch.setenv("FLYTE_LOCAL_CACHE_DIR", str(tmp_path_factory.mktemp("local-cache")))


@pytest.fixture(scope="session")
def venvs() -> VenvFactory:
    """The venv factory, over the wheelhouse that the nox session passes in."""
    wheelhouse = os.environ.get("FLYTE_TEST_WHEELHOUSE")
    if not wheelhouse:
        pytest.fail(
            "FLYTE_TEST_WHEELHOUSE is not set: run these tests through `nox -s installed_wheels`"
        )
    return VenvFactory(Path(wheelhouse))
