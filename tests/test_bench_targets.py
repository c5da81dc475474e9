"""The benchmarks' target lines and the calls they count: a target says met or MISSED honestly.

Nothing here times anything; the figures' own benchmarks do (``python3 noxw.py -s bench``).
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

import flyte
from flyte.models import SerializationContext
from flyte.types import TypeEngine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def benchmarks(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("bench_tasks")


def test_a_target_line_says_met_up_to_its_limit_and_missed_beyond_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    judge = importlib.import_module("_table").judge
    assert judge(150.0, "<=", 150, " us") == "target <= 150 us: met"
    assert judge(150.1, "<=", 150, " us") == "target <= 150 us: MISSED"
    assert judge(100.0, "<", 100, " ms") == "target < 100 ms: MISSED"
    assert judge(1.04, "<=", 1.0, "x") == "target <= 1x: MISSED"
    assert judge(2, "==", 2, " calls") == "target == 2 calls: met"
    assert judge(4, "==", 2, " calls") == "target == 2 calls: MISSED"
    assert judge(10.0, ">=", 10, "x") == "target >= 10x: met"
    assert judge(9.9, ">=", 10, "x") == "target >= 10x: MISSED"


def test_a_table_names_the_unit_of_its_figures(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    print_table = importlib.import_module("_table").print_table
    print_table("per node", [("flytekit", 3000.0, ""), ("flyte-core", 30.0, "")], "flytekit", "us")
    header, _, core = capsys.readouterr().out.splitlines()[2:]
    assert header.split()[:3] == ["case", "us", "ratio"]
    assert core.split() == ["flyte-core", "30.00", "0.01"]


def test_the_best_time_is_the_shortest_of_the_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    table = importlib.import_module("_table")
    clock = iter([0.0, 5.0, 5.0, 7.0, 7.0, 10.0])  # repeats of 5 s, 2 s and 3 s
    monkeypatch.setattr(table.time, "perf_counter", lambda: next(clock))
    calls: list[int] = []
    assert table.best_seconds(lambda: calls.append(1), repeats=3) == 2.0
    assert len(calls) == 3


def test_a_connector_run_is_counted_at_one_serialization_and_two_conversions_each_way(
    benchmarks: ModuleType,
) -> None:
    task = benchmarks.connector_task()
    calls = benchmarks.count_calls(lambda: flyte.run(task, x=1), runs=3)
    assert calls == {"to_literal_map": 2, "literal_map_to_python": 2, "serialize_task": 1}


def test_a_connector_job_is_polled_until_its_time_is_up(benchmarks: ModuleType) -> None:
    task = benchmarks.connector_task(job_seconds=0.3, poll_interval=0.02)
    started = time.monotonic()
    assert flyte.run(task, x=1) == 42
    assert time.monotonic() - started >= 0.3


def test_a_serialization_outside_the_pipeline_is_counted_too(benchmarks: ModuleType) -> None:
    task = benchmarks.connector_task()

    def run_and_serialize_again() -> None:
        flyte.run(task, x=1)
        flyte.serialize_task(task, SerializationContext())

    calls = benchmarks.count_calls(run_and_serialize_again, runs=2)
    assert calls["serialize_task"] == 2


def test_counting_leaves_every_module_with_the_functions_it_had(
    benchmarks: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flyte._serialize import _task

    conversions = [vars(TypeEngine)[name] for name in benchmarks.CONVERSIONS]
    task = benchmarks.connector_task()
    late = ModuleType("flyte._imported_while_counting")
    monkeypatch.setitem(sys.modules, late.__name__, late)
    monkeypatch.delitem(vars(flyte), "serialize_task", raising=False)

    def first_use_inside_the_count() -> None:
        # A module imported, or a lazy name resolved, while counting takes the counted function.
        late.serialize_task = _task.serialize_task  # as `from flyte._serialize._task import ...`
        flyte.serialize_task(task, SerializationContext())

    assert benchmarks.count_calls(first_use_inside_the_count, runs=1)["serialize_task"] == 1
    assert [vars(TypeEngine)[name] for name in benchmarks.CONVERSIONS] == conversions
    assert late.serialize_task is vars(flyte)["serialize_task"] is _task.serialize_task
