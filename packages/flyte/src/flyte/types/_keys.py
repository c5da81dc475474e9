"""The keys a Python type is looked up by, most specific first.

A class is found by itself, then (for enums) ``Enum``, then its bases other than builtins; a generic alias by
itself, then its origin (``list[int]`` by ``list``); unions and ``typing.Literal`` by
``typing.Union`` and ``typing.Literal``. Dataclasses and pydantic models, which share no base
class, are found by a marker key. ``Annotated[T, ...]`` is looked up as ``T``, except that
``Pickled[T]`` is found by its own marker. A pickle type guessed from a literal type carries
:data:`NEVER_UNPICKLED` as well: its literals are read as their bytes.
"""

from __future__ import annotations

import dataclasses
import enum
import types
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union, get_origin

__all__ = [
    "DATACLASS",
    "NEVER_UNPICKLED",
    "PICKLED",
    "PYDANTIC_MODEL",
    "StructuralKey",
    "candidates",
    "never_unpickled",
    "normalize",
]


class StructuralKey:
    """A registry key that stands for a family of types matched by shape, not by class."""

    def __init__(self, name: str) -> None:
        self.__qualname__ = self.name = name

    def __repr__(self) -> str:
        return self.name


DATACLASS = StructuralKey("dataclasses")
PYDANTIC_MODEL = StructuralKey("pydantic models")
PICKLED = StructuralKey("Pickled")
#: Marks a ``Pickled`` type that reads its literals as bytes: one guessed from a literal type,
#: whose bytes came from whoever wrote the literal.
NEVER_UNPICKLED = StructuralKey("never unpickled")


def normalize(t: Any) -> Any:
    """``None`` written as a type means ``NoneType``."""
    return type(None) if t is None else t


def never_unpickled(t: Any) -> Any:
    """``t``, marked :data:`NEVER_UNPICKLED` when it is a ``Pickled`` type."""
    if get_origin(t) is not Annotated:
        return t
    marks = t.__metadata__
    if any(m is PICKLED for m in marks) and not any(m is NEVER_UNPICKLED for m in marks):
        return Annotated[t, NEVER_UNPICKLED]
    return t


def candidates(t: Any) -> Iterator[Any]:
    """The registry keys to try for the Python type ``t``, most specific first."""
    origin = get_origin(t)
    if origin is Annotated:
        if any(m is PICKLED for m in t.__metadata__):
            yield PICKLED
        else:
            yield from candidates(t.__origin__)
        return
    yield t
    if origin is not None:
        if origin is Union or origin is types.UnionType:
            yield Union
        elif origin is Literal:
            yield Literal
        else:
            yield from candidates(origin)
        return
    if not isinstance(t, type):
        return
    if issubclass(t, enum.Enum):
        # Before the bases: an IntEnum or StrEnum is an Enum first, not an int or a str.
        yield enum.Enum
    for base in t.__mro__[1:]:
        # A subclass of a builtin scalar (``class Meters(float)``) means more than its base:
        # converting it as the base would hand back a plain float, so it needs its own
        # transformer. A NamedTuple is the exception: it is a tuple with names.
        if base.__module__ != "builtins" or base is tuple:
            yield base
    if dataclasses.is_dataclass(t):
        yield DATACLASS
    elif _is_pydantic_model(t):
        yield PYDANTIC_MODEL


def _is_pydantic_model(t: type) -> bool:
    # Checked by name so that pydantic is imported only when the user's type is a model.
    return any(
        base.__name__ == "BaseModel" and base.__module__.startswith("pydantic")
        for base in t.__mro__
    )
