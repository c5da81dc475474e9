"""``flyte.serialize``: tasks as admin ``TaskSpec`` files plus the code bundle, as ``pyflyte package`` lays them out."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from flyte._progress import status
from flyte._serialize._bundle import build_code_bundle, write_tgz
from flyte._serialize._loader import find_tasks, load_module, root_of
from flyte._serialize._task import task_spec
from flyte._tasks._template import TaskTemplate
from flyte.models import CodeBundle, SerializationContext

if TYPE_CHECKING:
    from flyteidl.admin import task_pb2

__all__ = ["serialize"]

#: What ``flytectl register files`` replaces with the uploaded bundle's URI and its folder.
REMOTE_PACKAGE_PATH = "{{ .remote_package_path }}"
DEST_DIR = "{{ .dest_dir }}"


def serialize(
    target: TaskTemplate | Iterable[TaskTemplate] | str,
    *,
    project: str = "",
    domain: str = "",
    version: str = "",
    org: str = "",
    output_dir: str | os.PathLike[str] | None = None,
    root_dir: str | os.PathLike[str] | None = None,
    image: str | None = None,
) -> list[task_pb2.TaskSpec]:
    """Serialize tasks to admin ``TaskSpec`` messages, and write them out if ``output_dir`` is given.

    ``target`` is a task, tasks, or a Python file or module whose tasks are all taken. With
    ``output_dir``, each spec is written as ``<index>_<task name>_1.pb`` beside the code bundle
    ``fast<hash>.tar.gz`` of ``root_dir`` (default: the file's folder or the working directory),
    the layout ``flytectl register files`` takes; ``version`` then defaults to the bundle's hash.
    An ``output_dir`` named ``*.tgz`` or ``*.tar.gz`` is written as one archive of those files,
    as ``pyflyte package`` writes ``flyte-package.tgz``.
    """
    root = Path(root_dir) if root_dir is not None else None
    if isinstance(target, str):
        module = load_module(target, str(root) if root else None)
        tasks = list(find_tasks(module).values())
        root = root or root_of(target)
    else:
        tasks = [target] if isinstance(target, TaskTemplate) else list(target)
    root = root or Path.cwd()
    sctx = SerializationContext(
        project=project, domain=domain, version=version, org=org, root_dir=str(root), image=image
    )
    if output_dir is None:
        return _serialize_tasks(tasks, sctx)
    out = Path(output_dir)
    archive = out.name.endswith((".tgz", ".tar.gz"))
    with tempfile.TemporaryDirectory() if archive else contextlib.nullcontext(str(out)) as folder:
        # The output is left out of the bundle: inside the tree, the last run's would be bundled.
        _, built = build_code_bundle(root, folder, leave_out=[out])
        bundle = CodeBundle(REMOTE_PACKAGE_PATH, DEST_DIR, built.computed_version)
        sctx = dataclasses.replace(
            sctx, version=version or built.computed_version, code_bundle=bundle
        )
        specs = _serialize_tasks(tasks, sctx)
        _write_specs(specs, Path(folder))
        if archive:
            files = sorted(Path(folder).iterdir())
            write_tgz([(p.name, p.read_bytes(), 0o644) for p in files], out)
    return specs


def _serialize_tasks(
    tasks: list[TaskTemplate], sctx: SerializationContext
) -> list[task_pb2.TaskSpec]:
    specs = []
    live = status.enabled()
    for task in tasks:
        specs.append(task_spec(task, sctx))
        if live:
            status.show(f"serializing tasks: {len(specs)} of {len(tasks)} ({task.name})")
    status.clear()
    return specs


def _write_specs(specs: list[task_pb2.TaskSpec], folder: Path) -> None:
    # pyflyte pads the index to the digits of the count (math.log10 of it, rounded up).
    width = math.ceil(math.log10(len(specs))) if specs else 0
    for index, spec in enumerate(specs):
        name = f"{str(index).zfill(width)}_{spec.template.id.name}_1.pb"
        (folder / name).write_bytes(spec.SerializeToString(deterministic=True))
