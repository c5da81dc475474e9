"""Workflows: the graph a body builds when it is defined, and what is refused there."""

from __future__ import annotations

from typing import NamedTuple, Optional

import pytest
from flyteidl.core import literals_pb2

import flyte
from flyte.errors import TaskDefinitionError, WorkflowDefinitionError
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface

env = flyte.TaskEnvironment(name="wf")


class Stats(NamedTuple):
    mean: float
    count: int


@env.task
def extract(day: str) -> str:
    return day.upper()


@env.task
def split(x: int) -> tuple[int, str]:
    return x, str(x)


@env.task
def stats(xs: list[int]) -> Stats:
    return Stats(sum(xs) / max(len(xs), 1), len(xs))


@env.task
def report(day: str, n: int = 3) -> int:
    return n + len(day)


@env.task
def summarize(table: str, results: list[int], extra: dict[str, int]) -> str:
    return f"{table}:{sum(results)}:{sorted(extra.items())}"


@env.task
def pair(a: int, b: Optional[int] = None) -> int:  # noqa: UP045 - the form users write
    return a + (b or 0)


@env.task
def first() -> list[int]:
    return [1, 2]


@flyte.workflow
def sub(day: str) -> str:
    return extract(day=day)


@flyte.workflow
def daily(day: str, k: int = 2) -> str:
    """Summarize a day.

    :param day: the day
    :return: the summary
    """
    raw = extract(day=day)
    a, _ = split(x=k)
    jobs = flyte.map(report, day=[day, raw], n=a)
    return summarize(table=sub(day=raw), results=jobs, extra={"a": a, "c": 7})


def binding_kind(binding: literals_pb2.BindingData) -> str:
    return str(binding.WhichOneof("value"))


def test_the_body_runs_once_into_numbered_nodes_with_sorted_bindings() -> None:
    ids = [(n.id, n.entity.name, n.upstream) for n in daily.nodes]
    assert ids == [
        ("n0", "wf.extract", ()),
        ("n1", "wf.split", ()),
        ("n2", daily.nodes[2].entity.name, ("n0", "n1")),
        ("n3", sub.name, ("n0",)),
        ("n4", "wf.summarize", ("n1", "n2", "n3")),
    ]
    assert list(daily.nodes[4].bindings) == ["extra", "results", "table"]
    extra = daily.nodes[4].bindings["extra"]
    assert binding_kind(extra) == "map"
    assert binding_kind(extra.map.bindings["a"]) == "promise"
    assert extra.map.bindings["c"].scalar.primitive.integer == 7
    assert daily.outputs["o0"].promise.node_id == "n4"


def test_an_input_left_out_is_bound_to_its_default() -> None:
    @flyte.workflow
    def defaults(day: str) -> int:
        return report(day=day)

    n = defaults.nodes[0].bindings["n"]
    assert n.scalar.primitive.integer == 3


def test_outputs_are_unpacked_or_taken_by_name() -> None:
    @flyte.workflow
    def named(xs: list[int]) -> tuple[float, int]:
        s = stats(xs=xs)
        _, count = stats(xs=xs)
        return s.mean, count

    first_stats, second_stats = named.nodes
    assert named.outputs["o0"].promise.node_id == first_stats.id
    assert named.outputs["o0"].promise.var == "mean"
    assert named.outputs["o1"].promise.node_id == second_stats.id


def test_constants_promises_and_inputs_mix_in_lists_dicts_and_optionals() -> None:
    @flyte.workflow
    def mixed(y: int) -> str:
        xs = first()
        total = pair(a=y, b=pair(a=1))
        return summarize(table="t", results=xs, extra={"y": y, "total": total, "k": 4})

    extra = mixed.nodes[-1].bindings["extra"].map.bindings
    assert (extra["y"].promise.node_id, extra["y"].promise.var) == ("", "y")
    assert extra["total"].promise.node_id == "n2"
    # An int promise feeds an Optional[int] input.
    assert mixed.nodes[2].bindings["b"].promise.node_id == "n1"


def test_a_map_takes_lists_for_its_mapped_inputs_and_passes_the_others() -> None:
    mapped = daily.nodes[2]
    assert mapped.entity.bound_inputs == frozenset({"n"})
    assert mapped.entity.interface.inputs == {"day": list[str], "n": int}
    assert mapped.entity.interface.outputs == {"o0": list[int]}
    day = mapped.bindings["day"]
    assert [binding_kind(b) for b in day.collection.bindings] == ["promise", "promise"]


