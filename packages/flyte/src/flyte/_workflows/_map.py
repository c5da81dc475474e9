"""``flyte.map``: one node that runs a task once per item of its list inputs (flyteidl's ArrayNode).

    reports = flyte.map(report, day=days, region="eu", concurrency=4)

An input given a list of the task's input type (or a promise of one) is mapped over; any other is
passed to every item as it is (a bound input). The map is a task of its own on a backend,
serialized as flytekit 1.16's ``map_task`` serializes: named ``<module>.map_<task>_<hash>-arraynode``
after the bound inputs and the settings, its inputs the mapped ones as lists, its one output a
list (of optionals when ``min_success_ratio`` below 1 lets items fail).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection
from typing import Any, Optional

from flyteidl.core import literals_pb2

from flyte._serialize._location import task_location
from flyte._tasks._interface import NativeInterface
from flyte._tasks._template import TaskTemplate
from flyte._workflows._bindings import bind
from flyte._workflows._building import current_builder
from flyte._workflows._castable import accepts
from flyte._workflows._promise import Promise
from flyte.errors import WorkflowDefinitionError
from flyte.models import SerializationContext
from flyte.types import TypeEngine

__all__ = ["MapTask", "item_inputs", "map"]


class MapTask(TaskTemplate):
    """A task mapped over its list inputs: ``task`` runs once per item.

    ``bound_inputs`` are passed to every item as they are; ``concurrency`` bounds how many
    items run at once (None: as the backend decides); the run succeeds when at least
    ``min_successes`` items, or ``min_success_ratio`` of them, do.
    """

    def __init__(
        self,
        task: TaskTemplate,
        bound_inputs: frozenset[str],
        *,
        concurrency: int | None = None,
        min_success_ratio: float | None = 1.0,
        min_successes: int | None = None,
    ) -> None:
        self.task = task
        self.bound_inputs = bound_inputs
        self.concurrency = concurrency
        self.min_success_ratio = min_success_ratio
        self.min_successes = min_successes
        module, attribute = task_location(task)
        settings = (
            f"{','.join(sorted(bound_inputs))}{concurrency}{min_successes}{min_success_ratio}"
        )
        digest = hashlib.md5(settings.encode(), usedforsecurity=False).hexdigest()
        interface = task.interface
        optional = self.lets_items_fail
        outputs = {
            name: list[Optional[t]] if optional else list[t]  # type: ignore[valid-type]  # noqa: UP045
            for name, t in interface.outputs.items()
        }
        inputs = {
            name: t if name in bound_inputs else list[t]  # type: ignore[valid-type]
            for name, t in interface.inputs.items()
        }
        super().__init__(
            name=f"{module}.map_{attribute}_{digest}-arraynode",
            interface=NativeInterface(
                inputs=inputs,
                defaults={n: v for n, v in interface.defaults.items() if n in bound_inputs},
                outputs=outputs,
            ),
            plugin_config=task.plugin_config,
            image=task.image,
            resources=task.resources,
            env_vars=task.env_vars,
            secrets=task.secrets,
            cache=task.cache,
            retries=task.retries,
            timeout=task.timeout,
            interruptible=task.interruptible,
            pod_template=task.pod_template,
        )
        self.module = task.module

    @property
    def lets_items_fail(self) -> bool:
        """Whether the map may succeed with failed items (its output then a list of optionals).

        As flytekit has it, ``min_success_ratio`` below 1 does; ``min_successes`` alone does not.
        """
        return self.min_success_ratio is not None and self.min_success_ratio != 1

    @property
    def task_type(self) -> str:  # type: ignore[override]
        """The mapped task's type: the backend runs each item with the task's plugin."""
        return self.task.task_type

    task_type_version = 1

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        """The mapped task's."""
        return self.task.custom_config(sctx)

    def config(self, sctx: SerializationContext) -> dict[str, str]:
        """The mapped task's."""
        return self.task.config(sctx)

    def container_args(self, sctx: SerializationContext) -> list[str]:
        """The mapped task's command line, each item picking its inputs from the lists."""
        from flyte._serialize._location import runtime_args

        return runtime_args(self.task, sctx, map_bound_inputs=tuple(sorted(self.bound_inputs)))

    def min_items(self, count: int) -> int:
        """How many of ``count`` items must succeed."""
        if not self.lets_items_fail:
            return count
        return math.ceil(count * (self.min_success_ratio or 0))


