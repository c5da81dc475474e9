"""Transformers of ``Enum`` (an ``enum_type`` of string values) and ``typing.Literal``."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from typing import Any, Literal, get_args

from flyteidl.core import types_pb2
from flyteidl.core.literals_pb2 import Literal as LiteralPb

from flyte.errors import TypeTransformerFailedError
from flyte.types._errors import describe_type, mismatch
from flyte.types._primitives import wrong_shape
from flyte.types._transformer import SyncTypeTransformer

__all__ = ["EnumTransformer", "LiteralTypeTransformer"]


class EnumTransformer(SyncTypeTransformer[enum.Enum]):
    """An ``Enum`` with string values, carried by value as a string."""

    def __init__(self) -> None:
        super().__init__("DefaultEnumTransformer", enum.Enum)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """An ``enum_type`` listing the members' values."""
        values = [member.value for member in t]
        if not all(isinstance(v, str) for v in values):
            raise TypeTransformerFailedError(
                f"the Enum {describe_type(t)} has values that are not strings ({values}); Flyte "
                f"enums carry strings: give the members str values, or use typing.Literal"
            )
        return types_pb2.LiteralType(enum_type=types_pb2.EnumType(values=values))

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """A new Enum whose members are the literal type's values."""
        values = list(literal_type.enum_type.values)
        return enum.Enum("DynamicEnum", {v: v for v in values})

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[LiteralPb],
    ) -> None:
        """Write each member's value as a string primitive."""
        for value, literal in zip(values, targets, strict=False):
            if not isinstance(value, python_type):
                raise mismatch(python_type, value)
            literal.scalar.primitive.string_value = value.value

    def python_values(self, literals: Iterable[LiteralPb], python_type: Any) -> list[Any]:
        """The members whose values the string literals hold."""
        out: list[Any] = []
        for literal in literals:
            primitive = literal.scalar.primitive
            if not primitive.HasField("string_value"):
                raise wrong_shape(literal, f"a string value of {describe_type(python_type)}")
            try:
                out.append(python_type(primitive.string_value))
            except ValueError:
                raise TypeTransformerFailedError(
                    f"{primitive.string_value!r} is not a value of the Enum "
                    f"{describe_type(python_type)} ({[m.value for m in python_type]})"
                ) from None
        return out


class LiteralTypeTransformer(SyncTypeTransformer[Any]):
    """``typing.Literal[...]``: its values' base type, annotated with ``literal_values``."""

    def __init__(self) -> None:
        super().__init__("LiteralTypeTransformer", Literal)  # type: ignore[arg-type]

    @staticmethod
    def _base_type(t: Any) -> type:
        values = get_args(t)
        base = type(values[0])
        if any(type(v) is not base for v in values) or base not in (str, int, float, bool):
            raise TypeTransformerFailedError(
                f"{describe_type(t)} mixes value types or uses one Flyte cannot carry: all "
                f"values of a Literal must be of one of str, int, float or bool"
            )
        return base

    def inner_types(self, python_type: Any) -> tuple[Any, ...]:
        """The values' base type."""
        return (self._base_type(python_type),)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """The base type's literal type with the ``literal_values`` annotation."""
        from flyte.types._engine import TypeEngine

        literal_type = TypeEngine.to_literal_type(self._base_type(t))
        literal_type.annotation.annotations.update({"literal_values": list(get_args(t))})
        return literal_type

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """``Literal`` of the annotated values, in the base type."""
        from flyte.types._engine import TypeEngine

        plain = types_pb2.LiteralType()
        plain.CopyFrom(literal_type)
        plain.ClearField("annotation")
        plain.ClearField("structure")  # a union variant's tag names this transformer
        base = TypeEngine.guess_python_type(plain)
        values = literal_type.annotation.annotations["literal_values"]
        return Literal[tuple(base(v) for v in values)]

    def _base(self, t: Any) -> SyncTypeTransformer[Any]:
        from flyte.types._engine import TypeEngine

        transformer = TypeEngine.sync_transformer(self._base_type(t))
        assert transformer is not None
        return transformer

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[LiteralPb],
    ) -> None:
        """Check each value is one of the Literal's, then write it as its base type."""
        allowed = get_args(python_type)
        base = self._base_type(python_type)
        checked = []
        for value in values:
            if type(value) is not base or value not in allowed:
                raise mismatch(python_type, value)
            checked.append(value)
        self._base(python_type).fill_literals(checked, base, expected, targets)

    def python_values(self, literals: Iterable[LiteralPb], python_type: Any) -> list[Any]:
        """Read the base type's values and check each is one of the Literal's."""
        allowed = get_args(python_type)
        values = self._base(python_type).python_values(literals, self._base_type(python_type))
        for value in values:
            if value not in allowed:
                raise TypeTransformerFailedError(
                    f"the literal holds {value!r}, which is not one of {describe_type(python_type)}"
                )
        return values
