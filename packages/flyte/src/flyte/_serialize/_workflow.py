"""A workflow as flyteidl: its admin ``WorkflowSpec`` (template and sub-workflows) and default ``LaunchPlan``.

Written as flytekit 1.16 writes the same graph, so that a Flyte 1 backend, flytectl and the
console read the two SDKs' workflows alike (the interop session compares them): node ids and
names, bindings sorted by input name, upstream ids, node metadata from the task (its timeout,
retries and interruptible), a map as an ``ArrayNode``, the launch plan's defaults.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from flyteidl.admin import launch_plan_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.core import workflow_pb2 as core_workflow_pb2

from flyte._serialize._task import description_of
from flyte._tasks._template import TaskTemplate
from flyte._workflows._graph import Node
from flyte._workflows._map import MapTask
from flyte._workflows._workflow import WorkflowTemplate
from flyte.models import SerializationContext
from flyte.types import TypeEngine

__all__ = ["dependencies", "launch_plan", "workflow_spec"]


def workflow_spec(
    workflow: WorkflowTemplate, sctx: SerializationContext
) -> workflow_pb2.WorkflowSpec:
    """The admin ``WorkflowSpec`` of ``workflow``: its template, and every sub-workflow's."""
    spec = workflow_pb2.WorkflowSpec(description=description_of(workflow.docs))
    # Each template is written in place: a message given to a constructor is copied whole.
    _fill_template(spec.template, workflow, sctx)
    for sub in _sub_workflows(workflow):
        _fill_template(spec.sub_workflows.add(), sub, sctx)
    return spec


def _fill_template(
    template: core_workflow_pb2.WorkflowTemplate,
    workflow: WorkflowTemplate,
    sctx: SerializationContext,
) -> None:
    template.id.CopyFrom(_identifier(identifier_pb2.WORKFLOW, workflow.name, sctx))
    template.interface.CopyFrom(workflow.typed_interface)
    # What a node takes from its entity is made once per entity, then copied into each node.
    made: dict[int, core_workflow_pb2.Node] = {}
    for node in workflow.nodes:
        proto = template.nodes.add()
        entity = node.entity
        if isinstance(entity, MapTask):
            _map_node(proto, node, entity, sctx)
        else:
            key = id(entity)
            if key not in made:
                made[key] = _entity_node(entity, sctx)
            proto.CopyFrom(made[key])
        proto.id = node.id
        for name, binding in node.bindings.items():
            proto.inputs.add(var=name, binding=binding)
        proto.upstream_node_ids.extend(node.upstream)
    for name, binding in workflow.outputs.items():
        template.outputs.add(var=name, binding=binding)
    template.metadata.SetInParent()
    template.metadata_defaults.SetInParent()


def launch_plan(
    workflow: WorkflowTemplate, sctx: SerializationContext
) -> launch_plan_pb2.LaunchPlan:
    """The workflow's default ``LaunchPlan``: its name, its inputs with their defaults."""
    plan = launch_plan_pb2.LaunchPlan(
        id=_identifier(identifier_pb2.LAUNCH_PLAN, workflow.name, sctx)
    )
    spec = plan.spec
    spec.workflow_id.CopyFrom(_identifier(identifier_pb2.WORKFLOW, workflow.name, sctx))
    variables = workflow.typed_interface.inputs.variables
    for name, python_type in workflow.interface.inputs.items():
        parameter = spec.default_inputs.parameters[name]
        parameter.var.CopyFrom(variables[name])
        if name in workflow.interface.defaults:
            default = TypeEngine.to_literal_sync(workflow.interface.defaults[name], python_type)
            parameter.default.CopyFrom(default)
        else:
            parameter.required = True
    for message in (
        spec.entity_metadata,
        spec.default_inputs,
        spec.fixed_inputs,
        spec.labels,
        spec.annotations,
        spec.raw_output_data_config,
        plan.closure.expected_inputs,
        plan.closure.expected_outputs,
    ):
        message.SetInParent()
    return plan


