"""A task as a flyteidl ``TaskTemplate``: identifier, metadata, interface, custom, container or SQL."""

from __future__ import annotations

import functools
import importlib.metadata
import sys
from typing import TYPE_CHECKING

from flyteidl.core import identifier_pb2, literals_pb2, security_pb2, tasks_pb2

from flyte.models import SerializationContext

if TYPE_CHECKING:
    from flyte._tasks._template import TaskTemplate

__all__ = ["default_image", "serialize_task"]

_RESOURCE_NAMES = {
    "cpu": tasks_pb2.Resources.CPU,
    "memory": tasks_pb2.Resources.MEMORY,
    "gpu": tasks_pb2.Resources.GPU,
}


@functools.cache
def _core_version() -> str:
    try:
        return importlib.metadata.version("flyte-core")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def default_image() -> str:
    """The image of a task that names none: flyte-core's image for this Python version."""
    return f"ghcr.io/flyteorg/flyte-core:py{sys.version_info[0]}.{sys.version_info[1]}-{_core_version()}"


def serialize_task(task: TaskTemplate, sctx: SerializationContext) -> tasks_pb2.TaskTemplate:
    """The flyteidl ``TaskTemplate`` of ``task`` under ``sctx``, as a Flyte backend reads it."""
    template = tasks_pb2.TaskTemplate(
        id=identifier_pb2.Identifier(
            resource_type=identifier_pb2.TASK,
            project=sctx.project,
            domain=sctx.domain,
            name=task.name,
            version=sctx.version,
            org=sctx.org,
        ),
        type=task.task_type,
        task_type_version=task.task_type_version,
        metadata=_metadata(task),
        interface=task.typed_interface,
        config=task.config(sctx),
    )
    custom = task.custom_config(sctx)
    if custom:
        template.custom.update(custom)
    sql = task.sql(sctx)
    if sql is not None:
        template.sql.CopyFrom(sql)
    else:
        template.container.CopyFrom(_container(task, sctx))
    if task.secrets:
        template.security_context.CopyFrom(
            security_pb2.SecurityContext(secrets=[_secret(s) for s in task.secrets])
        )
    return template


def _metadata(task: TaskTemplate) -> tasks_pb2.TaskMetadata:
    metadata = tasks_pb2.TaskMetadata(
        discoverable=bool(task.cache),
        runtime=tasks_pb2.RuntimeMetadata(
            type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version=_core_version(), flavor="python"
        ),
        retries=literals_pb2.RetryStrategy(retries=task.retries),
        discovery_version=task.cache_version() if task.cache else "",
    )
    # flytekit always writes generates_deck (false); doing the same keeps templates identical.
    metadata.generates_deck.SetInParent()
    if task.timeout is not None:
        metadata.timeout.FromTimedelta(task.timeout)
    return metadata


def _container(task: TaskTemplate, sctx: SerializationContext) -> tasks_pb2.Container:
    container = tasks_pb2.Container(
        image=task.image or sctx.image or default_image(),
        args=task.container_args(sctx),
        env=[literals_pb2.KeyValuePair(key=k, value=v) for k, v in sorted(task.env_vars.items())],
    )
    if task.resources is not None:
        for side, quantities in (
            (container.resources.requests, task.resources.requests()),
            (container.resources.limits, task.resources.limits()),
        ):
            side.extend(
                tasks_pb2.Resources.ResourceEntry(name=_RESOURCE_NAMES[n], value=v)
                for n, v in quantities.items()
            )
    return container


def _secret(name: str) -> security_pb2.Secret:
    group, _, key = name.rpartition("/")
    return security_pb2.Secret(group=group, key=key)
