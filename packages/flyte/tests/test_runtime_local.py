"""Local runs: flyte.run goes through serialize, inputs.pb, the entry point and outputs.pb, in process."""

from __future__ import annotations

import asyncio
from typing import NamedTuple

import pytest

import flyte
from flyte.extend import TaskInputError, TaskRunError, TaskTemplate
from flyte.models import NativeInterface

env = flyte.TaskEnvironment(name="local")


class Split(NamedTuple):
    head: int
    rest: list[int]


@env.task
def total(items: list[int], start: int = 0) -> int:
    return start + sum(items)


@env.task
async def split(items: list[int]) -> Split:
    await asyncio.sleep(0)
    return Split(items[0], items[1:])


@env.task
def pair(x: int) -> tuple[int, str]:
    return x, str(x)


@env.task
def nothing(x: int) -> None:
    return None


@env.task
def fail(x: int) -> int:
    raise ValueError(f"x={x} is not allowed")


@env.task
def wrong_output(x: int) -> int:
    return "not an int"  # type: ignore[return-value]


@env.task
def exits(x: int) -> int:
    raise SystemExit(3)


@env.task
def keys(d: dict) -> list[str]:
    return sorted(d)


def test_sync_task_runs_with_defaults_filled_in() -> None:
    assert flyte.run(total, items=[1, 2, 3]) == 6
    assert flyte.run(total, items=[1], start=10) == 11


async def test_async_task_and_run_async_return_a_named_tuple() -> None:
    result = await flyte.run_async(split, items=[1, 2, 3])
    assert result == Split(1, [2, 3])
    assert isinstance(result, Split)


def test_several_outputs_come_back_as_a_tuple_and_none_as_none() -> None:
    assert flyte.run(pair, x=4) == (4, "4")
    assert flyte.run(nothing, x=1) is None


async def test_run_inside_an_event_loop_still_works() -> None:
    assert flyte.run(total, items=[2]) == 2


def test_missing_input_is_named_with_its_type() -> None:
    with pytest.raises(TaskInputError, match=r"task 'local.total' is missing the input 'items'"):
        flyte.run(total)


def test_unknown_input_is_named_with_the_real_inputs() -> None:
    with pytest.raises(TaskInputError, match=r"no input 'item'; its inputs are items, start"):
        flyte.run(total, item=[1])


def test_wrongly_typed_input_fails_before_the_task_runs() -> None:
    with pytest.raises(TaskInputError, match=r"task 'local.total'.*items"):
        flyte.run(total, items="abc")


def test_a_bare_dict_input_takes_a_dict_only_and_the_error_names_the_input() -> None:
    assert flyte.run(keys, d={"b": 1, "a": [None]}) == ["a", "b"]
    with pytest.raises(
        TaskInputError, match=r"'local.keys': variable 'd' of type dict: expected dict"
    ):
        flyte.run(keys, d=[("a", 1)])


def test_the_task_exception_reaches_the_caller() -> None:
    with pytest.raises(ValueError, match="x=1 is not allowed"):
        flyte.run(fail, x=1)


def test_a_wrong_output_is_a_task_run_error_from_the_error_document() -> None:
    with pytest.raises(TaskRunError, match=r"task 'local.wrong_output' failed \(USER:Output") as e:
        flyte.run(wrong_output, x=1)
    assert (e.value.kind, e.value.recoverable) == ("USER", False)


def test_system_exit_in_a_task_does_not_end_the_caller_silently() -> None:
    with pytest.raises(SystemExit):
        flyte.run(exits, x=1)


def test_a_template_without_execute_says_so() -> None:
    task = TaskTemplate("bare", NativeInterface(inputs={"x": int}))
    with pytest.raises(NotImplementedError, match="does not implement execute"):
        flyte.run(task, x=1)


def test_run_refuses_what_is_not_a_task() -> None:
    with pytest.raises(TaskInputError, match=r"flyte\.run takes a task"):
        flyte.run(print, x=1)  # type: ignore[arg-type]


class Audited(TaskTemplate):
    """A plugin whose hooks run around execute: pre doubles the input, post labels the result."""

    calls: list[str] = []

    async def pre(self, **inputs: int) -> dict[str, int]:
        self.calls.append("pre")
        return {"x": inputs["x"] * 2}

    async def execute(self, **inputs: int) -> int:
        self.calls.append("execute")
        return inputs["x"] + 1

    async def post(self, result: int) -> int:
        self.calls.append("post")
        return result * 10


audited = Audited("audited", NativeInterface(inputs={"x": int}, outputs={"o0": int}))


def test_pre_and_post_run_around_execute() -> None:
    Audited.calls.clear()
    assert flyte.run(audited, x=1) == 30
    assert Audited.calls == ["pre", "execute", "post"]


def test_post_does_not_run_when_execute_fails() -> None:
    class Failing(Audited):
        async def execute(self, **inputs: int) -> int:
            raise RuntimeError("boom")

    Audited.calls.clear()
    failing = Failing("failing", NativeInterface(inputs={"x": int}, outputs={"o0": int}))
    with pytest.raises(RuntimeError, match="boom"):
        flyte.run(failing, x=1)
    assert Audited.calls == ["pre"]
