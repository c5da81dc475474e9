"""The local cache: cached tasks reuse their outputs for the same inputs, and only then."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

import flyte
from flyte.cli import main as flyte_cli

env = flyte.TaskEnvironment(name="cached")


class Runs:
    count = 0


@env.task(cache="v1")
def double(x: int, note: str = "") -> int:
    Runs.count += 1
    return x * 2


@env.task(cache=flyte.Cache("override", version_override="v1", ignored_inputs=("note",)))
def ignoring(x: int, note: str = "") -> int:
    Runs.count += 1
    return x * 2


@pytest.fixture(autouse=True)
def _counted() -> None:
    Runs.count = 0


def test_a_cached_task_runs_once_for_the_same_inputs() -> None:
    assert flyte.run(double, x=2) == 4
    assert flyte.run(double, x=2) == 4
    assert Runs.count == 1
    assert flyte.run(double, x=3) == 6
    assert flyte.run(double, x=2, note="other") == 4
    assert Runs.count == 3


def test_ignored_inputs_are_left_out_of_the_key() -> None:
    assert flyte.run(ignoring, x=2, note="a") == 4
    assert flyte.run(ignoring, x=2, note="b") == 4
    assert Runs.count == 1


def test_an_entry_is_never_used_across_a_new_version_or_interface() -> None:
    flyte.run(double, x=2)
    renamed_version = flyte.TaskEnvironment(name="cached").task(name="cached.double", cache="v2")

    @renamed_version
    def double_v2(x: int, note: str = "") -> int:
        Runs.count += 1
        return x * 2

    flyte.run(double_v2, x=2)
    new_interface = flyte.TaskEnvironment(name="cached").task(name="cached.double", cache="v1")

    @new_interface
    def double_float(x: int, note: str = "") -> float:
        Runs.count += 1
        return x * 2.0

    assert flyte.run(double_float, x=2) == 4.0
    assert Runs.count == 3


def test_the_cache_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_LOCAL_CACHE", "0")
    flyte.run(double, x=2)
    flyte.run(double, x=2)
    assert Runs.count == 2


def test_the_entries_live_in_a_sqlite_file_of_the_cache_folder() -> None:
    flyte.run(double, x=2)
    assert (Path(os.environ["FLYTE_LOCAL_CACHE_DIR"]) / "local-cache.sqlite3").is_file()


def test_flyte_run_no_cache_and_flyte_cache_clear(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cw.py"
    path.write_text(
        "import flyte\n\nenv = flyte.TaskEnvironment(name='cw')\n\n"
        "@env.task(cache=True)\ndef slow_square(x: int) -> int:\n"
        "    print('computing', x, flush=True)\n    return x * x\n"
    )
    run = ["run", "--local", str(path), "slow_square", "--x", "3"]
    assert flyte_cli(run) == 0
    assert flyte_cli(run) == 0
    assert capfd.readouterr().out.count("computing 3") == 1
    assert flyte_cli([*run[:2], "--no-cache", *run[2:]]) == 0
    assert capfd.readouterr().out.count("computing 3") == 1
    assert flyte_cli(["cache", "clear"]) == 0
    assert "removed 1 entry from" in capfd.readouterr().out
    assert flyte_cli(run) == 0
    assert capfd.readouterr().out.count("computing 3") == 1


@env.task(cache=True)
def square(x: int) -> int:
    Runs.count += 1
    return x * x


@env.task
def add(a: int, b: int) -> int:
    return a + b


@flyte.workflow
def sum_of_squares(x: int, y: int) -> int:
    return add(a=square(x=x), b=square(x=y))


def test_a_workflows_cached_nodes_show_as_cached(terminal: io.StringIO) -> None:
    assert flyte.run(sum_of_squares, x=2, y=3) == 13
    assert flyte.run(sum_of_squares, x=2, y=4) == 20
    assert Runs.count == 3
    assert "1 cached" in terminal.getvalue()
