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
import keyword
import types
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

from flyte.errors import TypeTransformerFailedError
from flyte.types._codec import encoder, is_named_tuple, type_hints
from flyte.types._errors import describe_type, short_repr
from flyte.types._references import reference_for

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
    reference = reference_for(t)
    if reference is not None:
        return copy.deepcopy(reference.schema)
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


def python_type_from_schema(schema: Any, where: str = "") -> Any:
    """A Python type for a JSON schema: a dataclass for an object with properties.

    The schema comes with a literal type, so from whoever wrote it: anything it cannot describe
    raises :class:`TypeTransformerFailedError` naming the part at fault (``where`` is that
    part's path, from the property down), never another exception.
    """
    if not where:
        title = schema.get("title") if isinstance(schema, dict) else None
        where = f"the JSON schema of {title!r}" if isinstance(title, str) else "the JSON schema"
    if not isinstance(schema, dict):
        raise TypeTransformerFailedError(f"{where} is not a JSON object: {short_repr(schema)}")
    if "anyOf" in schema:
        options = _items(schema, "anyOf", where)
        if not options:
            raise TypeTransformerFailedError(f"{where} has an empty 'anyOf': no type can match it")
        variants = tuple(
            python_type_from_schema(s, f"anyOf[{i}] of {where}") for i, s in enumerate(options)
        )
        return Union[variants] if len(variants) > 1 else variants[0]  # noqa: UP007 - built at run time
    if "enum" in schema:
        return _literal(_items(schema, "enum", where), where)
    kind = schema.get("type", "")
    form = (kind, schema.get("format", ""))
    if isinstance(kind, str) and isinstance(form[1], str):
        if form in _FORMATS:
            return _FORMATS[form]
        if kind in _TYPES:
            return _TYPES[kind]
    if kind == "array":
        if "prefixItems" in schema:
            items = _items(schema, "prefixItems", where)
            members = (
                python_type_from_schema(s, f"prefixItems[{i}] of {where}")
                for i, s in enumerate(items)
            )
            return types.GenericAlias(tuple, tuple(members))
        if "items" in schema:
            item = python_type_from_schema(schema["items"], f"the items of {where}")
            return types.GenericAlias(list, (item,))
        return list
    if kind == "object":
        if "properties" in schema:
            return _dataclass_from_schema(schema, where)
        if "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
            names = schema.get("propertyNames", {"type": "string"})
            key = python_type_from_schema(names, f"the propertyNames of {where}")
            value = python_type_from_schema(
                schema["additionalProperties"], f"the additionalProperties of {where}"
            )
            return types.GenericAlias(dict, (key, value))
        return dict
    if not schema:
        return Any
    raise TypeTransformerFailedError(
        f"cannot build a Python type from {where}: {short_repr(schema)}"
    )


def _items(schema: dict[str, Any], key: str, where: str) -> list[Any]:
    value = schema[key]
    if not isinstance(value, list):
        raise TypeTransformerFailedError(
            f"{where} has a {key!r} that is not a list: {short_repr(value)}"
        )
    return value


def _literal(values: list[Any], where: str) -> Any:
    if not values:
        raise TypeTransformerFailedError(f"{where} has an empty 'enum': no value can match it")
    wrong = [v for v in values if not isinstance(v, (str, int, float, bool, type(None)))]
    if wrong:
        raise TypeTransformerFailedError(
            f"{where} has an 'enum' value that is not a JSON scalar: {short_repr(wrong[0])}"
        )
    return Literal[tuple(values)]


def _dataclass_from_schema(schema: dict[str, Any], where: str) -> type:
    properties = schema["properties"]
    if not isinstance(properties, dict):
        raise TypeTransformerFailedError(
            f"{where} has 'properties' that are not a JSON object: {short_repr(properties)}"
        )
    for name in properties:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise TypeTransformerFailedError(
                f"{where} has a property {name!r}, which cannot be a field of a Python "
                f"dataclass (not an identifier, or a keyword)"
            )
    required = _required(schema, properties, where)
    # Fields without a default first, as a dataclass needs; the others in a stable order.
    names = required + sorted(name for name in properties if name not in required)
    fields: list[Any] = []
    for name in names:
        prop = properties[name]
        field_type = python_type_from_schema(prop, f"property {name!r} of {where}")
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


def _required(schema: dict[str, Any], properties: dict[str, Any], where: str) -> list[str]:
    """The required properties, in order; a name listed twice is refused."""
    listed = _items(schema, "required", where) if "required" in schema else []
    seen: set[Any] = set()
    for name in listed:
        if not isinstance(name, str):
            raise TypeTransformerFailedError(
                f"{where} has a 'required' entry that is not a name: {short_repr(name)}"
            )
        if name in seen:
            raise TypeTransformerFailedError(
                f"{where} lists the property {name!r} twice in 'required'"
            )
        seen.add(name)
    return [name for name in listed if name in properties]
