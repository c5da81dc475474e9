"""PositiveInt and its transformer: an INTEGER literal tagged ``PositiveInt``."""

from __future__ import annotations

from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte.types import TypeTransformer, TypeTransformerFailedError

__all__ = ["PositiveInt", "PositiveIntTransformer"]


class PositiveInt:
    """An integer of at least 1."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"PositiveInt takes an int of at least 1, got {value!r}")
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PositiveInt) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return f"PositiveInt({self.value})"


class PositiveIntTransformer(TypeTransformer[PositiveInt]):
    """Converts PositiveInt to an INTEGER literal tagged ``PositiveInt`` and back."""

    def __init__(self) -> None:
        super().__init__(name="PositiveInt", t=PositiveInt)

    def get_literal_type(self, t: type[PositiveInt]) -> types_pb2.LiteralType:
        """Map the custom type to a standard Flyte INTEGER with a tag."""
        return types_pb2.LiteralType(
            simple=types_pb2.SimpleType.INTEGER,
            structure=types_pb2.TypeStructure(tag="PositiveInt"),
        )

    async def to_literal(
        self, python_val: PositiveInt, python_type: Any, expected: types_pb2.LiteralType
    ) -> literals_pb2.Literal:
        """Convert the PositiveInt to an integer literal."""
        self.assert_type(PositiveInt, python_val)
        if python_val.value < 1:
            raise TypeTransformerFailedError(
                f"{python_val!r} holds {python_val.value}, which is below 1"
            )
        return literals_pb2.Literal(
            scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=python_val.value))
        )

    async def to_python_value(
        self, lv: literals_pb2.Literal, expected_python_type: Any
    ) -> PositiveInt:
        """Rebuild the PositiveInt from an integer literal, refusing a value below 1."""
        if not lv.scalar.primitive.HasField("integer"):
            raise TypeTransformerFailedError(
                f"a PositiveInt is read from an INTEGER literal, got {lv.WhichOneof('value') or 'an empty literal'}"
            )
        value = lv.scalar.primitive.integer
        if value < 1:
            raise TypeTransformerFailedError(f"PositiveInt literal holds {value}, which is below 1")
        return PositiveInt(value)

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> type[PositiveInt]:
        """A literal type tagged ``PositiveInt`` stands for PositiveInt."""
        return PositiveInt
