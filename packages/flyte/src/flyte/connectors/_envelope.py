"""The ``resource_meta`` bytes the connector service hands the backend, and reads back.

A backend's ``GetTask`` carries no task template, yet outputs must be converted with the
task's declared types. So the service wraps the connector's own metadata with the declared
output interface, as JSON: ``{"meta": {...}, "outputs": "<base64 VariableMap>"}``. Everything a
later call needs is in the bytes, so any process of the service can answer it.

A backend polls the same bytes over and over, so the last ones parsed are kept: guessing the
output types anew on each poll would cost up to half a millisecond (a dataclass output is
rebuilt from its JSON schema) and a new class each time. The bytes come from the wire, so what
is kept is bounded by bytes as well as by entries, and metadata larger than 64 KiB is parsed on
every call, never kept.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import OrderedDict
from typing import Any

from flyteidl.core import interface_pb2
from google.protobuf.message import DecodeError

from flyte.connectors._convert import declared_types
from flyte.connectors._errors import ResourceMetaError
from flyte.connectors._resource import encode_meta, meta_from_fields
from flyte.errors import FlyteError

__all__ = ["unwrap", "wrap"]

# A connector's usual metadata is well under 1 KiB: these bounds keep thousands of jobs' parses.
_LARGEST_KEPT = 64 * 1024
_KEPT_BYTES = 8 * 1024 * 1024
_KEPT_ENTRIES = 4096

_Parsed = tuple[str, dict[str, type]]


class _RecentParses:
    """The parses of the resource_meta bytes seen last, bounded by entries and by bytes."""

    def __init__(self, largest: int, max_bytes: int, max_entries: int) -> None:
        self._largest = largest
        self._max_bytes = max_bytes
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[bytes, type], tuple[_Parsed, int]] = OrderedDict()
        self._bytes = 0
        # The service calls from its event loop; a local run may call from other threads.
        self._lock = threading.Lock()

    def get(self, key: tuple[bytes, type]) -> _Parsed | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: tuple[bytes, type], parsed: _Parsed) -> None:
        if len(key[0]) > self._largest:
            return
        size = len(key[0]) + len(parsed[0])
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (parsed, size)
            self._bytes += size
            while self._bytes > self._max_bytes or len(self._entries) > self._max_entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped


_recent = _RecentParses(_LARGEST_KEPT, _KEPT_BYTES, _KEPT_ENTRIES)


def wrap(meta: Any, outputs: interface_pb2.VariableMap) -> bytes:
    """The connector's ``meta`` and the task's declared ``outputs`` as one JSON document."""
    document = {
        "meta": json.loads(encode_meta(meta)),
        "outputs": base64.b64encode(outputs.SerializeToString(deterministic=True)).decode(),
    }
    return json.dumps(document, sort_keys=True).encode()


def unwrap(data: bytes, metadata_type: type) -> tuple[Any, dict[str, type]]:
    """The connector's metadata (a new ``metadata_type``) and the declared output types in ``data``.

    Raises :class:`ResourceMetaError` when ``data`` is not what :func:`wrap` wrote.
    """
    key = (bytes(data), metadata_type)
    parsed = _recent.get(key)
    if parsed is None:
        parsed = _parse(*key)
        _recent.put(key, parsed)
    fields, outputs = parsed
    # A fresh instance each call: a connector may change the metadata it is given.
    return meta_from_fields(metadata_type, json.loads(fields)), outputs


def _parse(data: bytes, metadata_type: type) -> _Parsed:
    try:
        document = json.loads(data)
        fields, outputs = json.dumps(document["meta"]), document["outputs"]
        variables = interface_pb2.VariableMap.FromString(base64.b64decode(outputs, validate=True))
    except (ValueError, KeyError, TypeError, binascii.Error, DecodeError) as exc:
        raise ResourceMetaError(
            f"resource_meta is not one this connector service wrote for {metadata_type.__qualname__} "
            f"({type(exc).__name__}: {exc}); got {data[:40]!r}"
        ) from exc
    try:
        return fields, declared_types(variables)
    except FlyteError as exc:
        raise ResourceMetaError(f"the declared outputs in resource_meta: {exc}") from exc
