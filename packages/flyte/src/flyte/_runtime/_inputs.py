"""Command-line inputs: a string becomes a Python value through the type engine.

The string is read as JSON where the input's literal type is structured (lists, maps, dataclasses
and other structs, unions), as an ISO date for datetimes, as a duration in seconds, units
(``1h30m``), ISO 8601 or ``H:MM:SS`` for timedeltas, as an enum member's name or value, as
itself for strings, and as a local path or an object-store URI for files, folders and
dataframes (a local one is uploaded to the raw-data store when the run starts). The JSON value is turned into a literal of the input's literal type, and
the type engine's transformer (a plugin's, for a custom type) makes the Python value of it.
"""

from __future__ import annotations

import datetime
import enum
import json
import os
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte import _storage
from flyte._runtime._durations import DURATION_FORMS, parse_duration
from flyte.errors import TaskInputError

__all__ = ["parse_input"]

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


async def parse_input(name: str, text: str, python_type: Any) -> Any:
    """The Python value of the command-line input ``name`` given as ``text``.

    Raises :class:`TaskInputError` naming the input and its expected type when ``text`` does
    not fit.
    """
    from flyte.types import TypeEngine

    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return _enum_member(name, text, python_type)
    literal_type = TypeEngine.to_literal_type(python_type)
    try:
        literal = _literal(_json_or_text(text, literal_type), literal_type)
        return await TypeEngine.to_python_value(literal, python_type)
    except Exception as exc:
        raise TaskInputError(
            f"input '{name}': cannot read {text!r} as {_type_name(python_type)}: {exc}"
        ) from exc


def _enum_member(name: str, text: str, enum_type: type[enum.Enum]) -> enum.Enum:
    if text in enum_type.__members__:
        return enum_type[text]
    for member in enum_type:
        if str(member.value) == text:
            return member
    raise TaskInputError(
        f"input '{name}': {text!r} is not a member of {enum_type.__qualname__} "
        f"({', '.join(enum_type.__members__)})"
    )


def _json_or_text(text: str, literal_type: types_pb2.LiteralType) -> Any:
    kind = literal_type.WhichOneof("type")
    if kind in ("blob", "structured_dataset_type") or (
        kind == "simple" and literal_type.simple in (types_pb2.STRING, types_pb2.DATETIME)
    ):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _literal(value: Any, literal_type: types_pb2.LiteralType) -> literals_pb2.Literal:
    """A literal of ``literal_type`` holding the JSON value ``value``."""
    kind = literal_type.WhichOneof("type")
    if kind == "collection_type":
        if not isinstance(value, list):
            raise ValueError(f"expected a JSON list, got {value!r}")
        items = [_literal(v, literal_type.collection_type) for v in value]
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(literals=items))
    if kind == "map_value_type":
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {value!r}")
        entries = {str(k): _literal(v, literal_type.map_value_type) for k, v in value.items()}
        return literals_pb2.Literal(map=literals_pb2.LiteralMap(literals=entries))
    if kind == "union_type":
        return _union(value, literal_type)
    if kind == "enum_type":
        return _scalar(primitive=literals_pb2.Primitive(string_value=str(value)))
    if kind == "simple":
        return _simple(value, literal_type.simple)
    if kind == "blob":
        uri = _location(value, literal_type.blob.dimensionality == types_pb2.BlobType.MULTIPART)
        blob = literals_pb2.Blob(
            uri=uri, metadata=literals_pb2.BlobMetadata(type=literal_type.blob)
        )
        return _scalar(blob=blob)
    if kind == "structured_dataset_type":
        dataset_type = types_pb2.StructuredDatasetType()
        dataset_type.CopyFrom(literal_type.structured_dataset_type)
        dataset_type.format = dataset_type.format or "parquet"
        metadata = literals_pb2.StructuredDatasetMetadata(structured_dataset_type=dataset_type)
        uri = _location(value, None)
        return _scalar(
            structured_dataset=literals_pb2.StructuredDataset(uri=uri, metadata=metadata)
        )
    raise ValueError(f"the literal type {kind} cannot be given on the command line")


def _location(value: Any, folder: bool | None) -> str:
    """An object-store URI as given, or a local path made absolute once checked to be there."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a path or URI, got {value!r}")
    if not _storage.is_local(value):
        return value
    path = os.path.abspath(_storage.local_path(value))
    if folder is True and not os.path.isdir(path):
        raise ValueError(f"no folder at {path}")
    if folder is False and not os.path.isfile(path):
        raise ValueError(f"no file at {path}")
    if folder is None and not os.path.exists(path):
        raise ValueError(f"nothing at {path}")
    return path


def _union(value: Any, literal_type: types_pb2.LiteralType) -> literals_pb2.Literal:
    errors = []
    for variant in literal_type.union_type.variants:
        try:
            inner = _literal(value, variant)
        except (ValueError, TypeError) as exc:
            errors.append(str(exc))
            continue
        return _scalar(union=literals_pb2.Union(value=inner, type=variant))
    raise ValueError(f"{value!r} fits no variant of the union: {'; '.join(errors)}")


def _simple(value: Any, simple: int) -> literals_pb2.Literal:
    if simple == types_pb2.NONE:
        if value not in (None, "", "null", "None"):
            raise ValueError(f"expected null, got {value!r}")
        return _scalar(none_type=literals_pb2.Void())
    if simple == types_pb2.STRUCT:
        import msgpack  # type: ignore[import-untyped, unused-ignore]

        return _scalar(binary=literals_pb2.Binary(value=msgpack.packb(value), tag="msgpack"))
    primitive = literals_pb2.Primitive()
    if simple == types_pb2.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {value!r}")
        primitive.integer = value
    elif simple == types_pb2.FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {value!r}")
        primitive.float_value = float(value)
    elif simple == types_pb2.BOOLEAN:
        primitive.boolean = _bool(value)
    elif simple == types_pb2.STRING:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        primitive.string_value = value
    elif simple == types_pb2.DATETIME:
        moment = datetime.datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        primitive.datetime.FromDatetime(moment.astimezone(datetime.timezone.utc))
    elif simple == types_pb2.DURATION:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a duration: {DURATION_FORMS}; got {value!r}")
        duration = (
            parse_duration(value) if isinstance(value, str) else datetime.timedelta(seconds=value)
        )
        primitive.duration.FromTimedelta(duration)
    else:
        raise ValueError(f"the simple type {types_pb2.SimpleType.Name(simple)} cannot be given")
    return _scalar(primitive=primitive)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _scalar(**kwargs: Any) -> literals_pb2.Literal:
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(**kwargs))


def _type_name(t: Any) -> str:
    return getattr(t, "__qualname__", None) or repr(t)
