"""PositiveInt: its literal, both directions' checks, and discovery through its entry point."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from typing import Optional

import pytest
from flyteidl.core import literals_pb2, types_pb2

from flyte.testing import assert_round_trip
from flyte.types import TypeEngine, TypeTransformerFailedError
from flyteplugins.positive_int import PositiveInt, PositiveIntTransformer

TAGGED_INTEGER = types_pb2.LiteralType(
    simple=types_pb2.SimpleType.INTEGER, structure=types_pb2.TypeStructure(tag="PositiveInt")
)


def test_a_positive_int_round_trips_as_an_integer_literal_tagged_positive_int() -> None:
    # The kit checks the literal type, value -> literal -> value, and the tag's guess back.
    literal = assert_round_trip(PositiveInt(42), PositiveInt, literal_type=TAGGED_INTEGER)
    assert literal.scalar.primitive.integer == 42


async def test_it_round_trips_inside_a_running_event_loop_too() -> None:
    assert_round_trip(PositiveInt(1), PositiveInt)


@pytest.mark.parametrize("value", [0, -5, True, 1.5, "3"])
def test_a_value_that_is_not_a_positive_int_cannot_be_made(value: object) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PositiveInt(value)  # type: ignore[arg-type]


def test_a_plain_int_is_not_a_positive_int_value() -> None:
    with pytest.raises(TypeTransformerFailedError, match="PositiveInt"):
        TypeEngine.to_literal_sync(5, PositiveInt)


@pytest.mark.parametrize("stored", [0, -1])
def test_a_literal_below_one_is_refused(stored: int) -> None:
    literal = TypeEngine.to_literal_sync(stored, int)
    with pytest.raises(TypeTransformerFailedError, match="below 1"):
        TypeEngine.to_python_value_sync(literal, PositiveInt)


def test_a_literal_of_another_shape_is_refused() -> None:
    literal = TypeEngine.to_literal_sync("7", str)
    with pytest.raises(TypeTransformerFailedError, match="INTEGER"):
        TypeEngine.to_python_value_sync(literal, PositiveInt)


def test_the_error_names_the_input() -> None:
    literal_map = literals_pb2.LiteralMap()
    literal_map.literals["n"].CopyFrom(TypeEngine.to_literal_sync(0, int))
    with pytest.raises(TypeTransformerFailedError, match=r"'n'.*below 1"):
        TypeEngine.literal_map_to_python_sync(literal_map, {"n": PositiveInt})


def test_containers_and_unions_of_positive_ints() -> None:
    assert_round_trip([PositiveInt(1), PositiveInt(2)], list[PositiveInt])
    assert_round_trip({"a": PositiveInt(5)}, dict[str, PositiveInt])
    union = Optional[PositiveInt]  # noqa: UP045 - the form users write
    tags = [v.structure.tag for v in TypeEngine.to_literal_type(union).union_type.variants]
    assert tags == ["PositiveInt", "none"]
    literal = assert_round_trip(PositiveInt(3), union)
    assert literal.scalar.union.type.structure.tag == "PositiveInt"
    assert_round_trip(None, union)


def test_the_transformer_is_declared_under_flyte_transformers() -> None:
    entry_points = importlib.metadata.distribution("flyteplugins-positive-int").entry_points
    declared = {ep.name: ep.value for ep in entry_points if ep.group == "flyte.transformers"}
    assert declared == {
        "positive_int": "flyteplugins.positive_int.transformer:PositiveIntTransformer"
    }
    assert isinstance(TypeEngine.get_transformer(PositiveInt), PositiveIntTransformer)


def test_a_fresh_process_finds_the_transformer_from_the_tag_alone() -> None:
    code = (
        "import sys\n"
        "from flyteidl.core import types_pb2\n"
        "from flyte.types import TypeEngine\n"
        "assert 'flyteplugins.positive_int' not in sys.modules\n"
        "lt = types_pb2.LiteralType(simple=types_pb2.SimpleType.INTEGER,\n"
        "                           structure=types_pb2.TypeStructure(tag='PositiveInt'))\n"
        "guessed = TypeEngine.guess_python_type(lt)\n"
        "print(guessed.__module__, guessed.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["flyteplugins.positive_int.transformer", "PositiveInt"]
