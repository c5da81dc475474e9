"""Values held by reference inside a dataclass: File, Dir and DataFrame in msgpack, as flytekit.

Inside a dataclass (or any msgpack structure) flytekit writes a FlyteFile or FlyteDirectory as
``{"path": uri}`` and a StructuredDataset as ``{"uri": uri, "file_format": format}``, with the
JSON schemas below; so does this SDK, uploading a value that is only on this machine first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_origin

from flyte._storage import StorageError
from flyte.io._dir import Dir
from flyte.io._file import File
from flyte.io._stored import in_store
from flyte.types._io import format_of

__all__ = ["Reference", "add_reference", "reference_for"]

_OPTIONAL_PATH = {
    "default": None,
    "anyOf": [{"type": "string"}, {"type": "string", "format": "path"}],
}


@dataclass(frozen=True)
class Reference:
    """How one reference type is written in msgpack, read back, and described by a schema."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    schema: dict[str, Any]


def _encode_blob(kind: type[Any]) -> Callable[[Any], Any]:
    def encode(value: Any) -> Any:
        if not isinstance(value, kind):
            raise TypeError(f"expected a {kind.__name__}, got {type(value).__name__}")
        try:
            return {"path": value._uri_in_store()}
        except StorageError as exc:
            raise ValueError(str(exc)) from exc

    return encode


def _decode_blob(kind: type[Any], fmt: str) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get("path"), str):
            raise TypeError(f"expected {{'path': URI}} for a {kind.__name__}, got {value!r}")
        made = kind(value["path"], format=fmt)
        made._in_store = in_store(value["path"])
        return made

    return decode


_FILE_SCHEMA = {
    "title": "FlyteFile",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "path": _OPTIONAL_PATH,
        "metadata": {
            "default": None,
            "anyOf": [
                {
                    "type": "object",
                    "propertyNames": {"type": "string"},
                    "additionalProperties": {"type": "string"},
                },
                {"type": "null"},
            ],
        },
    },
}
_DIR_SCHEMA = {
    "title": "FlyteDirectory",
    "type": "object",
    "additionalProperties": False,
    "properties": {"path": _OPTIONAL_PATH},
}

#: Reference types other modules add (the DataFrame), by class.
_EXTRA: dict[type, Callable[[Any], Reference]] = {}


def add_reference(kind: type, make: Callable[[Any], Reference]) -> None:
    """Let values of ``kind`` live in msgpack structures, as ``make(python_type)`` says."""
    _EXTRA[kind] = make


def reference_for(t: Any) -> Reference | None:
    """How ``t`` (``File``, ``File[TypeVar("csv")]``, ``Dir``, ...) is held by reference, or None."""
    kind = get_origin(t) or t
    if kind is File or kind is Dir:
        return Reference(
            _encode_blob(kind),
            _decode_blob(kind, format_of(t)),
            _FILE_SCHEMA if kind is File else _DIR_SCHEMA,
        )
    make = _EXTRA.get(kind) if isinstance(kind, type) else None
    return make(t) if make is not None else None
