"""The workflow being built right now, if any: what a task call inside a workflow's body talks to.

A workflow's function runs once, when it is defined, under :func:`building`; calling a task (or a
workflow, or ``flyte.map``) there adds a node to the graph and returns promises of its outputs
instead of running anything. This module holds only that hook, so that the task classes can ask
for it without depending on the workflow machinery.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["GraphBuilder", "building", "current_builder"]


class GraphBuilder(Protocol):
    """What a task call inside a workflow's body needs: a node for an entity and its inputs."""

    def call(self, entity: Any, inputs: Mapping[str, Any]) -> Any:
        """Add a node that runs ``entity`` on ``inputs``; return promises of its outputs."""
        ...


_builder: contextvars.ContextVar[GraphBuilder | None] = contextvars.ContextVar(
    "flyte_graph_builder", default=None
)


def current_builder() -> GraphBuilder | None:
    """The builder of the workflow whose body is running now, or None."""
    return _builder.get()


@contextmanager
def building(builder: GraphBuilder) -> Iterator[None]:
    """Make calls inside the block add nodes to ``builder``'s graph."""
    token = _builder.set(builder)
    try:
        yield
    finally:
        _builder.reset(token)
