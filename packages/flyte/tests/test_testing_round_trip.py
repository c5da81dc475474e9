"""assert_round_trip catches transformers that lose data, types or their tag, and says where."""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any

import pytest
from flyteidl.core import literals_pb2, types_pb2

from flyte.testing import assert_round_trip
from flyte.types import TypeEngine, TypeTransformer


@dataclasses.dataclass(frozen=True)
class Money:
    amount: int
    currency: str


class LossyMoneyTransformer(TypeTransformer[Money]):
    """Stores only the amount and reads every amount back as euros: loses the currency."""

    def __init__(self, tag: str = "Money") -> None:
        super().__init__(name="Money", t=Money)
        self.tag = tag

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(
            simple=types_pb2.SimpleType.INTEGER, structure=types_pb2.TypeStructure(tag=self.tag)
        )

    async def to_literal(
        self, python_val: Money, python_type: Any, expected: types_pb2.LiteralType
    ) -> literals_pb2.Literal:
        return literals_pb2.Literal(
            scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=python_val.amount))
        )

    async def to_python_value(self, lv: literals_pb2.Literal, expected_python_type: Any) -> Money:
        return Money(lv.scalar.primitive.integer, "EUR")

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> type:
        return Money


class Color(str, enum.Enum):
    RED = "red"


def test_a_value_that_comes_back_equal_returns_its_literal() -> None:
    literal = assert_round_trip([1.5, math.nan, -math.inf], list[float])
    assert len(literal.collection.literals) == 3


def test_a_transformer_that_loses_a_field_fails_naming_the_step_the_path_and_both_sides() -> None:
    TypeEngine.register(LossyMoneyTransformer())
    assert_round_trip(Money(5, "EUR"), Money)  # the one value it cannot get wrong
    with pytest.raises(AssertionError) as caught:
        assert_round_trip(Money(5, "USD"), Money)
    message = str(caught.value)
    assert "step 'to_python_value' gave back another value" in message
    assert "at value.currency: sent 'USD', received 'EUR'" in message
    assert "sent:     Money(amount=5, currency='USD')" in message
    assert "received: Money(amount=5, currency='EUR')" in message
    assert "integer: 5" in message  # the literal that was made


def test_a_value_that_comes_back_as_another_type_fails_even_when_equal() -> None:
    class Plain(TypeTransformer[Color]):
        def __init__(self) -> None:
            super().__init__(name="Color", t=Color)

        def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
            return types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING)

        async def to_literal(self, v: Color, t: Any, e: Any) -> literals_pb2.Literal:
            return TypeEngine.to_literal_sync(v.value, str)

        async def to_python_value(self, lv: literals_pb2.Literal, t: Any) -> Any:
            return lv.scalar.primitive.string_value  # a str, which == Color.RED

    TypeEngine.register(Plain(), override=True)
    with pytest.raises(AssertionError, match="at value: sent a Color, received a str"):
        assert_round_trip(Color.RED, Color)


def test_a_literal_type_other_than_the_expected_one_fails_showing_both() -> None:
    expected = types_pb2.LiteralType(simple=types_pb2.SimpleType.FLOAT)
    with pytest.raises(AssertionError) as caught:
        assert_round_trip(3, int, literal_type=expected)
    assert "step 'to_literal_type'" in str(caught.value)
    assert "expected: {simple: FLOAT}" in str(caught.value)
    assert "got:      {simple: INTEGER}" in str(caught.value)


def test_a_guess_that_does_not_give_the_type_back_fails() -> None:
    # Tagged with a name no transformer claims: the guess falls back to the shape, an int.
    TypeEngine.register(LossyMoneyTransformer(tag="Dollars"))
    with pytest.raises(AssertionError) as caught:
        assert_round_trip(Money(5, "EUR"), Money)
    assert "step 'guess_python_type' guessed another type" in str(caught.value)
    assert "expected: Money" in str(caught.value)
    assert "guessed:  int" in str(caught.value)


def test_a_dataclass_guesses_a_class_of_the_same_literal_type_with_exact_guess_off() -> None:
    @dataclasses.dataclass
    class Point:
        x: float
        y: list[int]

    with pytest.raises(AssertionError, match="pass exact_guess=False"):
        assert_round_trip(Point(math.nan, [1]), Point)
    assert_round_trip(Point(math.nan, [1]), Point, exact_guess=False)


def test_an_exception_in_a_step_becomes_an_assertion_naming_the_step() -> None:
    with pytest.raises(
        AssertionError, match=r"step 'to_literal' raised TypeTransformerFailedError"
    ):
        assert_round_trip("three", int)


async def test_it_works_inside_a_running_event_loop() -> None:
    assert_round_trip({"a": [1, 2]}, dict[str, list[int]])
