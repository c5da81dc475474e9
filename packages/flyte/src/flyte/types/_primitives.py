"""Transformers of the scalar types: bool, int, float, str, bytes, datetimes, durations, None.

Each converts a whole run of values in one tight loop (:meth:`fill_literals`), which is what a
list or a dict of them costs. The loops of int, float, str and bool are written out per type:
a shared one would look the field up by name for every value, which a million ints pay for. Reading checks the literal's shape cheaply: a field that reads as
its default value (0, "", False) is checked to be set, so a literal of another shape is an
error rather than a silent zero.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from flyteidl.core import types_pb2

from flyte.errors import TypeTransformerFailedError
from flyte.types._errors import mismatch, short_repr
from flyte.types._transformer import SyncTypeTransformer

__all__ = [
    "BoolTransformer",
    "BytesTransformer",
    "DateTransformer",
    "DatetimeTransformer",
    "FloatTransformer",
    "IntTransformer",
    "NoneTransformer",
    "StrTransformer",
    "TimedeltaTransformer",
]

from flyteidl.core.literals_pb2 import Literal

_UTC = datetime.timezone.utc


class _SimpleTransformer(SyncTypeTransformer[Any]):
    """A transformer whose literal type is one ``SimpleType`` and whose literal is a scalar."""

    simple: types_pb2.SimpleType.ValueType

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """The simple literal type of this transformer's Python type."""
        return types_pb2.LiteralType(simple=self.simple)


def wrong_shape(literal: Literal, expected: str) -> TypeTransformerFailedError:
    """The error for a literal that does not hold what its Python type needs."""
    from google.protobuf import text_format

    text = text_format.MessageToString(literal, as_one_line=True)
    return TypeTransformerFailedError(
        f"expected a literal holding {expected}, got {{{short_repr(text)[1:-1]}}}"
    )


def _holding(literals: Iterable[Literal], field: str) -> Iterator[Any]:
    """The primitives of ``literals``, each checked to hold its message field ``field``."""
    for literal in literals:
        primitive = literal.scalar.primitive
        if not primitive.HasField(field):
            raise wrong_shape(literal, f"a {field}")
        yield primitive


