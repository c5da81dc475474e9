"""How conversion errors describe types and values: short, and naming what was expected."""

from __future__ import annotations

import reprlib
import typing
from typing import Any

from flyte.errors import TypeTransformerFailedError

__all__ = ["describe_type", "mismatch", "short_repr", "short_repr_text"]

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 6
_repr.maxlevel = 3


def short_repr(value: object) -> str:
    """``repr(value)`` cut to a length an error message can carry."""
    try:
        return _repr.repr(value)
    except Exception:
        return f"<{type(value).__name__} object>"


def describe_type(t: object) -> str:
    """A type as a user wrote it: ``int``, ``list[int]``, ``Optional[Point]``."""
    if isinstance(t, type) and typing.get_origin(t) is None:
        return t.__qualname__
    try:
        text = repr(t)
    except RecursionError:
        return f"a {getattr(typing.get_origin(t), '__name__', 'type')} nested too deeply to print"
    return short_repr_text(text.replace("typing.", "").replace("datetime.", ""))


def short_repr_text(text: str, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mismatch(expected: Any, value: object, detail: str = "") -> TypeTransformerFailedError:
    """The error for ``value`` that is not a value of the ``expected`` type."""
    reason = f" ({detail})" if detail else ""
    return TypeTransformerFailedError(
        f"expected a value of type {describe_type(expected)}, got {type(value).__name__} "
        f"{short_repr(value)}{reason}"
    )
