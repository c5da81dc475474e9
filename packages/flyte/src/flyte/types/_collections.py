"""Transformers of ``list[T]`` and ``dict``: collections and maps of literals, or msgpack.

A list or a ``dict[str, T]`` whose element type converts synchronously is converted in one
call to the element transformer's bulk methods; only an element type with an async plugin
transformer is awaited, one element after the other.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any, get_args

from flyteidl.core import types_pb2
from flyteidl.core.literals_pb2 import Literal

from flyte.errors import TypeTransformerFailedError
from flyte.types._codec import CodecError, decoder, encoder
from flyte.types._errors import describe_type, mismatch
from flyte.types._msgpack import fill_msgpack, read_msgpack, struct_literal_type
from flyte.types._primitives import wrong_shape
from flyte.types._transformer import SyncTypeTransformer

__all__ = ["DictTransformer", "ListTransformer"]


def _engine() -> Any:
    from flyte.types._engine import TypeEngine

    return TypeEngine


def _sync_element(element_type: Any, container: Any) -> SyncTypeTransformer[Any]:
    transformer = _engine().sync_transformer(element_type)
    if transformer is None:
        raise TypeTransformerFailedError(
            f"the elements of {describe_type(container)} convert asynchronously: "
            f"use the async TypeEngine.to_literal / to_python_value"
        )
    return transformer  # type: ignore[no-any-return]


def _new_items(items: Any) -> Iterator[Literal]:
    """An endless supply of new literals appended to the repeated field ``items``."""
    # starmap calls add() in C, with no sentinel comparison (iter(add, None) would compare
    # each new message with None, which costs as much as building it).
    return itertools.starmap(items.add, itertools.repeat(()))


class ListTransformer(SyncTypeTransformer[Any]):
    """``list[T]`` as a literal collection of ``T`` literals."""

    def __init__(self) -> None:
        super().__init__("Typed List", list)

    @staticmethod
    def _element_type(t: Any) -> Any:
        args = get_args(t)
        if not args:
            raise TypeTransformerFailedError(
                "a bare list has no element type: write list[int], list[str], ..."
            )
        return args[0]

    def inner_types(self, python_type: Any) -> tuple[Any, ...]:
        """The element type."""
        return (self._element_type(python_type),)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """A ``collection_type`` of the element's literal type."""
        element = _engine().to_literal_type(self._element_type(t))
        return types_pb2.LiteralType(collection_type=element)

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """``list`` of the guessed element type."""
        return list[_engine().guess_python_type(literal_type.collection_type)]  # type: ignore[misc]

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each list as a literal collection, its elements in one bulk call."""
        element_type = self._element_type(python_type)
        element = _sync_element(element_type, python_type)
        element_expected = expected.collection_type
        for value, literal in zip(values, targets, strict=False):
            if not isinstance(value, (list, tuple)):
                raise mismatch(python_type, value)
            collection = literal.collection
            collection.SetInParent()
            element.fill_literals(
                value, element_type, element_expected, _new_items(collection.literals)
            )

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The lists of literal collections."""
        element_type = self._element_type(python_type)
        element = _sync_element(element_type, python_type)
        out: list[Any] = []
        for literal in literals:
            if literal.WhichOneof("value") != "collection":
                raise wrong_shape(literal, f"a collection for {describe_type(python_type)}")
            out.append(element.python_values(literal.collection.literals, element_type))
        return out

    async def to_literal(
        self, python_val: Any, python_type: Any, expected: types_pb2.LiteralType
    ) -> Literal:
        """Convert a list, awaiting the element transformer only when it is async."""
        element_type = self._element_type(python_type)
        engine = _engine()
        if engine.sync_transformer(element_type) is not None:
            return self.to_literal_sync(python_val, python_type, expected)
        if not isinstance(python_val, (list, tuple)):
            raise mismatch(python_type, python_val)
        literal = Literal()
        collection = literal.collection
        collection.SetInParent()
        for item in python_val:
            collection.literals.append(
                await engine.to_literal(item, element_type, expected.collection_type)
            )
        return literal

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        """Read a literal collection, awaiting the element transformer only when it is async."""
        element_type = self._element_type(expected_python_type)
        engine = _engine()
        if engine.sync_transformer(element_type) is not None:
            return self.to_python_value_sync(lv, expected_python_type)
        if lv.WhichOneof("value") != "collection":
            raise wrong_shape(lv, f"a collection for {describe_type(expected_python_type)}")
        return [await engine.to_python_value(item, element_type) for item in lv.collection.literals]


