"""assert_round_trip: value -> literal -> value through the type engine, and the guess back."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, TypeVar, get_args

from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import text_format

from flyte.types import TypeEngine

__all__ = ["assert_round_trip"]

R = TypeVar("R")


def assert_round_trip(
    value: Any,
    python_type: Any,
    *,
    literal_type: types_pb2.LiteralType | None = None,
    exact_guess: bool = True,
) -> literals_pb2.Literal:
    """Assert that ``value`` of ``python_type`` makes the round trip; return its literal.

    The steps, each named in the ``AssertionError`` that reports it (an exception a step raises
    becomes one too, chained to it):

    1. ``to_literal_type``: ``TypeEngine.to_literal_type(python_type)``, equal to
       ``literal_type`` when given;
    2. ``to_literal``: the value to a literal of that type;
    3. ``to_python_value``: the literal back to a value equal to ``value``: NaN equals NaN, and
       every level keeps its type (an ``int`` and a ``float`` compare by value); the message shows
       both values and where they first differ;
    4. ``guess_python_type``: the literal type guesses ``python_type`` back. A dataclass or a
       pydantic model guesses a generated class of the same shape: pass ``exact_guess=False``
       to require only that the guess has the same literal type.

    Works in synchronous tests and inside a running event loop alike.
    """
    what = f"assert_round_trip({_short(value)}, {_type_name(python_type)})"
    made = _step(what, "to_literal_type", lambda: TypeEngine.to_literal_type(python_type))
    if literal_type is not None and made != literal_type:
        raise AssertionError(
            f"{what}: step 'to_literal_type' gave another literal type than expected\n"
            f"  expected: {_text(literal_type)}\n"
            f"  got:      {_text(made)}"
        )
    literal = _step(
        what, "to_literal", lambda: TypeEngine.to_literal_sync(value, python_type, made)
    )
    back = _step(
        what, "to_python_value", lambda: TypeEngine.to_python_value_sync(literal, python_type)
    )
    difference = _first_difference(value, back)
    if difference is not None:
        raise AssertionError(
            f"{what}: step 'to_python_value' gave back another value\n"
            f"  at {difference}\n"
            f"  sent:     {value!r}\n"
            f"  received: {back!r}\n"
            f"  literal:  {_text(literal)}"
        )
    guessed = _step(what, "guess_python_type", lambda: TypeEngine.guess_python_type(made))
    if guessed == python_type:
        return literal
    if exact_guess:
        raise AssertionError(
            f"{what}: step 'guess_python_type' guessed another type from the literal type\n"
            f"  expected: {_type_name(python_type)}\n"
            f"  guessed:  {_type_name(guessed)}\n"
            f"  literal type: {_text(made)}\n"
            f"(a dataclass or pydantic model guesses a generated class: pass exact_guess=False)"
        )
    again = _step(what, "guess_python_type", lambda: TypeEngine.to_literal_type(guessed))
    if again != made:
        raise AssertionError(
            f"{what}: step 'guess_python_type' guessed {_type_name(guessed)}, whose literal type "
            f"differs\n"
            f"  expected: {_text(made)}\n"
            f"  guessed:  {_text(again)}"
        )
    return literal


def _first_difference(sent: Any, received: Any, path: str = "value") -> str | None:
    """Where ``received`` first differs from ``sent``, or None when they are equal.

    Equal means ``==`` with NaN equal to NaN, the same type at every level (``int`` and
    ``float`` compare by value), and containers, dataclasses and pydantic models compared item
    by item so the answer names the path (``value.items[2]``).
    """
    numbers = (int, float)
    if type(sent) in numbers and type(received) in numbers:
        if sent == received or (_is_nan(sent) and _is_nan(received)):
            return None
        return f"{path}: sent {sent!r}, received {received!r}"
    if type(sent) is not type(received):
        return f"{path}: sent a {type(sent).__qualname__}, received a {type(received).__qualname__}"
    if isinstance(sent, (list, tuple)):
        if len(sent) != len(received):
            return f"{path}: sent {len(sent)} items, received {len(received)}"
        for index, (a, b) in enumerate(zip(sent, received, strict=True)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if isinstance(sent, dict):
        missing = [k for k in sent if k not in received]
        extra = [k for k in received if k not in sent]
        if missing or extra:
            return f"{path}: keys missing {missing}, keys added {extra}"
        for key in sent:
            found = _first_difference(sent[key], received[key], f"{path}[{key!r}]")
            if found is not None:
                return found
        return None
    names = _field_names(sent)
    if names is not None:
        for name in names:
            found = _first_difference(
                getattr(sent, name), getattr(received, name), f"{path}.{name}"
            )
            if found is not None:
                return found
        return None
    try:
        equal = bool(sent == received)
    except Exception as exc:  # e.g. an array whose == is elementwise
        return f"{path}: cannot compare with ==: {type(exc).__name__}: {exc}"
    return None if equal else f"{path}: sent {sent!r}, received {received!r}"


def _field_names(value: Any) -> list[str] | None:
    """The fields of a dataclass or pydantic model instance, or None for anything else."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [f.name for f in dataclasses.fields(value)]
    model_fields = getattr(type(value), "model_fields", None)
    if isinstance(model_fields, dict) and hasattr(value, "model_dump"):
        return list(model_fields)
    return None


def _is_nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _step(what: str, step: str, call: Callable[[], R]) -> R:
    try:
        return call()
    except Exception as exc:
        raise AssertionError(f"{what}: step '{step}' raised {type(exc).__name__}: {exc}") from exc


def _type_name(t: Any) -> str:
    if isinstance(t, type) and not get_args(t):
        return t.__qualname__
    return repr(t)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(message: Any) -> str:
    return "{" + str(text_format.MessageToString(message, as_one_line=True)) + "}"
