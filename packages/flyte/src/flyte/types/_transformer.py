"""The TypeTransformer base class: how one Python type becomes a flyteidl literal and back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flyte.errors import TypeTransformerFailedError

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, types_pb2

__all__ = ["TypeTransformer"]

T = TypeVar("T")


class TypeTransformer(Generic[T]):
    """Converts values of the Python type ``t`` to flyteidl literals and back.

    Subclasses give ``get_literal_type`` and the two async conversions; ``guess_python_type``
    and ``assert_type`` are optional. ``name`` is the transformer's name on the wire (the tag of
    a union variant) and in error messages.
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
            raise TypeTransformerFailedError(
                f"expected a value of type {getattr(t, '__name__', t)}, "
                f"got {type(v).__name__}: {v!r:.80}"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, t={getattr(self._t, '__qualname__', self._t)})"