class DictTransformer(SyncTypeTransformer[Any]):
    """``dict[str, T]`` as a literal map; any other dict as msgpack, as flytekit does."""

    def __init__(self) -> None:
        super().__init__("Typed Dict", dict)

    @staticmethod
    def _value_type(t: Any) -> Any:
        """The value type of a ``dict[str, T]``; None for a dict that travels as msgpack."""
        args = get_args(t)
        return args[1] if args and args[0] is str else None

    def inner_types(self, python_type: Any) -> tuple[Any, ...]:
        """The value type of a ``dict[str, T]``."""
        value_type = self._value_type(python_type)
        return () if value_type is None else (value_type,)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """A ``map_value_type`` for ``dict[str, T]``, else a STRUCT in msgpack."""
        value_type = self._value_type(t)
        if value_type is None:
            encoder(t)
            return struct_literal_type()
        return types_pb2.LiteralType(map_value_type=_engine().to_literal_type(value_type))

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """``dict[str, T]`` for a map, ``dict`` for a msgpack STRUCT."""
        if literal_type.HasField("map_value_type"):
            return dict[str, _engine().guess_python_type(literal_type.map_value_type)]  # type: ignore[misc]
        return dict

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each dict as a literal map (values in one bulk call), or as msgpack."""
        value_type = self._value_type(python_type)
        if value_type is None:
            try:
                fill_msgpack(values, targets, encoder(python_type))
            except CodecError as exc:
                raise TypeTransformerFailedError(str(exc)) from None
            return
        element = _sync_element(value_type, python_type)
        element_expected = expected.map_value_type
        for value, literal in zip(values, targets, strict=False):
            _check_str_dict(value, python_type)
            literal_map = literal.map
            literal_map.SetInParent()
            entries = literal_map.literals
            element.fill_literals(
                value.values(), value_type, element_expected, map(entries.__getitem__, value)
            )

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The dicts of literal maps, or of msgpack binaries."""
        value_type = self._value_type(python_type)
        if value_type is None:
            return read_msgpack(literals, decoder(python_type))
        element = _sync_element(value_type, python_type)
        out: list[Any] = []
        for literal in literals:
            if literal.WhichOneof("value") != "map":
                raise wrong_shape(literal, f"a map for {describe_type(python_type)}")
            entries = literal.map.literals
            keys = list(entries)
            out.append(
                dict(
                    zip(
                        keys,
                        element.python_values(map(entries.__getitem__, keys), value_type),
                        strict=False,
                    )
                )
            )
        return out

    async def to_literal(
        self, python_val: Any, python_type: Any, expected: types_pb2.LiteralType
    ) -> Literal:
        """Convert a dict, awaiting the value transformer only when it is async."""
        value_type = self._value_type(python_type)
        engine = _engine()
        if value_type is None or engine.sync_transformer(value_type) is not None:
            return self.to_literal_sync(python_val, python_type, expected)
        _check_str_dict(python_val, python_type)
        literal = Literal()
        literal.map.SetInParent()
        for key, item in python_val.items():
            converted = await engine.to_literal(item, value_type, expected.map_value_type)
            literal.map.literals[key].CopyFrom(converted)
        return literal

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        """Read a literal map, awaiting the value transformer only when it is async."""
        value_type = self._value_type(expected_python_type)
        engine = _engine()
        if value_type is None or engine.sync_transformer(value_type) is not None:
            return self.to_python_value_sync(lv, expected_python_type)
        if lv.WhichOneof("value") != "map":
            raise wrong_shape(lv, f"a map for {describe_type(expected_python_type)}")
        return {
            key: await engine.to_python_value(item, value_type)
            for key, item in lv.map.literals.items()
        }


def _check_str_dict(value: Any, python_type: Any) -> None:
    if not isinstance(value, dict):
        raise mismatch(python_type, value)
    for key in value:
        if type(key) is not str and not isinstance(key, str):
            raise mismatch(python_type, value, f"the key {key!r} is not a str")
