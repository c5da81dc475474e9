"""The TypeTransformer base classes: how one Python type becomes a flyteidl literal and back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flyte.types._errors import mismatch

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, types_pb2

__all__ = ["SyncTypeTransformer", "TypeTransformer"]

T = TypeVar("T")


class TypeTransformer(Generic[T]):
    """Converts values of the Python type ``t`` to flyteidl literals and back.

    Subclasses give ``get_literal_type`` and the two async conversions; ``guess_python_type``
    and ``assert_type`` are optional. ``name`` is the transformer's name on the wire (the tag of
    a union variant and of ``structure.tag``) and in error messages.
    """

    def __init__(self, name: str, t: type[T]) -> None:
        self._name = name
        self._t = t

    @property
    def name(self) -> str:
        """The transformer's name, as union tags and error messages show it."""
        return self._name

    @property
    def python_type(self) -> type[T]:
        """The Python type this transformer converts."""
        return self._t

    def get_literal_type(self, t: type[T]) -> types_pb2.LiteralType:
        """The flyteidl ``LiteralType`` of the Python type ``t``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_literal_type")

    async def to_literal(
        self, python_val: T, python_type: type[T], expected: types_pb2.LiteralType
    ) -> literals_pb2.Literal:
        """Convert ``python_val`` to a ``Literal`` of the ``expected`` literal type."""
        raise NotImplementedError(f"{type(self).__name__} does not implement to_literal")

    async def to_python_value(self, lv: literals_pb2.Literal, expected_python_type: type[T]) -> T:
        """Convert the literal ``lv`` back to a value of ``expected_python_type``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement to_python_value")

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> type[T]:
        """The Python type a literal type stands for; by default this transformer's own type."""
        return self._t

    def assert_type(self, t: type[T], v: Any) -> None:
        """Raise :class:`TypeTransformerFailedError` when ``v`` is not a value of ``t``."""
        if not isinstance(v, t):
            raise mismatch(t, v)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, t={getattr(self._t, '__qualname__', self._t)})"


class SyncTypeTransformer(TypeTransformer[T]):
    """A transformer whose conversions need no event loop, so containers convert in bulk.

    Subclasses give :meth:`fill_literals` (write values into literals the caller provides) and
    :meth:`python_values` (read a run of literals); the single-value and async methods derive
    from those two. A list of a million ints is then one loop in one method, not a million
    awaits. :meth:`inner_types` names the types a value of ``t`` holds (a list's element type),
    so the engine knows whether the whole tree converts synchronously.
    """

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[literals_pb2.Literal],
    ) -> None:
        """Write each of ``values`` into the next empty literal of ``targets``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement fill_literals")

    def python_values(
        self, literals: Iterable[literals_pb2.Literal], python_type: Any
    ) -> list[Any]:
        """The Python values of ``literals``, in order."""
        raise NotImplementedError(f"{type(self).__name__} does not implement python_values")

    def inner_types(self, python_type: Any) -> tuple[Any, ...]:
        """The types a value of ``python_type`` holds and converts through the engine."""
        return ()

    def to_literal_sync(
        self, python_val: T, python_type: Any, expected: types_pb2.LiteralType
    ) -> literals_pb2.Literal:
        """Convert ``python_val`` to a ``Literal`` without an event loop."""
        from flyteidl.core import literals_pb2

        literal = literals_pb2.Literal()
        self.fill_literals((python_val,), python_type, expected, iter((literal,)))
        return literal

    def to_python_value_sync(self, lv: literals_pb2.Literal, expected_python_type: Any) -> T:
        """Convert the literal ``lv`` back to a Python value without an event loop."""
        value: T = self.python_values((lv,), expected_python_type)[0]
        return value

    async def to_literal(
        self, python_val: T, python_type: Any, expected: types_pb2.LiteralType
    ) -> literals_pb2.Literal:
        """Convert ``python_val`` to a ``Literal`` (synchronously, inside the coroutine)."""
        return self.to_literal_sync(python_val, python_type, expected)

    async def to_python_value(self, lv: literals_pb2.Literal, expected_python_type: Any) -> T:
        """Convert the literal ``lv`` back to a Python value (synchronously, inside the coroutine)."""
        return self.to_python_value_sync(lv, expected_python_type)