def test_a_map_letting_items_fail_outputs_optionals() -> None:
    @flyte.workflow
    def lenient(days: list[str]) -> list[Optional[int]]:  # noqa: UP045
        return flyte.map(report, day=days, concurrency=2, min_success_ratio=0.5)

    mapped = lenient.nodes[0].entity
    assert mapped.interface.outputs == {"o0": list[Optional[int]]}  # noqa: UP045
    assert (mapped.concurrency, mapped.min_success_ratio) == (2, 0.5)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "if x > 3:\n        return 1\n    return 2",
            r"input 'x' \(int\) is used as a value \(in an expression with >\)",
        ),
        ("return pair(a=x + 1)", r"with \+"),
        ("return report(day=f'{x}')", r"formatted into a string"),
        ("return len(first())", r"len\(\)"),
    ],
)
def test_a_promise_used_as_a_value_is_refused_with_what_to_do(body: str, message: str) -> None:
    namespace = {"flyte": flyte, "pair": pair, "report": report, "first": first}
    source = f"def body(x: int) -> int:\n    {body}\n"
    exec(source, namespace)  # a fresh function per case
    with pytest.raises(WorkflowDefinitionError, match=message) as caught:
        flyte.workflow(namespace["body"])
    assert "Pass it to a task instead" in str(caught.value)


def test_inputs_are_checked_when_the_workflow_is_defined() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"task 'wf.report' has no input 'days'"):

        @flyte.workflow
        def unknown(day: str) -> int:
            return report(days=day)

    with pytest.raises(WorkflowDefinitionError, match=r"is missing the input 'day' \(str\)"):

        @flyte.workflow
        def missing() -> int:
            return report()

    with pytest.raises(
        WorkflowDefinitionError,
        match=r"input 'day' is str, but node n0's output 'o0' \(list\[int\]\) is bound to it",
    ):

        @flyte.workflow
        def mistyped() -> int:
            return report(day=first())

    with pytest.raises(WorkflowDefinitionError, match=r"input 'n'.*expected a value of type int"):

        @flyte.workflow
        def constant(day: str) -> int:
            return report(day=day, n="three")


def test_outputs_are_checked_when_the_workflow_is_defined() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"output 'o0' is left unbound"):

        @flyte.workflow
        def unbound(day: str) -> str:
            extract(day=day)

    with pytest.raises(
        WorkflowDefinitionError, match=r"declares the outputs o0, o1 but returns one"
    ):

        @flyte.workflow
        def short(day: str) -> tuple[str, str]:
            return extract(day=day)


def plain(value: str) -> str:
    return value


def test_a_plain_function_given_a_promise_is_refused() -> None:
    with pytest.raises(
        WorkflowDefinitionError, match=r"calls plain\(\).*plain function, not a task"
    ):

        @flyte.workflow
        def calls_plain(day: str) -> str:
            return extract(day=plain(extract(day=day)))


def test_calls_that_cannot_build_a_node_say_how_to_call() -> None:
    with pytest.raises(TaskDefinitionError, match="positional arguments in a workflow"):

        @flyte.workflow
        def positional(day: str) -> str:
            return extract(day)

    with pytest.raises(WorkflowDefinitionError, match=r"outside a workflow's body; run it with"):
        daily(day="x")
    bare = TaskTemplate("bare", NativeInterface(inputs={"x": int}))
    with pytest.raises(TaskDefinitionError, match="outside a workflow's body"):
        bare(x=1)
    assert report(day="ab") == 5  # a function task outside a workflow is its function


def test_a_workflow_calling_itself_is_a_cycle() -> None:
    with pytest.raises(WorkflowDefinitionError, match="calls itself"):

        @flyte.workflow
        def loop(day: str) -> str:
            return loop(day=day)


def test_a_task_defined_below_the_workflow_is_named() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"uses 'later', which is not defined yet"):

        @flyte.workflow
        def early(day: str) -> str:
            return later(day=day)  # type: ignore[name-defined]  # noqa: F821


def test_flyte_map_refuses_what_it_cannot_map() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"call it in a @flyte\.workflow's body"):
        flyte.map(report, day=["a"])
    with pytest.raises(WorkflowDefinitionError, match="maps tasks of one output"):

        @flyte.workflow
        def two(xs: list[int]) -> None:
            flyte.map(split, x=xs)

    with pytest.raises(WorkflowDefinitionError, match=r"no input is given a list of its type"):

        @flyte.workflow
        def nothing_to_map(day: str) -> None:
            flyte.map(report, day=day)
