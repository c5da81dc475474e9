"""The benchmarks' baseline SDKs: which Python each one runs on, and a skip where none fits.

The choice is tested without installing any SDK: these tests never make a baseline's venv.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
INSTALLED = {
    "3.10": "/py/3.10/bin/python3.10",
    "3.12": "/py/3.12/bin/python3.12",
    "3.13": "/py/3.13/bin/python3.13",
}


@pytest.fixture
def baselines(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("_baselines")


def test_an_sdk_that_supports_this_python_runs_on_it(baselines: ModuleType) -> None:
    assert baselines.choose_python(">=3.10", INSTALLED, "3.13") == "3.13"


def test_an_sdk_that_does_not_takes_the_newest_python_it_supports(baselines: ModuleType) -> None:
    # flytekit 1.16's Requires-Python: it fails to start `pyflyte` on 3.13.
    assert baselines.choose_python(">=3.10,<3.13", INSTALLED, "3.13") == "3.12"
    assert baselines.choose_python(">=3.10,<3.13", {"3.13": "/py/3.13"}, "3.13") is None


def test_flytekit_runs_on_the_newest_python_below_313_and_flyte_sdk_beside_flyte_core(
    baselines: ModuleType,
) -> None:
    assert baselines.choose_python(baselines.FLYTEKIT.requires_python, INSTALLED, "3.13") == "3.12"
    assert baselines.choose_python(baselines.FLYTE_SDK.requires_python, INSTALLED, "3.13") == "3.13"


def test_a_baseline_with_no_python_it_runs_on_is_skipped_with_a_note(
    baselines: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(baselines.PYTHONS_VARIABLE, json.dumps({"3.13": "/py/3.13"}))
    monkeypatch.setenv(baselines.UV_VARIABLE, "/nonexistent/uv")  # never called
    ancient = baselines.Baseline("ancient", "ancient-sdk", "0.1", requires_python="<3.9")
    assert ancient.environment() is None
    note = capsys.readouterr().out
    assert "ancient 0.1 skipped" in note
    assert "Python <3.9" in note
    assert f"found: {', '.join(sorted({'3.13', THIS_PYTHON}))}" in note


def test_the_pythons_come_from_the_bench_session_and_this_interpreter(
    baselines: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(baselines.PYTHONS_VARIABLE, json.dumps(INSTALLED))
    assert baselines.found_pythons() == {**INSTALLED, THIS_PYTHON: sys.executable}
    monkeypatch.delenv(baselines.PYTHONS_VARIABLE)
    assert baselines.found_pythons() == {THIS_PYTHON: sys.executable}


def test_a_baseline_script_runs_from_a_file_so_its_functions_have_their_source(
    baselines: ModuleType,
) -> None:
    # flytekit reads a task's source; code run with `python -c` has none.
    code = "import inspect, sys\n\ndef body(): pass\n\nprint(inspect.getsource(body), sys.argv[-1])"
    assert baselines.run_file_in(sys.executable, code, "arg").split() == [
        "def",
        "body():",
        "pass",
        "arg",
    ]


def test_a_comparison_takes_the_runs_scale_and_baselines_options_and_runs_each_sdk_somewhere(
    baselines: ModuleType,
) -> None:
    parser = argparse.ArgumentParser()
    baselines.add_comparison_options(parser)
    args = parser.parse_args(["--runs", "5", "--scale", "0.1", "--no-baselines"])
    assert (args.runs, args.baseline_runs, args.scale) == (5, 1, 0.1)
    # Without baselines no venv is made: floor and flyte-core run on this interpreter.
    assert baselines.interpreters(args) == {
        "floor": ("floor", sys.executable),
        "flyte-core": ("flyte-core", sys.executable),
    }
