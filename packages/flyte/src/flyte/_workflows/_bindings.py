"""What a node's input is bound to: a promise, a constant, or a list or dict mixing the two.

A binding is checked against the input's type when the workflow is defined: a constant must
convert to the input's literal type (it is converted then, once), a promise must be of a type
whose literal type the input accepts. The result is flyteidl's ``BindingData``, as flytekit
writes it: a promise, a scalar, or a collection or map of bindings.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from flyte._workflows._castable import accepts
from flyte._workflows._promise import Promise
from flyte.errors import TypeTransformerFailedError, WorkflowDefinitionError
from flyte.types import TypeEngine
from flyte.types._errors import describe_type
from flyte.types._keys import normalize

__all__ = ["bind", "literal_binding", "promises_in"]


def bind(value: Any, python_type: Any, where: str) -> literals_pb2.BindingData:
    """The binding of ``value`` to an input of ``python_type``; ``where`` names the input.

    Raises :class:`WorkflowDefinitionError` naming the input, the value's type and the input's.
    """
    if isinstance(value, Promise):
        _check_promise(value, python_type, where)
        return literals_pb2.BindingData(promise=_reference(value))
    if _holds_promise(value):
        return _composite(value, python_type, where)
    try:
        literal = TypeEngine.to_literal_sync(value, python_type)
    except TypeTransformerFailedError as exc:
        raise WorkflowDefinitionError(f"{where}: {exc}") from exc
    return literal_binding(literal)


def literal_binding(literal: literals_pb2.Literal) -> literals_pb2.BindingData:
    """A constant's binding: its scalar, or a collection or map of the bindings of its items."""
    kind = literal.WhichOneof("value")
    if kind == "collection":
        return literals_pb2.BindingData(
            collection=literals_pb2.BindingDataCollection(
                bindings=[literal_binding(item) for item in literal.collection.literals]
            )
        )
    if kind == "map":
        return literals_pb2.BindingData(
            map=literals_pb2.BindingDataMap(
                bindings={k: literal_binding(v) for k, v in literal.map.literals.items()}
            )
        )
    return literals_pb2.BindingData(scalar=literal.scalar)


def promises_in(value: Any) -> list[Promise]:
    """Every promise inside ``value`` (itself, or in its lists and dicts), in order."""
    if isinstance(value, Promise):
        return [value]
    if isinstance(value, (list, tuple)):
        return [p for item in value for p in promises_in(item)]
    if isinstance(value, Mapping):
        return [p for item in value.values() for p in promises_in(item)]
    return []


def _holds_promise(value: Any) -> bool:
    return not isinstance(value, Promise) and bool(promises_in(value))


def _reference(promise: Promise) -> types_pb2.OutputReference:
    return types_pb2.OutputReference(node_id=promise.node_id, var=promise.var)


def _composite(value: Any, python_type: Any, where: str) -> literals_pb2.BindingData:
    origin = typing.get_origin(python_type)
    args = typing.get_args(python_type)
    if isinstance(value, (list, tuple)) and origin is list and args:
        return literals_pb2.BindingData(
            collection=literals_pb2.BindingDataCollection(
                bindings=[bind(item, args[0], f"{where}[{i}]") for i, item in enumerate(value)]
            )
        )
    if isinstance(value, Mapping) and origin is dict and len(args) == 2 and args[0] is str:
        return literals_pb2.BindingData(
            map=literals_pb2.BindingDataMap(
                bindings={
                    str(k): bind(item, args[1], f"{where}[{k!r}]") for k, item in value.items()
                }
            )
        )
    raise WorkflowDefinitionError(
        f"{where} is {describe_type(python_type)}, but is given a "
        f"{type(value).__name__} holding promises; a list or dict of promises binds only to "
        f"an input declared as list[T] or dict[str, T]"
    )


def _check_promise(promise: Promise, python_type: Any, where: str) -> None:
    given = TypeEngine.to_literal_type(promise.python_type)
    expected = TypeEngine.to_literal_type(python_type)
    if not accepts(expected, given):
        raise WorkflowDefinitionError(
            f"{where} is {describe_type(normalize(python_type))}, but {promise.describe()} is "
            f"bound to it; bind a value of that type, or change one of the two types"
        )
