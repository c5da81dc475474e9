"""What a connector hands back: the metadata that finds a job again, and the job's current state.

Resource metadata crosses process boundaries (the backend stores it between calls), so it is
encoded as JSON, never pickled: decoding bytes from the wire can build nothing but the
dataclass's own fields.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

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
    try:
        return cls(**fields)
    except TypeError as exc:
        raise ResourceMetaError(
            f"resource metadata does not match {cls.__qualname__}: {exc}; got {fields!r:.80}"
        ) from exc


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
