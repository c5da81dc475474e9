"""JSON schemas of dataclasses as flytekit writes them (mashumaro's draft 2020-12), and back.

The schema travels in a dataclass's ``LiteralType.metadata``; a reader without the Python class
rebuilds an equivalent dataclass from it (:func:`python_type_from_schema`).
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime
import enum
import functools
import types
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

from flyte.errors import TypeTransformerFailedError
from flyte.types._codec import encoder, is_named_tuple, type_hints
from flyte.types._errors import describe_type

__all__ = ["json_schema", "python_type_from_schema"]

_NoneType = type(None)

_SCALARS: dict[Any, dict[str, Any]] = {
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    bool: {"type": "boolean"},
    _NoneType: {"type": "null"},
    bytes: {"type": "string", "format": "base64"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.timedelta: {"type": "number", "format": "time-delta"},
}


def json_schema(t: Any) -> dict[str, Any]:
    """The JSON schema of ``t``, inlining nested dataclasses as mashumaro does."""
    if t in _SCALARS:
        return dict(_SCALARS[t])
    if t is Any:
        return {}
    if t is dict:
        return {"type": "object"}
    if t is list:
        return {"type": "array"}
    origin, args = get_origin(t), get_args(t)
    if origin is Annotated:
        return json_schema(args[0])
    if origin is Union or origin is types.UnionType:
        return {"anyOf": [json_schema(a) for a in args]}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is list:
        return {"type": "array", "items": json_schema(args[0])}
    if origin is dict:
        return {
            "type": "object",
            "additionalProperties": json_schema(args[1]),
            "propertyNames": json_schema(args[0]),
        }
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": json_schema(args[0])}
        return _fixed_array([json_schema(a) for a in args])
    if isinstance(t, type):
        if issubclass(t, enum.Enum):
            return {"enum": [m.value for m in t]}
        if dataclasses.is_dataclass(t):
            return _dataclass_schema(t)
        if is_named_tuple(t):
            hints = type_hints(t)
            fields: tuple[str, ...] = t._fields  # type: ignore[attr-defined]
            return _fixed_array([json_schema(hints.get(f, Any)) for f in fields])
    raise TypeTransformerFailedError(f"no JSON schema for {describe_type(t)}")


def _fixed_array(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "array", "prefixItems": items, "maxItems": len(items), "minItems": len(items)}


def _dataclass_schema(cls: type) -> dict[str, Any]:
    hints = type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        field_type = hints.get(field.name, Any)
        schema = json_schema(field_type)
        if field.default is not dataclasses.MISSING:
            schema["default"] = _json_ready(encoder(field_type)(field.default))
        elif field.default_factory is dataclasses.MISSING:
            required.append(field.name)
        properties[field.name] = schema
    out: dict[str, Any] = {
        "type": "object",
        "title": cls.__name__,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


def _json_ready(value: Any) -> Any:
    """A msgpack-ready default as JSON has it: bytes in base64."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    return value


_FORMATS: dict[tuple[str, str], Any] = {
    ("string", "date-time"): datetime.datetime,
    ("string", "date"): datetime.date,
    ("string", "base64"): bytes,
    ("number", "time-delta"): datetime.timedelta,
}
_TYPES: dict[str, Any] = {
    "integer": int,
    "number": float,
    "string": str,
    "boolean": bool,
    "null": _NoneType,
}


def python_type_from_schema(schema: dict[str, Any]) -> Any:
    """A Python type for a JSON schema: a dataclass for an object with properties."""
    if "anyOf" in schema:
        variants = tuple(python_type_from_schema(s) for s in schema["anyOf"])
        return Union[variants] if len(variants) > 1 else variants[0]  # noqa: UP007 - built at run time
    if "enum" in schema:
        return Literal[tuple(schema["enum"])]
    kind = str(schema.get("type", ""))
    form = (kind, str(schema.get("format", "")))
    if form in _FORMATS:
        return _FORMATS[form]
    if kind in _TYPES:
        return _TYPES[kind]
    if kind == "array":
        if "prefixItems" in schema:
            return types.GenericAlias(
                tuple, tuple(python_type_from_schema(s) for s in schema["prefixItems"])
            )
        if "items" in schema:
            return types.GenericAlias(list, (python_type_from_schema(schema["items"]),))
        return list
    if kind == "object":
        if "properties" in schema:
            return _dataclass_from_schema(schema)
        if "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
            key = python_type_from_schema(schema.get("propertyNames", {"type": "string"}))
            value = python_type_from_schema(schema["additionalProperties"])
            return types.GenericAlias(dict, (key, value))
        return dict
    if not schema:
        return Any
    raise TypeTransformerFailedError(f"cannot build a Python type from the JSON schema {schema}")


def _dataclass_from_schema(schema: dict[str, Any]) -> type:
    properties: dict[str, Any] = schema["properties"]
    required = [name for name in schema.get("required", []) if name in properties]
    # Fields without a default first, as a dataclass needs; the others in a stable order.
    names = required + sorted(name for name in properties if name not in required)
    fields: list[Any] = []
    for name in names:
        prop = properties[name]
        field_type = python_type_from_schema(prop)
        if name in required:
            fields.append((name, field_type))
        else:
            default = prop.get("default")
            if isinstance(default, float) and default.is_integer() and field_type is int:
                default = int(default)  # a protobuf Struct holds every number as a float
            if isinstance(default, (list, dict)):
                factory = functools.partial(copy.deepcopy, default)
                fields.append((name, field_type, dataclasses.field(default_factory=factory)))
            else:
                nullable = Optional[field_type]  # type: ignore[valid-type]  # noqa: UP045
                fields.append((name, nullable if default is None else field_type, default))
    return dataclasses.make_dataclass(str(schema.get("title", "Schema")), fields)
