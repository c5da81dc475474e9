"""Bench-only virtual environments for the SDKs the benchmarks compare against.

    kit = FLYTEKIT.environment()  # None, after a printed note, where no Python here runs it
    if kit is not None:
        out = run_in(kit.python, code)
        rows.append((kit.label, ...))

Each SDK runs on this interpreter's Python when it supports it, so that its rows compare like
with like; otherwise on the newest installed Python it supports, and its label says which. Its
venv lives under .nox/bench-<name>/, made once with uv, then reused.

``python3 noxw.py -s bench`` hands the scripts the Pythons the noxfile found and the uv nox
drives, in FLYTE_BENCH_PYTHONS and FLYTE_BENCH_UV; a script run by hand knows only its own
interpreter and the uv on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet

__all__ = [
    "DATAFRAME_LIBRARIES",
    "FLYTEKIT",
    "FLYTE_SDK",
    "PYTHONS_VARIABLE",
    "THIS_PYTHON",
    "UV_VARIABLE",
    "Baseline",
    "BaselineEnvironment",
    "add_comparison_options",
    "choose_python",
    "found_pythons",
    "interpreters",
    "run_file_in",
    "run_in",
]

ROOT = Path(__file__).resolve().parent.parent
#: JSON object of the Pythons the bench session found, version ("3.12") to interpreter path.
PYTHONS_VARIABLE = "FLYTE_BENCH_PYTHONS"
#: The uv executable the bench session's nox drives.
UV_VARIABLE = "FLYTE_BENCH_UV"
#: The Python flyte-core is measured on: the one running the benchmark.
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def found_pythons() -> dict[str, str]:
    """The Pythons a baseline may run on: the bench session's, and this interpreter."""
    pythons: dict[str, str] = json.loads(os.environ.get(PYTHONS_VARIABLE, "{}"))
    return {**pythons, THIS_PYTHON: sys.executable}


def choose_python(requires_python: str, pythons: Mapping[str, str], current: str) -> str | None:
    """The version in ``pythons`` to run an SDK that declares ``requires_python`` on.

    ``current`` (flyte-core's Python) when the SDK supports it, else the newest one it does;
    None when it supports none of them.
    """
    supported = SpecifierSet(requires_python)
    fits = [version for version in pythons if supported.contains(version)]
    if current in fits:
        return current
    return max(fits, key=lambda v: tuple(int(part) for part in v.split(".")), default=None)


@dataclass(frozen=True)
class BaselineEnvironment:
    """A baseline SDK's bench-only venv: its interpreter, and the label of its rows."""

    python: str
    label: str


@dataclass(frozen=True)
class Baseline:
    """An SDK release the benchmarks measure against, in a venv of its own.

    ``requires_python`` is the release's own Requires-Python, written here because uv installs
    a release on a Python it excludes when the index does not publish that field.
    """

    name: str
    distribution: str
    version: str
    requires_python: str

    @property
    def label(self) -> str:
        """How tables name the SDK: ``flytekit 1.16.31``."""
        return f"{self.name} {self.version}"

    @property
    def requirement(self) -> str:
        """What the venv installs; the connector extra serves bench_connectors' servers."""
        return f"{self.distribution}[connector]=={self.version}"

    def environment(self) -> BaselineEnvironment | None:
        """The SDK's venv on the Python it runs on, made if missing or stale.

        Prints a note and returns None where none of the Pythons found here fits the SDK, so
        that its rows are skipped instead of the benchmark failing.
        """
        pythons = found_pythons()
        version = choose_python(self.requires_python, pythons, THIS_PYTHON)
        if version is None:
            print(
                f"\nnote: {self.label} skipped: it runs on Python {self.requires_python} and"
                f" none was found (found: {', '.join(sorted(pythons))}); install one, e.g. with"
                " pyenv, and rerun `python3 noxw.py -s bench`, which looks in pyenv's versions"
            )
            return None
        label = self.label if version == THIS_PYTHON else f"{self.label} on Python {version}"
        return BaselineEnvironment(self._venv(pythons[version]), label)

    def _venv(self, base_python: str) -> str:
        home = ROOT / ".nox" / f"bench-{self.name}"
        python = home / "bin" / "python"
        stamp = home / "bench-stamp.txt"
        wanted = "\n".join([self.requirement, *DATAFRAME_LIBRARIES, base_python, ""])
        if python.is_file() and stamp.is_file() and stamp.read_text() == wanted:
            return str(python)
        uv = _uv()
        subprocess.run(
            [uv, "venv", "--quiet", "--clear", "--python", base_python, str(home)], check=True
        )
        install = [uv, "pip", "install", "--quiet", "--python", str(python), self.requirement]
        subprocess.run([*install, *DATAFRAME_LIBRARIES], check=True)
        stamp.write_text(wanted)
        return str(python)


def _uv() -> str:
    uv = os.environ.get(UV_VARIABLE) or shutil.which("uv")
    if uv is None:
        raise RuntimeError(
            f"the benchmarks make their baselines' venvs with uv, and neither {UV_VARIABLE}"
            " names one nor is uv on PATH: run them through `python3 noxw.py -s bench`"
        )
    return uv


#: What bench_io's dataframe case needs beside each SDK: both read and write pandas as parquet.
DATAFRAME_LIBRARIES = ("pandas>=2", "pyarrow>=14")

FLYTEKIT = Baseline("flytekit", "flytekit", "1.16.31", requires_python=">=3.10,<3.13")
FLYTE_SDK = Baseline("flyte-sdk", "flyte", "2.12.1", requires_python=">=3.10")


def run_in(python: str, code: str, *args: str) -> str:
    """Run ``code`` with the interpreter ``python`` and return what it printed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [python, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"baseline run failed:\n{out.stderr}")
    return out.stdout


def run_file_in(python: str, code: str, *args: str) -> str:
    """Run ``code`` as a script file, as ``__main__``, with ``python``; return what it printed.

    For a baseline SDK that reads its functions' source, as flytekit's tasks and workflows do:
    code run with ``-c`` has none.
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        script = Path(folder) / "baseline_side.py"
        script.write_text(code)
        runner = f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')"
        return run_in(python, runner, *args)


def add_comparison_options(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that times flyte-core against a floor and the baselines:
    ``--runs``, ``--baseline-runs``, ``--scale`` and ``--no-baselines``."""
    parser.add_argument("--runs", type=int, default=3, help="timed runs of floor and flyte-core")
    parser.add_argument("--baseline-runs", type=int, default=1, help="timed runs of the others")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes")
    parser.add_argument("--no-baselines", action="store_true", help="skip flytekit and flyte-sdk")


def interpreters(args: argparse.Namespace) -> dict[str, tuple[str, str]]:
    """Each SDK a worker knows, by name: the label of its rows and the interpreter it runs on
    (this one for floor and flyte-core; a baseline's venv, where one fits, unless
    ``--no-baselines``)."""
    found = {"floor": ("floor", sys.executable), "flyte-core": ("flyte-core", sys.executable)}
    if not args.no_baselines:
        for sdk, baseline in {"flytekit": FLYTEKIT, "flyte-sdk": FLYTE_SDK}.items():
            environment = baseline.environment()
            if environment is not None:
                found[sdk] = (environment.label, environment.python)
    return found
