"""A workflow's graph, built by running its body once: nodes, their bindings, their upstream nodes.

Node ids are ``n0``, ``n1``, ... in the order the body calls them, as flytekit numbers them. Each
node's inputs are bound by name (sorted, as flytekit writes them); an input the call leaves out
is bound to its default, a constant; its upstream nodes are those its promises come from.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flyteidl.core import literals_pb2

from flyte._tasks._interface import NativeInterface
from flyte._workflows._bindings import bind, promises_in
from flyte._workflows._building import building
from flyte._workflows._promise import NodeOutputs, Promise
from flyte.errors import WorkflowDefinitionError

__all__ = ["Graph", "Node", "outputs_of"]


@dataclass(eq=False)
class Node:
    """One call in a workflow's body: what it runs, its bound inputs, the nodes it waits for.

    ``entity`` is a task (a map's task too) or a workflow; ``bindings`` are by input name, sorted;
    ``upstream`` are node ids, sorted.
    """

    id: str
    entity: Any
    bindings: dict[str, literals_pb2.BindingData]
    upstream: tuple[str, ...]


@dataclass(eq=False)
class Graph:
    """The nodes of one workflow, as its body calls them; the builder of ``building``."""

    workflow: str
    nodes: list[Node] = field(default_factory=list)

    def call(self, entity: Any, inputs: Mapping[str, Any]) -> Any:
        """Add a node running ``entity`` on ``inputs``; return promises of its outputs."""
        interface: NativeInterface = entity.interface
        where = f"workflow '{self.workflow}': {describe_entity(entity)}"
        mismatch = interface.name_mismatch(inputs)
        if mismatch:
            raise WorkflowDefinitionError(f"{where} {mismatch}")
        values = {n: inputs[n] if n in inputs else interface.defaults[n] for n in interface.inputs}
        bindings = {
            name: bind(values[name], interface.inputs[name], f"{where}: input '{name}'")
            for name in sorted(values)
        }
        upstream = sorted({p.node_id for v in values.values() for p in promises_in(v) if p.node_id})
        node = Node(f"n{len(self.nodes)}", entity, bindings, tuple(upstream))
        self.nodes.append(node)
        return outputs_of(node.id, interface, self.workflow)

    @contextmanager
    def running(self, body: Callable[..., Any]) -> Iterator[None]:
        """Build inside the block; a plain function the body calls with a promise is refused."""
        previous = sys.getprofile()
        code = body.__code__

        def watch(frame: types.FrameType, event: str, arg: Any) -> None:
            if event == "call" and frame.f_back is not None and frame.f_back.f_code is code:
                _refuse_plain_call(self.workflow, frame)
            if previous is not None:
                previous(frame, event, arg)  # type: ignore[arg-type]  # the event, passed on

        with building(self):
            sys.setprofile(watch)
            try:
                yield
            finally:
                sys.setprofile(previous)


def outputs_of(node_id: str, interface: NativeInterface, workflow: str) -> Any:
    """The promises of a node's outputs: None, one promise, or one per output (by name, unpacked)."""
    promises = [Promise(node_id, name, t, workflow) for name, t in interface.outputs.items()]
    if not promises:
        return None
    if len(promises) == 1 and interface.output_tuple is None:
        return promises[0]
    return NodeOutputs(promises)


def describe_entity(entity: Any) -> str:
    """A node's entity as messages name it: ``task 'etl.clean'``."""
    kind = "workflow" if hasattr(entity, "nodes") else "task"
    return f"{kind} '{entity.name}'"


def _refuse_plain_call(workflow: str, frame: types.FrameType) -> None:
    """Refuse a plain function called with a promise: it would run now, on the promise."""
    code = frame.f_code
    # Comprehensions (before 3.12), generators and constructors run as the body's own work.
    if code.co_name.startswith("<") or code.co_name == "__init__":
        return
    if frame.f_globals.get("__name__", "").partition(".")[0] == "flyte":
        return
    # At its call event, a frame's locals are its arguments.
    given = [p for value in frame.f_locals.values() for p in promises_in(value)]
    if given:
        raise WorkflowDefinitionError(
            f"workflow '{workflow}' calls {code.co_name}() with {given[0].describe()}, but "
            f"{code.co_name} is a plain function, not a task: it would run now, while the "
            f"workflow is defined, on a promise instead of a value. Make it a task "
            f"(@env.task) to run it as a node"
        )
