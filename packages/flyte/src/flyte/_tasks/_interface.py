"""Interface extraction: a function's type hints as a NativeInterface, and its flyteidl TypedInterface."""

from __future__ import annotations

import contextlib
import inspect
import sys
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flyte.errors import TaskDefinitionError, TypeTransformerFailedError

if TYPE_CHECKING:
    from flyteidl.core import interface_pb2

    from flyte._tasks._docstring import Docstring

__all__ = ["NativeInterface", "describe_function", "extract_interface", "typed_interface"]


@dataclass(frozen=True)
class NativeInterface:
    """A task's inputs and outputs as Python types, by name.

    ``defaults`` holds only the inputs that have a default. Outputs are named as flytekit names
    them: ``o0`` for a single value, ``o0``..``oN`` for a tuple, the field names of a NamedTuple.
    """

    inputs: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    #: The NamedTuple class a function returns, to rebuild its outputs; None otherwise.
    output_tuple: type | None = None

    @classmethod
    def from_function(cls, func: Callable[..., Any]) -> NativeInterface:
        """The interface of ``func`` from its type hints (see :func:`extract_interface`)."""
        return extract_interface(func)

    def name_mismatch(self, names: Collection[str]) -> str | None:
        """What is wrong with giving the inputs ``names``, as the end of a sentence about the
        task (``has no input 'x'; its inputs are a, b``), or None when they fit: every name is
        an input and every input without a default is named."""
        unknown = [n for n in names if n not in self.inputs]
        if unknown:
            return (
                f"has no input {', '.join(map(repr, unknown))}; its inputs are "
                f"{', '.join(self.inputs) or 'none'}"
            )
        missing = [n for n in self.inputs if n not in names and n not in self.defaults]
        if missing:
            from flyte.types._errors import describe_type

            return (
                f"is missing the input {', '.join(map(repr, missing))} "
                f"({', '.join(describe_type(self.inputs[n]) for n in missing)})"
            )
        return None

    def outputs_to_dict(self, result: Any) -> dict[str, Any]:
        """A task's return value as its outputs by name.

        Raises :class:`TypeError` when a task with several outputs does not return a tuple of
        that length.
        """
        names = list(self.outputs)
        if not names:
            return {}
        if len(names) == 1 and self.output_tuple is None:
            return {names[0]: result}
        if not isinstance(result, tuple) or len(result) != len(names):
            raise TypeError(
                f"expected a tuple of {len(names)} values for the outputs {', '.join(names)}, "
                f"got {type(result).__name__}: {result!r:.80}"
            )
        return dict(zip(names, result, strict=True))

    def outputs_from_dict(self, values: Mapping[str, Any]) -> Any:
        """Outputs by name as a task returns them: None, the single value, or a tuple."""
        names = list(self.outputs)
        if not names:
            return None
        if len(names) == 1 and self.output_tuple is None:
            return values[names[0]]
        ordered = [values[n] for n in names]
        if self.output_tuple is not None:
            return self.output_tuple(*ordered)
        return tuple(ordered)


def describe_function(func: Callable[..., Any]) -> str:
    """The function as error messages name it: ``module.qualname``."""
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"


def extract_interface(func: Callable[..., Any]) -> NativeInterface:
    """The inputs (with their defaults) and the named outputs of ``func``, from its type hints.

    Raises :class:`TaskDefinitionError` naming the function and the parameter for a missing type
    hint, ``*args``/``**kwargs``, a positional-only parameter or a hint that cannot be resolved.
    """
    where = describe_function(func)
    hints = _type_hints(func, where)
    signature = inspect.signature(func)
    inputs: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise TaskDefinitionError(
                f"{where}: parameter '{star}{name}' is not supported; a task's inputs are named "
                f"parameters with type hints"
            )
        if param.kind is param.POSITIONAL_ONLY:
            raise TaskDefinitionError(
                f"{where}: parameter '{name}' is positional-only; a task's inputs are passed by name"
            )
        if name not in hints:
            raise TaskDefinitionError(
                f"{where}: parameter '{name}' has no type hint; add one, e.g. '{name}: int'"
            )
        inputs[name] = hints[name]
        if param.default is not param.empty:
            defaults[name] = param.default
    outputs, output_tuple = _outputs(hints.get("return", None), where)
    return NativeInterface(inputs, defaults, outputs, output_tuple)


def _type_hints(func: Callable[..., Any], where: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func, include_extras=True)
    except NameError as exc:
        # Under `from __future__ import annotations` a hint naming a class local to the function
        # that defines the task resolves only in that function's frame: try the callers' frames.
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_globals.get("__name__", "").split(".")[0] != "flyte":
                with contextlib.suppress(NameError):
                    return typing.get_type_hints(
                        func, localns=dict(frame.f_locals), include_extras=True
                    )
            frame = frame.f_back  # type: ignore[assignment]
        raise TaskDefinitionError(f"cannot resolve the type hints of {where}: {exc}") from exc
    except Exception as exc:
        raise TaskDefinitionError(f"cannot resolve the type hints of {where}: {exc}") from exc


def _outputs(hint: Any, where: str) -> tuple[dict[str, Any], type | None]:
    if hint is None or hint is type(None):
        return {}, None
    if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):
        fields = typing.get_type_hints(hint, include_extras=True)
        return {f: fields[f] for f in hint._fields}, hint
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            raise TaskDefinitionError(
                f"{where}: the return type {hint} has no fixed length; return a tuple of "
                f"fixed length (one output each) or a list"
            )
        return {f"o{i}": t for i, t in enumerate(args)}, None
    return {"o0": hint}, None


def typed_interface(
    interface: NativeInterface, where: str, docs: Docstring
) -> interface_pb2.TypedInterface:
    """The flyteidl ``TypedInterface`` of ``interface``, each variable described as ``docs`` says.

    A variable the docstring does not describe is described by its name, as flytekit does.
    Raises :class:`TaskDefinitionError` naming ``where`` and the input or output whose type the
    type engine cannot convert.
    """
    from flyteidl.core import interface_pb2

    outputs = docs.output_descriptions(list(interface.outputs))
    return interface_pb2.TypedInterface(
        inputs=_variable_map(interface.inputs, docs.params, where, "input"),
        outputs=_variable_map(interface.outputs, outputs, where, "output"),
    )


def _variable_map(
    python_types: Mapping[str, Any], descriptions: Mapping[str, str], where: str, role: str
) -> interface_pb2.VariableMap:
    from flyteidl.core import interface_pb2

    from flyte.types import TypeEngine

    variables = {}
    for name, python_type in python_types.items():
        try:
            literal_type = TypeEngine.to_literal_type(python_type)
        except TypeTransformerFailedError as exc:
            raise TaskDefinitionError(
                f"{where}: {role} '{name}' has the unsupported type {_type_name(python_type)}: "
                f"{exc}"
            ) from exc
        description = descriptions.get(name, name)
        variables[name] = interface_pb2.Variable(type=literal_type, description=description)
    return interface_pb2.VariableMap(variables=variables)


def _type_name(t: Any) -> str:
    return getattr(t, "__qualname__", None) or repr(t)
