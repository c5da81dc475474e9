"""The ``resource_meta`` bytes the connector service hands the backend, and reads back.

A backend's ``GetTask`` carries no task template, yet outputs must be converted with the
task's declared types. So the service wraps the connector's own metadata with the declared
output interface, as JSON: ``{"meta": {...}, "outputs": "<base64 VariableMap>"}``. Everything a
later call needs is in the bytes, so any process of the service can answer it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flyteidl.core import interface_pb2
from google.protobuf.message import DecodeError

from flyte.connectors._errors import ResourceMetaError
from flyte.connectors._resource import decode_meta, encode_meta

__all__ = ["unwrap", "wrap"]


def wrap(meta: Any, outputs: interface_pb2.VariableMap) -> bytes:
    """The connector's ``meta`` and the task's declared ``outputs`` as one JSON document."""
    document = {
        "meta": json.loads(encode_meta(meta)),
        "outputs": base64.b64encode(outputs.SerializeToString(deterministic=True)).decode(),
    }
    return json.dumps(document, sort_keys=True).encode()


def unwrap(data: bytes, metadata_type: type) -> tuple[Any, interface_pb2.VariableMap]:
    """The connector's metadata (a ``metadata_type``) and the declared outputs in ``data``.

    Raises :class:`ResourceMetaError` when ``data`` is not what :func:`wrap` wrote.
    """
    try:
        document = json.loads(data)
        meta, outputs = document["meta"], document["outputs"]
        variables = interface_pb2.VariableMap.FromString(base64.b64decode(outputs, validate=True))
    except (ValueError, KeyError, TypeError, binascii.Error, DecodeError) as exc:
        raise ResourceMetaError(
            f"resource_meta is not one this connector service wrote for {metadata_type.__qualname__} "
            f"({type(exc).__name__}: {exc}); got {bytes(data[:40])!r}"
        ) from exc
    return decode_meta(metadata_type, json.dumps(meta).encode()), variables