def dependencies(workflow: WorkflowTemplate) -> Iterator[TaskTemplate | WorkflowTemplate]:
    """What registering ``workflow`` needs first, in order, each once: its tasks and
    sub-workflows, depth first."""
    seen: set[int] = set()
    for entity in _dependencies(workflow):
        if id(entity) not in seen:
            seen.add(id(entity))
            yield entity


def _dependencies(workflow: WorkflowTemplate) -> Iterator[TaskTemplate | WorkflowTemplate]:
    # Nodes running the same entity are many in a large graph: each entity is looked at once.
    for entity in {id(node.entity): node.entity for node in workflow.nodes}.values():
        if isinstance(entity, WorkflowTemplate):
            yield from _dependencies(entity)
        elif isinstance(entity, MapTask):
            yield entity.task
        yield entity


def _sub_workflows(workflow: WorkflowTemplate) -> list[WorkflowTemplate]:
    found: dict[str, WorkflowTemplate] = {}
    for entity in dependencies(workflow):
        if isinstance(entity, WorkflowTemplate):
            found.setdefault(entity.name, entity)
    return list(found.values())


def _entity_node(
    entity: TaskTemplate | WorkflowTemplate, sctx: SerializationContext
) -> core_workflow_pb2.Node:
    """A node's part that comes from the task or sub-workflow it runs: metadata and reference."""
    proto = core_workflow_pb2.Node()
    if isinstance(entity, WorkflowTemplate):
        proto.metadata.name = entity.name.rpartition(".")[2]
        proto.metadata.retries.SetInParent()
        proto.metadata.interruptible = False  # flytekit writes it so for a sub-workflow
        proto.workflow_node.sub_workflow_ref.CopyFrom(
            _identifier(identifier_pb2.WORKFLOW, entity.name, sctx)
        )
    else:
        proto.metadata.CopyFrom(_task_node_metadata(entity, entity.name.rpartition(".")[2]))
        _task_node(proto.task_node, entity, sctx)
    return proto


def _map_node(
    proto: core_workflow_pb2.Node, node: Node, task: MapTask, sctx: SerializationContext
) -> None:
    # flytekit names a map's node after the map, and gives it no settings of the task's.
    proto.metadata.name = task.name
    proto.metadata.retries.SetInParent()
    _array_node(proto.array_node, node, task, sctx)


def _task_node_metadata(task: TaskTemplate, name: str) -> core_workflow_pb2.NodeMetadata:
    metadata = core_workflow_pb2.NodeMetadata(name=name)
    metadata.retries.retries = task.retries
    metadata.retries.SetInParent()
    if isinstance(task.timeout, datetime.timedelta):
        metadata.timeout.FromTimedelta(task.timeout)
    if task.interruptible is not None:
        metadata.interruptible = task.interruptible
    return metadata


def _task_node(
    target: core_workflow_pb2.TaskNode, task: TaskTemplate, sctx: SerializationContext
) -> None:
    target.reference_id.CopyFrom(_identifier(identifier_pb2.TASK, task.name, sctx))
    target.overrides.SetInParent()


def _array_node(
    target: core_workflow_pb2.ArrayNode, node: Node, task: MapTask, sctx: SerializationContext
) -> None:
    inner = target.node
    inner.id = task.name
    inner.metadata.name = task.name
    inner.metadata.retries.SetInParent()
    inner.inputs.extend(literals_pb2.Binding(var=n, binding=b) for n, b in node.bindings.items())
    _task_node(inner.task_node, task, sctx)
    if task.concurrency is not None:
        target.parallelism = task.concurrency
    if task.min_successes is not None:
        target.min_successes = task.min_successes
    elif task.min_success_ratio is not None:
        target.min_success_ratio = task.min_success_ratio
    target.is_original_sub_node_interface.SetInParent()
    target.bound_inputs.extend(sorted(task.bound_inputs))


def _identifier(kind: Any, name: str, sctx: SerializationContext) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=kind,
        project=sctx.project,
        domain=sctx.domain,
        name=name,
        version=sctx.version,
        org=sctx.org,
    )