def map(
    task: TaskTemplate,
    *,
    concurrency: int | None = None,
    min_success_ratio: float | None = None,
    min_successes: int | None = None,
    **inputs: Any,
) -> Any:
    """A node of the workflow being defined that runs ``task`` once per item of its list inputs.

    Returns the promise of the list of the task's outputs (of ``Optional`` outputs when
    ``min_success_ratio`` is below 1). Raises :class:`WorkflowDefinitionError` outside a
    workflow's body, for a task with more than one output, or with no input to map over.
    """
    builder = current_builder()
    if builder is None:
        raise WorkflowDefinitionError(
            "flyte.map builds a node of a workflow: call it in a @flyte.workflow's body"
        )
    if not isinstance(task, TaskTemplate):
        raise WorkflowDefinitionError(f"flyte.map maps a task, got {task!r}")
    if len(task.interface.outputs) > 1:
        raise WorkflowDefinitionError(
            f"task '{task.name}' has {len(task.interface.outputs)} outputs; flyte.map maps tasks "
            f"of one output (or none)"
        )
    if min_success_ratio is not None and min_successes is not None:
        raise WorkflowDefinitionError(
            "flyte.map takes min_success_ratio or min_successes, not both"
        )
    if min_success_ratio is not None and not 0 <= min_success_ratio <= 1:
        raise WorkflowDefinitionError(
            f"flyte.map: min_success_ratio must be between 0 and 1, got {min_success_ratio}"
        )
    # An input left out takes its default, the same for every item.
    bound = frozenset(
        name
        for name in task.interface.inputs
        if name not in inputs or not _maps_over(task, name, inputs[name])
    )
    if not set(inputs) - bound:
        raise WorkflowDefinitionError(
            f"flyte.map over task '{task.name}': no input is given a list of its type "
            f"({', '.join(f'{n}: list[{_type_name(task.interface.inputs.get(n))}]' for n in inputs)})"
        )
    ratio = 1.0 if min_success_ratio is None and min_successes is None else min_success_ratio
    mapped = MapTask(
        task,
        bound,
        concurrency=concurrency,
        min_success_ratio=ratio,
        min_successes=min_successes,
    )
    return builder.call(mapped, inputs)


def item_inputs(
    inputs: literals_pb2.LiteralMap, bound_inputs: Collection[str], index: int
) -> literals_pb2.LiteralMap:
    """The inputs of a map's item ``index``: its element of each mapped list, the bound inputs
    as they are. Raises ``ValueError`` for an index past a list."""
    item = literals_pb2.LiteralMap()
    for name, literal in inputs.literals.items():
        if name in bound_inputs:
            item.literals[name].CopyFrom(literal)
            continue
        values = literal.collection.literals
        if not 0 <= index < len(values):
            raise ValueError(
                f"map item {index} has no value of the input '{name}', a list of {len(values)}"
            )
        item.literals[name].CopyFrom(values[index])
    return item


def _maps_over(task: TaskTemplate, name: str, value: Any) -> bool:
    """Whether ``value`` gives the input ``name`` one item per run (a list of its type)."""
    python_type = task.interface.inputs.get(name)
    if python_type is None:
        return False  # an unknown input: refused by the node, naming the task's inputs
    if isinstance(value, Promise):
        element = TypeEngine.to_literal_type(list[python_type])  # type: ignore[valid-type]
        given = TypeEngine.to_literal_type(value.python_type)
        return accepts(element, given) and not accepts(
            TypeEngine.to_literal_type(python_type), given
        )
    if isinstance(value, (list, tuple)):
        try:
            for item in value:
                bind(item, python_type, name)
        except WorkflowDefinitionError:
            return False
        return True
    return False


def _type_name(t: Any) -> str:
    from flyte.types._errors import describe_type

    return describe_type(t) if t is not None else "?"
