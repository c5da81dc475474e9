"""``@flyte.workflow``: a function whose body wires tasks into a graph, built once when it is defined.

    @flyte.workflow
    def daily(day: str) -> str:
        raw = extract(day=day)
        return summarize(table=raw)

Its interface comes from its type hints (with defaults) and its descriptions from its docstring,
as a task's do. Calling it inside another workflow's body makes it a sub-workflow node; run it
with ``flyte.run`` or serialize it with ``flyte serialize``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flyteidl.core import literals_pb2

from flyte._tasks._docstring import Docstring, parse_docstring
from flyte._tasks._interface import (
    NativeInterface,
    describe_function,
    extract_interface,
    typed_interface,
)
from flyte._workflows._bindings import bind
from flyte._workflows._building import add_node
from flyte._workflows._graph import Graph, Node
from flyte._workflows._promise import NodeOutputs, Promise
from flyte.errors import TaskDefinitionError, WorkflowDefinitionError

if TYPE_CHECKING:
    from flyteidl.core import interface_pb2

__all__ = ["WorkflowTemplate", "workflow"]


class WorkflowTemplate:
    """A workflow: its name, interface, nodes and the bindings of its outputs.

    ``nodes`` are in the order the body called them; ``outputs`` binds each output (``o0``...,
    or a NamedTuple's fields) to a node's output, an input or a constant.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.module = _module_of(func)
        self.name = f"{self.module}.{func.__name__}"
        where = f"workflow '{self.name}' (function {describe_function(func)})"
        try:
            self.interface: NativeInterface = extract_interface(func)
            self.docs: Docstring = parse_docstring(func.__doc__)
            self.typed_interface: interface_pb2.TypedInterface = typed_interface(
                self.interface, where, self.docs
            )
        except TaskDefinitionError as exc:
            raise WorkflowDefinitionError(str(exc)) from None
        graph = Graph(self.name)
        inputs = {n: Promise("", n, t, self.name) for n, t in self.interface.inputs.items()}
        with graph.running(func):
            try:
                returned = func(**inputs)
            except NameError as exc:
                name = getattr(exc, "name", None)
                if name == func.__name__:
                    raise WorkflowDefinitionError(
                        f"{where} calls itself: a workflow is a graph fixed when it is defined, "
                        f"and a cycle cannot be one"
                    ) from None
                raise WorkflowDefinitionError(
                    f"{where} uses {name!r}, which is not defined yet: its body runs when the "
                    f"workflow is defined, so define the tasks and workflows it calls above it"
                ) from exc
        self.nodes: list[Node] = graph.nodes
        self.outputs: dict[str, literals_pb2.BindingData] = self._bind_outputs(returned, where)

    def _bind_outputs(self, returned: Any, where: str) -> dict[str, literals_pb2.BindingData]:
        names = list(self.interface.outputs)
        if not names:
            if returned is not None:
                raise WorkflowDefinitionError(
                    f"{where} returns a value but declares no output; add a return type hint"
                )
            return {}
        if len(names) == 1 and self.interface.output_tuple is None:
            values = [returned]
        elif isinstance(returned, tuple) and len(returned) == len(names):
            values = list(returned)
        else:
            raise WorkflowDefinitionError(
                f"{where} declares the outputs {', '.join(names)} but returns "
                f"{_shape(returned)}; return one value per output"
            )
        bindings = {}
        for name, value in zip(names, values, strict=True):
            if value is None and not _accepts_none(self.interface.outputs[name]):
                raise WorkflowDefinitionError(
                    f"{where}: its output '{name}' is left unbound; return the promise of the "
                    f"node that makes it"
                )
            bindings[name] = bind(value, self.interface.outputs[name], f"{where}: output '{name}'")
        return bindings

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Inside a workflow's body, a sub-workflow node; elsewhere, run it with ``flyte.run``."""
        return add_node(
            self,
            args,
            kwargs,
            described=f"workflow '{self.name}'",
            run_as=f"flyte.run({self.func.__name__}, ...)",
            error=WorkflowDefinitionError,
        )

    def __repr__(self) -> str:
        return f"WorkflowTemplate(name={self.name!r}, nodes={len(self.nodes)})"


def workflow(func: Callable[..., Any]) -> WorkflowTemplate:
    """Make a workflow of ``func``, whose body calls tasks, workflows and ``flyte.map``.

    The body runs once, now, with promises for its inputs. Raises
    :class:`flyte.errors.WorkflowDefinitionError` naming the workflow and what is wrong.
    """
    if not callable(func) or isinstance(func, WorkflowTemplate):
        raise WorkflowDefinitionError(f"@flyte.workflow decorates a function, got {func!r}")
    return WorkflowTemplate(func)


def _module_of(func: Callable[..., Any]) -> str:
    """The module a workflow's container imports it from: a script's name for ``__main__``."""
    module = func.__module__
    if module == "__main__":
        main = sys.modules.get("__main__")
        path = getattr(main, "__file__", None)
        return Path(path).stem if path else module
    return module


def _accepts_none(python_type: Any) -> bool:
    import typing

    return python_type is type(None) or type(None) in typing.get_args(python_type)


def _shape(value: Any) -> str:
    if isinstance(value, NodeOutputs):
        return f"the {len(value)} outputs of one node (unpack them or pick one by name)"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return "None" if value is None else "one value"