class IntTransformer(_SimpleTransformer):
    """``int`` as an INTEGER primitive; ``bool`` is refused, values must fit in int64."""

    simple = types_pb2.SimpleType.INTEGER

    def __init__(self) -> None:
        super().__init__("int", int)

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each int into the next literal's ``scalar.primitive.integer``."""
        for value, literal in zip(values, targets, strict=False):
            if type(value) is not int:
                value = _as_int(value)
            try:
                literal.scalar.primitive.integer = value
            except ValueError:
                raise mismatch(int, value, "outside the int64 range") from None

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The ints of INTEGER literals."""
        out: list[Any] = []
        append = out.append
        for literal in literals:
            primitive = literal.scalar.primitive
            value = primitive.integer
            if not value and not primitive.HasField("integer"):
                raise wrong_shape(literal, "an integer")
            append(value)
        return out


def _as_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise mismatch(int, value)


class FloatTransformer(_SimpleTransformer):
    """``float`` as a FLOAT primitive; an int (value or INTEGER literal) is accepted as a float."""

    simple = types_pb2.SimpleType.FLOAT

    def __init__(self) -> None:
        super().__init__("float", float)

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each float into the next literal's ``scalar.primitive.float_value``."""
        for value, literal in zip(values, targets, strict=False):
            if type(value) is not float:
                value = _as_float(value)
            literal.scalar.primitive.float_value = value

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The floats of FLOAT literals."""
        out: list[Any] = []
        append = out.append
        for literal in literals:
            primitive = literal.scalar.primitive
            value = primitive.float_value
            if not value and not primitive.HasField("float_value"):
                # flytekit reads an INTEGER literal as a float too (0 included).
                if not primitive.HasField("integer"):
                    raise wrong_shape(literal, "a float")
                value = float(primitive.integer)
            append(value)
        return out


def _as_float(value: Any) -> float:
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise mismatch(float, value, "too large for a float") from None
    raise mismatch(float, value)


class StrTransformer(_SimpleTransformer):
    """``str`` as a STRING primitive."""

    simple = types_pb2.SimpleType.STRING

    def __init__(self) -> None:
        super().__init__("str", str)

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each str into the next literal's ``scalar.primitive.string_value``."""
        for value, literal in zip(values, targets, strict=False):
            if type(value) is not str and not isinstance(value, str):
                raise mismatch(str, value)
            try:
                literal.scalar.primitive.string_value = value
            except UnicodeEncodeError as exc:
                raise mismatch(str, value, f"not valid UTF-8: {exc.reason}") from None

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The strs of STRING literals."""
        out: list[Any] = []
        append = out.append
        for literal in literals:
            primitive = literal.scalar.primitive
            value = primitive.string_value
            if not value and not primitive.HasField("string_value"):
                raise wrong_shape(literal, "a string")
            append(value)
        return out


class BoolTransformer(_SimpleTransformer):
    """``bool`` as a BOOLEAN primitive; 0 and 1 are not bools."""

    simple = types_pb2.SimpleType.BOOLEAN

    def __init__(self) -> None:
        super().__init__("bool", bool)

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each bool into the next literal's ``scalar.primitive.boolean``."""
        for value, literal in zip(values, targets, strict=False):
            if type(value) is not bool:
                raise mismatch(bool, value)
            literal.scalar.primitive.boolean = value

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The bools of BOOLEAN literals."""
        out: list[Any] = []
        for literal in literals:
            primitive = literal.scalar.primitive
            value = primitive.boolean
            if not value and not primitive.HasField("boolean"):
                raise wrong_shape(literal, "a boolean")
            out.append(value)
        return out


class DatetimeTransformer(_SimpleTransformer):
    """``datetime`` as a DATETIME primitive; naive means UTC, and it comes back aware in UTC."""

    simple = types_pb2.SimpleType.DATETIME

    def __init__(self) -> None:
        super().__init__("datetime", datetime.datetime)

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each datetime into the next literal's ``scalar.primitive.datetime``."""
        for value, literal in zip(values, targets, strict=False):
            if not isinstance(value, datetime.datetime):
                raise mismatch(datetime.datetime, value)
            literal.scalar.primitive.datetime.FromDatetime(value)

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The aware UTC datetimes of DATETIME literals."""
        return [p.datetime.ToDatetime(tzinfo=_UTC) for p in _holding(literals, "datetime")]


class DateTransformer(_SimpleTransformer):
    """``date`` as a DATETIME primitive at midnight UTC, as flytekit writes it."""

    simple = types_pb2.SimpleType.DATETIME

    def __init__(self) -> None:
        super().__init__("date", datetime.date)

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each date, as its midnight, into the next literal's ``primitive.datetime``."""
        midnight = datetime.time()
        for value, literal in zip(values, targets, strict=False):
            if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
                raise mismatch(datetime.date, value)
            stamp = datetime.datetime.combine(value, midnight)
            literal.scalar.primitive.datetime.FromDatetime(stamp)

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The dates of DATETIME literals (the UTC date of the instant)."""
        return [p.datetime.ToDatetime(tzinfo=_UTC).date() for p in _holding(literals, "datetime")]


class TimedeltaTransformer(_SimpleTransformer):
    """``timedelta`` as a DURATION primitive."""

    simple = types_pb2.SimpleType.DURATION

    def __init__(self) -> None:
        super().__init__("timedelta", datetime.timedelta)

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each timedelta into the next literal's ``scalar.primitive.duration``."""
        for value, literal in zip(values, targets, strict=False):
            if not isinstance(value, datetime.timedelta):
                raise mismatch(datetime.timedelta, value)
            literal.scalar.primitive.duration.FromTimedelta(value)

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The timedeltas of DURATION literals."""
        return [p.duration.ToTimedelta() for p in _holding(literals, "duration")]


class BytesTransformer(_SimpleTransformer):
    """``bytes`` as a BINARY scalar (flytekit pickles bytes instead, which is not portable)."""

    simple = types_pb2.SimpleType.BINARY

    def __init__(self) -> None:
        super().__init__("bytes", bytes)

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each bytes value into the next literal's ``scalar.binary.value``."""
        for value, literal in zip(values, targets, strict=False):
            if not isinstance(value, (bytes, bytearray)):
                raise mismatch(bytes, value)
            binary = literal.scalar.binary
            binary.value = bytes(value)
            binary.SetInParent()

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The bytes of BINARY literals."""
        out: list[Any] = []
        for literal in literals:
            scalar = literal.scalar
            if not scalar.HasField("binary") or scalar.binary.tag:
                raise wrong_shape(literal, "untagged binary bytes")
            out.append(scalar.binary.value)
        return out


class NoneTransformer(_SimpleTransformer):
    """``None`` as a ``none_type`` scalar."""

    simple = types_pb2.SimpleType.NONE

    def __init__(self) -> None:
        super().__init__("none", type(None))

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each None as a ``none_type`` scalar."""
        for value, literal in zip(values, targets, strict=False):
            if value is not None:
                raise mismatch(type(None), value)
            literal.scalar.none_type.SetInParent()

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """None for each ``none_type`` literal."""
        out: list[Any] = []
        for literal in literals:
            if not literal.scalar.HasField("none_type"):
                raise wrong_shape(literal, "none")
            out.append(None)
        return out
