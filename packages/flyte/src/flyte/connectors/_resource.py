"""What a connector hands back: the metadata that finds a job again, and the job's current state.

Resource metadata crosses process boundaries (the backend stores it between calls), so it is
encoded as JSON, never pickled: decoding bytes from the wire can build nothing but the
dataclass's own fields, and each field's value is checked against its annotation (``str``,
``int``, ``float``, ``bool``, ``None``, ``Optional`` and unions, ``Literal``, ``list``, ``tuple``
and ``dict`` of them; a field of another type is given what the JSON holds), so a connector
never meets a value of the wrong type that a caller wrote.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin

from flyte.connectors._errors import ResourceMetaError

if TYPE_CHECKING:
    from flyteidl.core import execution_pb2, literals_pb2

__all__ = ["Resource", "ResourceMeta", "decode_meta", "encode_meta", "meta_from_fields"]

M = TypeVar("M")


def encode_meta(meta: Any) -> bytes:
    """``meta`` (a dataclass instance of JSON-representable fields) as UTF-8 JSON bytes."""
    if not dataclasses.is_dataclass(meta) or isinstance(meta, type):
        raise ResourceMetaError(
            f"resource metadata must be a dataclass instance, got {type(meta).__qualname__}"
        )
    try:
        return json.dumps(dataclasses.asdict(meta), sort_keys=True, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise ResourceMetaError(
            f"{type(meta).__qualname__} cannot be encoded as JSON: {exc}; give it fields of "
            f"JSON types (str, int, float, bool, None, lists and dicts of them)"
        ) from exc


def decode_meta(cls: type[M], data: bytes) -> M:
    """The ``cls`` instance that :func:`encode_meta` wrote as ``data``.

    Raises :class:`ResourceMetaError` naming ``cls`` when ``data`` is not JSON, not an object,
    or does not match the dataclass's fields.
    """
    try:
        fields = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ResourceMetaError(
            f"resource metadata for {cls.__qualname__} is not JSON ({exc}); got {bytes(data[:40])!r}"
        ) from exc
    return meta_from_fields(cls, fields)


def meta_from_fields(cls: type[M], fields: object) -> M:
    """The ``cls`` instance whose fields are the decoded JSON object ``fields``."""
    if not isinstance(fields, dict):
        raise ResourceMetaError(
            f"resource metadata for {cls.__qualname__} must be a JSON object, got {fields!r:.40}"
        )
    annotations = _field_types(typing.cast(type, cls))
    for name, value in fields.items():
        expected = annotations.get(name, Any)
        if not _holds(expected, value):
            raise ResourceMetaError(
                f"resource metadata field {name!r} of {cls.__qualname__} must be "
                f"{_describe(expected)}, got {type(value).__name__} {value!r:.40}"
            )
    try:
        return cls(**fields)
    except TypeError as exc:
        raise ResourceMetaError(
            f"resource metadata does not match {cls.__qualname__}: {exc}; got {fields!r:.80}"
        ) from exc


@functools.lru_cache(maxsize=256)
def _field_types(cls: type) -> dict[str, Any]:
    """The annotation of each field of the dataclass ``cls`` (none for another class)."""
    if not dataclasses.is_dataclass(cls):
        return {}
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        # An annotation only a type checker can resolve: such a field is not checked.
        hints = {}
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls)}


def _holds(t: Any, value: object) -> bool:
    """Whether the decoded JSON ``value`` is a value of the annotation ``t``."""
    if t is Any or t is object:
        return True
    if t is None or t is type(None):
        return value is None
    if t is bool:
        return isinstance(value, bool)
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if t is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t is str:
        return isinstance(value, str)
    origin, args = get_origin(t), get_args(t)
    if origin is typing.Annotated:
        return _holds(args[0], value)
    if origin is typing.Union or origin is types.UnionType:
        return any(_holds(a, value) for a in args)
    if origin is typing.Literal:
        return any(value == a and isinstance(value, bool) == isinstance(a, bool) for a in args)
    if t in (list, tuple) or origin in (list, tuple):
        # JSON has arrays only: a tuple field comes back as a list.
        if not isinstance(value, list):
            return False
        if origin is tuple and args and args[-1] is not Ellipsis:
            return len(value) == len(args) and all(map(_holds, args, value))
        return not args or all(_holds(args[0], v) for v in value)
    if t is dict or origin is dict:
        if not isinstance(value, dict):
            return False
        return not args or all(_holds(args[1], v) for v in value.values())
    return True


def _describe(t: Any) -> str:
    if isinstance(t, type) and get_origin(t) is None:
        return t.__qualname__
    return repr(t).replace("typing.", "")


@dataclass
class ResourceMeta:
    """The base of a connector's metadata: all it needs to find its job again, as JSON.

    Subclass it as a dataclass::

        @dataclass
        class BatchJobMetadata(ResourceMeta):
            job_id: str
    """

    def encode(self) -> bytes:
        """The metadata as JSON bytes."""
        return encode_meta(self)

    @classmethod
    def decode(cls: type[M], data: bytes) -> M:
        """The metadata that :meth:`encode` wrote; :class:`ResourceMetaError` on bad bytes."""
        return decode_meta(cls, data)


@dataclass
class Resource:
    """A job's state as a connector reports it.

    ``phase`` is a ``flyteidl.core.execution_pb2.TaskExecution`` phase; ``outputs`` are Python
    values by output name or a ``LiteralMap`` (read only in a terminal phase); ``log_links`` are
    ``TaskLog`` messages; ``custom_info`` is a JSON-like dict shown to the backend as a Struct.
    """

    phase: int
    message: str = ""
    log_links: list[execution_pb2.TaskLog] = field(default_factory=list)
    outputs: dict[str, Any] | literals_pb2.LiteralMap | None = None
    custom_info: dict[str, Any] | None = None
