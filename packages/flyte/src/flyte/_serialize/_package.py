"""``flyte.serialize``: tasks as admin ``TaskSpec`` files plus the code bundle, as ``pyflyte package`` lays them out."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flyteidl.admin import launch_plan_pb2, workflow_pb2

from flyte._progress import status
from flyte._serialize._bundle import build_code_bundle, write_tgz
from flyte._serialize._loader import find_entities, load_module, root_of
from flyte._serialize._task import task_spec
from flyte._serialize._workflow import dependencies, launch_plan, workflow_spec
from flyte._tasks._template import TaskTemplate
from flyte._workflows._workflow import WorkflowTemplate
from flyte.models import CodeBundle, SerializationContext

__all__ = ["serialize"]

#: What ``flytectl register files`` replaces with the uploaded bundle's URI and its folder.
REMOTE_PACKAGE_PATH = "{{ .remote_package_path }}"
DEST_DIR = "{{ .dest_dir }}"


#: What can be serialized: a task or a workflow.
Entity = TaskTemplate | WorkflowTemplate
#: What serializing gives: a task's ``TaskSpec``, a workflow's ``WorkflowSpec`` or its
#: ``LaunchPlan`` (flyteidl's messages are untyped for the checker).
Spec = Any


def serialize(
    target: Entity | Iterable[Entity] | str,
    *,
    project: str = "",
    domain: str = "",
    version: str = "",
    org: str = "",
    output_dir: str | os.PathLike[str] | None = None,
    root_dir: str | os.PathLike[str] | None = None,
    image: str | None = None,
) -> list[Spec]:
    """Serialize tasks and workflows to admin specs, and write them out if ``output_dir`` is given.

    ``target`` is a task or a workflow, several, or a Python file or module whose tasks and
    workflows are all taken. A workflow gives its ``WorkflowSpec`` and its default
    ``LaunchPlan``, after the tasks and sub-workflows it runs (registered first). With
    ``output_dir``, each spec is written as ``<index>_<name>_<kind>.pb`` (kind 1 for a task, 2
    for a workflow, 3 for a launch plan) beside the code bundle
    ``fast<hash>.tar.gz`` of ``root_dir`` (default: the file's folder or the working directory),
    the layout ``flytectl register files`` takes; ``version`` then defaults to the bundle's hash.
    An ``output_dir`` named ``*.tgz`` or ``*.tar.gz`` is written as one archive of those files,
    as ``pyflyte package`` writes ``flyte-package.tgz``.
    """
    root = Path(root_dir) if root_dir is not None else None
    if isinstance(target, str):
        module = load_module(target, str(root) if root else None)
        entities: list[Entity] = list(find_entities(module).values())
        root = root or root_of(target)
    elif isinstance(target, (TaskTemplate, WorkflowTemplate)):
        entities = [target]
    else:
        entities = list(target)
    root = root or Path.cwd()
    sctx = SerializationContext(
        project=project, domain=domain, version=version, org=org, root_dir=str(root), image=image
    )
    if output_dir is None:
        return _serialize_all(entities, sctx)
    out = Path(output_dir)
    archive = out.name.endswith((".tgz", ".tar.gz"))
    with tempfile.TemporaryDirectory() if archive else contextlib.nullcontext(str(out)) as folder:
        # The output is left out of the bundle: inside the tree, the last run's would be bundled.
        _, built = build_code_bundle(root, folder, leave_out=[out])
        bundle = CodeBundle(REMOTE_PACKAGE_PATH, DEST_DIR, built.computed_version)
        sctx = dataclasses.replace(
            sctx, version=version or built.computed_version, code_bundle=bundle
        )
        specs = _serialize_all(entities, sctx)
        _write_specs(specs, Path(folder))
        if archive:
            files = sorted(Path(folder).iterdir())
            write_tgz([(p.name, p.read_bytes(), 0o644) for p in files], out)
    return specs


def _serialize_all(entities: list[Entity], sctx: SerializationContext) -> list[Spec]:
    """Each entity's specs, after those of what it depends on; each entity once."""
    ordered: dict[str, Entity] = {}
    for entity in entities:
        if isinstance(entity, WorkflowTemplate):
            for dependency in dependencies(entity):
                ordered.setdefault(_key(dependency), dependency)
        ordered.setdefault(_key(entity), entity)
    specs: list[Spec] = []
    live = status.enabled()
    for done, entity in enumerate(ordered.values(), 1):
        if isinstance(entity, WorkflowTemplate):
            specs += [workflow_spec(entity, sctx), launch_plan(entity, sctx)]
        else:
            specs.append(task_spec(entity, sctx))
        if live:
            status.show(f"serializing: {done} of {len(ordered)} ({entity.name})")
    status.clear()
    return specs


def _key(entity: Entity) -> str:
    return f"{'workflow' if isinstance(entity, WorkflowTemplate) else 'task'}:{entity.name}"


def _write_specs(specs: list[Spec], folder: Path) -> None:
    # pyflyte pads the index to the digits of the count (math.log10 of it, rounded up), and
    # names the kind by the resource type's number: 1 task, 2 workflow, 3 launch plan.
    width = math.ceil(math.log10(len(specs))) if specs else 0
    for index, spec in enumerate(specs):
        if isinstance(spec, launch_plan_pb2.LaunchPlan):
            name, kind = spec.id.name, 3
        else:
            name = spec.template.id.name
            kind = 2 if isinstance(spec, workflow_pb2.WorkflowSpec) else 1
        file = f"{str(index).zfill(width)}_{name}_{kind}.pb"
        (folder / file).write_bytes(spec.SerializeToString(deterministic=True))
