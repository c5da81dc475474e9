"""Promises: the outputs of a node, and the inputs of a workflow, while its graph is built.

A promise stands for a value that exists only when the workflow runs. Passing it to another call
wires the graph; using it as a value in the body (``if x > 3``, ``x + 1``, ``f"{x}"``,
``len(x)``) cannot work, as the body runs once, when the workflow is defined, and is refused
there with what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from flyte.errors import WorkflowDefinitionError
from flyte.types._errors import describe_type

__all__ = ["NodeOutputs", "Promise"]


@dataclass(frozen=True, eq=False)
class Promise:
    """Output ``var`` of the node ``node_id`` (``""``: an input of the workflow), of ``python_type``.

    ``workflow`` names the workflow being built, for messages.
    """

    node_id: str
    var: str
    python_type: Any
    workflow: str = ""

    def describe(self) -> str:
        """The promise as messages name it."""
        where = f"node {self.node_id}" if self.node_id else "the workflow"
        kind = "output" if self.node_id else "input"
        return f"{where}'s {kind} '{self.var}' ({describe_type(self.python_type)})"

    def _refuse(self, use: str) -> NoReturn:
        raise WorkflowDefinitionError(
            f"workflow '{self.workflow}': {self.describe()} is used as a value ({use}) while "
            f"the workflow is defined; its "
            f"value exists only when the workflow runs. Pass it to a task instead, and do the "
            f"work on it there (a task that computes the condition, the sum, the text)"
        )

    def __bool__(self) -> bool:
        self._refuse("as a condition")

    def __len__(self) -> int:
        self._refuse("len()")

    def __iter__(self) -> Iterator[Any]:
        self._refuse("iterated or unpacked")

    def __format__(self, spec: str) -> str:
        self._refuse("formatted into a string")

    def __str__(self) -> str:
        self._refuse("str()")

    def __int__(self) -> int:
        self._refuse("int()")

    def __float__(self) -> float:
        self._refuse("float()")

    def __index__(self) -> int:
        self._refuse("as an index")

    def __getitem__(self, key: Any) -> Any:
        self._refuse(f"indexed with [{key!r}]")

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"<Promise of {self.describe()}>"


def _refusing(operator: str) -> Any:
    def refuse(self: Promise, *args: Any) -> NoReturn:
        self._refuse(f"in an expression with {operator}")

    return refuse


for _name, _operator in {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "and": "&",
    "or": "|",
    "xor": "^",
}.items():
    setattr(Promise, f"__{_name}__", _refusing(_operator))
    setattr(Promise, f"__r{_name}__", _refusing(_operator))
for _name, _operator in {
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "eq": "==",
    "ne": "!=",
}.items():
    setattr(Promise, f"__{_name}__", _refusing(_operator))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(Promise, f"__{_name}__", _refusing(_name))


class NodeOutputs(tuple[Promise, ...]):
    """The promises of a node with several outputs: unpack them, or take one by name or index."""

    _names: tuple[str, ...]

    def __new__(cls, promises: list[Promise]) -> NodeOutputs:
        outputs = super().__new__(cls, promises)
        outputs._names = tuple(p.var for p in promises)
        return outputs

    def __getattr__(self, name: str) -> Promise:
        if name.startswith("_"):
            raise AttributeError(name)
        for promise in self:
            if promise.var == name:
                return promise
        raise WorkflowDefinitionError(
            f"the node has no output '{name}'; its outputs are {', '.join(self._names)}"
        )
