"""The ``resource_meta`` bytes the connector service hands the backend, and reads back.

A backend's ``GetTask`` carries no task template nor the execution, yet outputs must be converted
with the task's declared types, and ``get`` and ``delete`` run under the execution's context. So
the connector's own metadata is wrapped with the declared output interface and the context, as
JSON: ``{"meta": {...}, "outputs": "<base64 VariableMap>", "context": {...}}``. Everything a
later call needs is in the bytes, so any process of the service can answer it; local runs take
the same encoding. The context's secrets are the reading process's own, never the bytes'.

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

from flyte._context import ExecutionId, TaskContext
from flyte._secrets import Secrets
from flyte.connectors._convert import declared_types
from flyte.connectors._errors import ResourceMetaError
from flyte.connectors._resource import encode_meta, meta_from_fields
from flyte.errors import FlyteError

__all__ = ["unwrap", "wrap"]

# A connector's usual metadata is well under 1 KiB: these bounds keep thousands of jobs' parses.
_LARGEST_KEPT = 64 * 1024
_KEPT_BYTES = 8 * 1024 * 1024
_KEPT_ENTRIES = 4096

_Parsed = tuple[str, dict[str, type], dict[str, Any]]


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
        size = 2 * len(key[0])  # the bytes, and at most as much again for what they hold
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (parsed, size)
            self._bytes += size
            while self._bytes > self._max_bytes or len(self._entries) > self._max_entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped


_recent = _RecentParses(_LARGEST_KEPT, _KEPT_BYTES, _KEPT_ENTRIES)


def wrap(meta: Any, outputs: interface_pb2.VariableMap, ctx: TaskContext) -> bytes:
    """The connector's ``meta``, the task's declared ``outputs`` and ``ctx`` as one JSON document."""
    document = {
        "meta": json.loads(encode_meta(meta)),
        "outputs": base64.b64encode(outputs.SerializeToString(deterministic=True)).decode(),
        "context": {
            "task": ctx.task_name,
            "execution": [ctx.execution_id.project, ctx.execution_id.domain, ctx.execution_id.name],
            "attempt": ctx.attempt,
            "raw_data_prefix": ctx.raw_data_prefix,
            "output_prefix": ctx.output_prefix,
        },
    }
    return json.dumps(document, sort_keys=True).encode()


def unwrap(
    data: bytes, metadata_type: type, *, local: bool
) -> tuple[Any, dict[str, type], TaskContext]:
    """The connector's metadata (a new ``metadata_type``), the declared output types and the
    context in ``data``; ``local`` is whether the reading process is a local run.

    Raises :class:`ResourceMetaError` when ``data`` is not what :func:`wrap` wrote.
    """
    key = (bytes(data), metadata_type)
    parsed = _recent.get(key)
    if parsed is None:
        parsed = _parse(*key)
        _recent.put(key, parsed)
    fields, outputs, context = parsed
    # A fresh instance each call: a connector may change the metadata it is given.
    meta: Any = meta_from_fields(metadata_type, json.loads(fields))
    return meta, outputs, TaskContext(**context, secrets=Secrets(local=local))


def _parse(data: bytes, metadata_type: type) -> _Parsed:
    try:
        document = json.loads(data)
        fields, outputs = json.dumps(document["meta"]), document["outputs"]
        variables = interface_pb2.VariableMap.FromString(base64.b64decode(outputs, validate=True))
        context = _context(document.get("context", {}))
    except (ValueError, KeyError, TypeError, binascii.Error, DecodeError) as exc:
        raise ResourceMetaError(
            f"resource_meta is not one this connector service wrote for {metadata_type.__qualname__} "
            f"({type(exc).__name__}: {exc}); got {data[:40]!r}"
        ) from exc
    try:
        return fields, declared_types(variables), context
    except FlyteError as exc:
        raise ResourceMetaError(f"the declared outputs in resource_meta: {exc}") from exc


def _context(fields: Any) -> dict[str, Any]:
    """The context's fields as :func:`wrap` wrote them; metadata written before the context was
    kept has none, and gets an empty one."""
    if not isinstance(fields, dict):
        raise TypeError(f"the context must be a JSON object, got {fields!r:.40}")
    project, domain, name = fields.get("execution", ["", "", ""])
    values = {
        "task_name": fields.get("task", ""),
        "execution_id": ExecutionId(project, domain, name),
        "attempt": fields.get("attempt", 0),
        "raw_data_prefix": fields.get("raw_data_prefix", ""),
        "output_prefix": fields.get("output_prefix", ""),
    }
    strings = [values["task_name"], project, domain, name]
    strings += [values["raw_data_prefix"], values["output_prefix"]]
    if not all(isinstance(v, str) for v in strings) or type(values["attempt"]) is not int:
        raise TypeError(f"the context holds values of the wrong types: {fields!r:.80}")
    return values
