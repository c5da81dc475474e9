"""The ``resource_meta`` bytes the connector service hands the backend, and reads back.

A backend's ``GetTask`` carries no task template, yet outputs must be converted with the
task's declared types. So the service wraps the connector's own metadata with the declared
output interface, as JSON: ``{"meta": {...}, "outputs": "<base64 VariableMap>"}``. Everything a
later call needs is in the bytes, so any process of the service can answer it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from typing import Any

from flyteidl.core import interface_pb2
from google.protobuf.message import DecodeError

from flyte.connectors._convert import declared_types
from flyte.connectors._errors import ResourceMetaError
from flyte.connectors._resource import encode_meta, meta_from_fields
from flyte.errors import FlyteError

__all__ = ["unwrap", "wrap"]


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
    fields, outputs = _parse(bytes(data), metadata_type)
    # A fresh instance each call: a connector may change the metadata it is given.
    return meta_from_fields(metadata_type, json.loads(fields)), outputs


@functools.lru_cache(maxsize=4096)
def _parse(data: bytes, metadata_type: type) -> tuple[str, dict[str, type]]:
    # A backend polls the same bytes over and over; parsing them once serves every poll.
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
