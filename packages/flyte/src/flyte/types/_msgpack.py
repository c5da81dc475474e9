"""The msgpack ``Binary`` literal that dataclasses, tuples and loose dicts travel in.

flytekit writes these as ``scalar.binary{value: msgpack bytes, tag: "msgpack"}`` under a
``STRUCT`` literal type annotated ``{"cache-key-metadata": {"serialization-format": "msgpack"}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import msgpack  # type: ignore[import-untyped]
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import struct_pb2

from flyte.errors import TypeTransformerFailedError
from flyte.types._primitives import wrong_shape

__all__ = ["TAG", "fill_msgpack", "read_msgpack", "struct_literal_type"]

TAG = "msgpack"
_ANNOTATION = {"cache-key-metadata": {"serialization-format": TAG}}


def struct_literal_type(
    schema: Mapping[str, Any] | None = None,
    fields: Mapping[str, types_pb2.LiteralType] | None = None,
) -> types_pb2.LiteralType:
    """A STRUCT literal type in msgpack, with a JSON schema and per-field types if given."""
    literal_type = types_pb2.LiteralType(simple=types_pb2.SimpleType.STRUCT)
    literal_type.annotation.annotations.update(_ANNOTATION)
    if schema is not None:
        literal_type.metadata.update(schema)
    if fields is not None:
        literal_type.structure.SetInParent()
        for name, field_type in fields.items():
            literal_type.structure.dataclass_type[name].CopyFrom(field_type)
    return literal_type


def struct_to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A protobuf Struct as plain Python data."""
    from google.protobuf import json_format

    data: dict[str, Any] = json_format.MessageToDict(struct)
    return data


def fill_msgpack(
    values: Iterable[Any],
    targets: Iterator[literals_pb2.Literal],
    encode: Callable[[Any], Any],
) -> None:
    """Encode each value and write it as a msgpack binary literal."""
    packb = msgpack.packb
    for value, literal in zip(values, targets, strict=False):
        try:
            data = packb(encode(value))
        except TypeTransformerFailedError:
            raise
        except (TypeError, ValueError, OverflowError) as exc:
            # msgpack refuses what it cannot carry (a set, an int beyond 64 bits, depth).
            raise TypeTransformerFailedError(
                f"cannot write {type(value).__name__} as msgpack: {exc}"
            ) from None
        binary = literal.scalar.binary
        binary.value = data
        binary.tag = TAG


def read_msgpack(
    literals: Iterable[literals_pb2.Literal], decode: Callable[[Any], Any]
) -> list[Any]:
    """Decode the msgpack binary literals; a literal of another shape or corrupt bytes is an error."""
    unpackb = msgpack.unpackb
    out: list[Any] = []
    for literal in literals:
        binary = literal.scalar.binary
        if binary.tag != TAG:
            raise wrong_shape(literal, "a msgpack binary")
        try:
            data = unpackb(binary.value, strict_map_key=False)
        except Exception as exc:
            # msgpack raises several types for bad input (ExtraData, FormatError, StackError,
            # ValueError on truncation, UnicodeDecodeError): all mean the bytes are not ours.
            raise TypeTransformerFailedError(
                f"corrupt msgpack in a binary literal ({type(exc).__name__}: {exc})"
            ) from None
        out.append(decode(data))
    return out
