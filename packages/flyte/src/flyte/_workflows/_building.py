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

__all__ = ["GraphBuilder", "add_node", "building", "current_builder"]


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


def add_node(
    entity: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    described: str,
    run_as: str,
    error: type[Exception],
) -> Any:
    """What calling a task or a workflow does: add its node to the workflow being built and
    return promises of its outputs.

    Raises ``error`` when no workflow is being built (``run_as`` says how to run it instead) or
    when called with positional arguments; ``described`` names the entity in both messages.
    """
    builder = current_builder()
    if builder is None:
        raise error(f"{described} is called outside a workflow's body; run it with {run_as}")
    if args:
        keywords = ", ".join(f"{n}=..." for n in entity.interface.inputs)
        raise error(
            f"{described} is called with positional arguments in a workflow; call it with "
            f"keywords: ({keywords})"
        )
    return builder.call(entity, kwargs)


@contextmanager
def building(builder: GraphBuilder) -> Iterator[None]:
    """Make calls inside the block add nodes to ``builder``'s graph."""
    token = _builder.set(builder)
    try:
        yield
    finally:
        _builder.reset(token)
