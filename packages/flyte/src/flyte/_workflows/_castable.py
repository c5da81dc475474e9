"""Which literal types may feed which: the rules a Flyte backend's compiler applies to a workflow.

A promise bound to a node's input is checked with :func:`accepts` when the workflow is defined,
so a graph that runs locally is one the backend registers, and one it would refuse fails here,
naming the input, instead of at registration.
"""

from __future__ import annotations

from collections.abc import Callable

from flyteidl.core import types_pb2
from flyteidl.core.types_pb2 import LiteralType

__all__ = ["accepts"]


def accepts(expected: LiteralType, given: LiteralType) -> bool:
    """Whether a value of the literal type ``given`` may feed an input of ``expected``.

    As the backend has it: a union takes the one variant that takes the value (or, from a
    union, each variant of it); lists and maps go by their elements; a file or folder without a
    format takes any format of its dimensionality; a dataframe without columns takes any, one
    with columns takes a dataframe holding them all; a string and an enum take each other;
    records go by their schemas; other types must be the same, whatever their annotations. A union of one variant feeds what
    its variant feeds.
    """
    variants = list(given.union_type.variants)
    if len(variants) == 1 and accepts(expected, variants[0]):
        return True
    return _CHECKS.get(expected.WhichOneof("type") or "", _same)(expected, given)


def _union(expected: LiteralType, given: LiteralType) -> bool:
    options = expected.union_type.variants
    if given.HasField("union_type"):
        return all(any(accepts(e, g) for e in options) for g in given.union_type.variants)
    return sum(accepts(variant, given) for variant in options) == 1


def _collection(expected: LiteralType, given: LiteralType) -> bool:
    if not given.HasField("collection_type"):
        return False
    element = given.collection_type
    return _is_none(element) or accepts(expected.collection_type, element)


def _map(expected: LiteralType, given: LiteralType) -> bool:
    if not given.HasField("map_value_type"):
        return False
    value = given.map_value_type
    return _is_none(value) or accepts(expected.map_value_type, value)


def _blob(expected: LiteralType, given: LiteralType) -> bool:
    if not given.HasField("blob"):
        return False
    want, have = expected.blob, given.blob
    # The backend looks at formats only; a file fed to a folder input fails in every run, so
    # the dimensionality is checked too.
    if want.dimensionality != have.dimensionality:
        return False
    return not want.format or not have.format or want.format == have.format


def _dataframe(expected: LiteralType, given: LiteralType) -> bool:
    if _is_none(given):
        return True
    if not given.HasField("structured_dataset_type"):
        return False
    want, have = expected.structured_dataset_type, given.structured_dataset_type
    if want.format and have.format and want.format.lower() != have.format.lower():
        return False
    if not want.columns or not have.columns:
        return True
    offered = {c.name: c.literal_type for c in have.columns}
    return all(c.name in offered and accepts(c.literal_type, offered[c.name]) for c in want.columns)


def _same(expected: LiteralType, given: LiteralType) -> bool:
    if given.HasField("enum_type") and expected.simple == types_pb2.STRING:
        return True
    if expected.HasField("enum_type") and given.simple == types_pb2.STRING:
        return True
    if given.structure.tag and given.structure.tag != expected.structure.tag:
        return False
    if expected.simple == given.simple == types_pb2.STRUCT:
        # A dataclass's schema is its metadata: the same schema, or a side without one.
        if expected.HasField("metadata") and given.HasField("metadata"):
            return bool(expected.metadata == given.metadata)
        return True
    return _plain(expected) == _plain(given)


def _plain(literal_type: LiteralType) -> bytes:
    """The type without what the backend ignores when comparing two: its annotation, its
    structure and its metadata."""
    plain = LiteralType()
    plain.CopyFrom(literal_type)
    for ignored in ("annotation", "structure", "metadata"):
        plain.ClearField(ignored)
    serialized: bytes = plain.SerializeToString(deterministic=True)
    return serialized


def _is_none(literal_type: LiteralType) -> bool:
    return bool(
        literal_type.WhichOneof("type") == "simple" and literal_type.simple == types_pb2.NONE
    )


_CHECKS: dict[str, Callable[[LiteralType, LiteralType], bool]] = {
    "union_type": _union,
    "collection_type": _collection,
    "map_value_type": _map,
    "blob": _blob,
    "structured_dataset_type": _dataframe,
}
