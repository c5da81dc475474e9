"""Which node output may feed which input: a Flyte backend's rules, applied when a workflow is
defined, so that what runs locally registers, and what would not register fails at once."""

from __future__ import annotations

import datetime
import enum
from typing import Annotated, Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import flyte
from flyte._workflows._castable import accepts
from flyte.errors import WorkflowDefinitionError
from flyte.io import DataFrame, Dir, File
from flyte.types import TypeEngine

CSV = TypeVar("csv")
JSON = TypeVar("json")
Scores = Annotated[DataFrame, {"id": int, "score": float}]


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def feeds(given_type: Any, expected_type: Any) -> bool:
    return accepts(
        TypeEngine.to_literal_type(expected_type), TypeEngine.to_literal_type(given_type)
    )


@pytest.mark.parametrize(
    ("given_type", "expected_type"),
    [
        (int, int | None),  # the one variant that takes it
        (int | None, int | None),
        (File, File[CSV]),  # a file without a format feeds any format, and the other way
        (File[CSV], File),
        (Dir[CSV], Dir),
        (Scores, DataFrame),  # a dataframe without columns takes any
        (DataFrame, Scores),
        (Annotated[DataFrame, {"id": int, "score": float, "name": str}], Scores),
        (Color, str),  # an enum is a string, and a string may be an enum
        (str, Color),
        (list[File[CSV]], list[File]),
        (dict[str, int], dict[str, int | None]),
    ],
)
def test_what_the_backend_casts_is_accepted(given_type: Any, expected_type: Any) -> None:
    assert feeds(given_type, expected_type)


@pytest.mark.parametrize(
    ("given_type", "expected_type"),
    [
        (int, float),  # the backend does not cast an integer output to a float input
        (int | None, int),
        (File[CSV], File[JSON]),
        (File, Dir),
        (Annotated[DataFrame, {"id": int}], Scores),  # a column the input needs is missing
        (Annotated[DataFrame, {"id": int, "score": str}], Scores),  # of another type
        (list[int], list[str]),
    ],
)
def test_what_the_backend_refuses_is_refused(given_type: Any, expected_type: Any) -> None:
    assert not feeds(given_type, expected_type)


env = flyte.TaskEnvironment(name="cast")


@env.task
def count() -> int:
    return 3


@env.task
def halve(x: float) -> float:
    return x / 2


@env.task
def table() -> Annotated[DataFrame, {"id": int}]:
    return DataFrame()


@env.task
def best(scores: Scores) -> int:
    return 0


def test_an_integer_output_bound_to_a_float_input_is_refused_at_definition() -> None:
    with pytest.raises(
        WorkflowDefinitionError,
        match=r"input 'x' is float, but node n0's output 'o0' \(int\) is bound to it",
    ):

        @flyte.workflow
        def halved() -> float:
            return halve(x=count())


def test_a_dataframe_lacking_a_column_the_input_declares_is_refused_at_definition() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"task 'cast.best': input 'scores'"):

        @flyte.workflow
        def scored() -> int:
            return best(scores=table())


_SCALARS = st.sampled_from(
    [int, float, str, bool, bytes, datetime.datetime, datetime.timedelta, Color, File, Dir]
)
_TYPES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        inner.map(lambda t: list[t]),  # type: ignore[valid-type]
        inner.map(lambda t: dict[str, t]),  # type: ignore[valid-type]
        inner.map(lambda t: t | None),
    ),
    max_leaves=4,
)


@given(_TYPES)
def test_every_type_feeds_itself(python_type: Any) -> None:
    assert feeds(python_type, python_type)
