"""The one place connectors convert values: inputs from literals, outputs to literals and back.

Inputs are decoded with the Python types the task template's interface declares (guessed from its
literal types, as the backend only sends the template); outputs are encoded with the declared
output types, by name. Local runs and the service both call these, so a value converts the same
way in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flyteidl.core import interface_pb2, literals_pb2

from flyte.connectors._errors import ConnectorError
from flyte.errors import TypeTransformerFailedError
from flyte.types import TypeEngine

__all__ = ["declared_types", "outputs_to_literal_map"]


def declared_types(variables: interface_pb2.VariableMap) -> dict[str, type]:
    """The Python type of each variable of an interface, from its literal type.

    Raises :class:`TypeTransformerFailedError` naming the variable whose type cannot be guessed.
    """
    types: dict[str, type] = {}
    for name, variable in variables.variables.items():
        try:
            types[name] = TypeEngine.guess_python_type(variable.type)
        except TypeTransformerFailedError as exc:
            raise TypeTransformerFailedError(f"variable {name!r}: {exc}") from exc
    return types


async def outputs_to_literal_map(
    outputs: Mapping[str, Any] | literals_pb2.LiteralMap | None,
    python_types: Mapping[str, Any],
    where: str,
) -> literals_pb2.LiteralMap:
    """A connector's outputs as a ``LiteralMap`` of the declared outputs.

    Python values are converted by output name with ``python_types``; a name the task does not
    declare, or a declared one that is missing, raises :class:`ConnectorError` naming ``where``.
    """
    if isinstance(outputs, literals_pb2.LiteralMap):
        names = set(outputs.literals)
    else:
        names = set(outputs or {})
    extra = sorted(names - set(python_types))
    if extra:
        raise ConnectorError(
            f"{where} returned outputs {extra} that the task does not declare "
            f"(declared: {sorted(python_types) or 'none'})"
        )
    missing = sorted(set(python_types) - names)
    if missing:
        raise ConnectorError(
            f"{where} did not return the declared outputs {missing} (returned: {sorted(names) or 'none'})"
        )
    if isinstance(outputs, literals_pb2.LiteralMap):
        return outputs
    return await TypeEngine.to_literal_map(dict(outputs or {}), python_types)
