"""A task as flyteidl: its ``TaskTemplate`` (identifier, metadata, interface, custom, target) and ``TaskSpec``.

Every setting is written as flytekit 1.16 writes the same setting, so that a backend, flytectl
and flytekit read the two SDKs' tasks alike (the interop session compares them field by field).
"""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import sys
from typing import TYPE_CHECKING

from flyteidl.admin import description_entity_pb2, task_pb2
from flyteidl.core import identifier_pb2, literals_pb2, security_pb2, tasks_pb2

from flyte._serialize._pod import k8s_pod
from flyte._tasks._options import PodTemplate, Secret, as_cache, as_secret
from flyte.models import SerializationContext

if TYPE_CHECKING:
    from flyte._tasks._docstring import Docstring
    from flyte._tasks._template import TaskTemplate

__all__ = ["default_image", "description_of", "serialize_task", "task_spec"]

_RESOURCE_NAMES = {
    "cpu": tasks_pb2.Resources.CPU,
    "memory": tasks_pb2.Resources.MEMORY,
    "gpu": tasks_pb2.Resources.GPU,
    "ephemeral_storage": tasks_pb2.Resources.EPHEMERAL_STORAGE,
}

_MOUNTS = {
    "any": security_pb2.Secret.ANY,
    "env_var": security_pb2.Secret.ENV_VAR,
    "file": security_pb2.Secret.FILE,
}


_EMPTY = SerializationContext()


@functools.cache
def _core_version() -> str:
    try:
        return importlib.metadata.version("flyte-core")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def default_image() -> str:
    """The image of a task that names none: flyte-core's image for this Python version."""
    return f"ghcr.io/flyteorg/flyte-core:py{sys.version_info[0]}.{sys.version_info[1]}-{_core_version()}"


def task_spec(task: TaskTemplate, sctx: SerializationContext) -> task_pb2.TaskSpec:
    """The admin ``TaskSpec`` of ``task``: its template and its description, as registered."""
    return task_pb2.TaskSpec(
        template=serialize_task(task, sctx), description=description_of(task.docs)
    )


def description_of(docs: Docstring) -> description_entity_pb2.DescriptionEntity:
    """The description of a task or workflow, from its docstring, as flytekit writes it."""
    description = description_entity_pb2.DescriptionEntity(short_description=docs.short or "")
    # flytekit always writes the long description's format, and its text only when there is one.
    description.long_description.format = description_entity_pb2.DESCRIPTION_FORMAT_RST
    if docs.long:
        description.long_description.value = docs.long
    return description


def serialize_task(
    task: TaskTemplate, sctx: SerializationContext | None = None
) -> tasks_pb2.TaskTemplate:
    """The flyteidl ``TaskTemplate`` of ``task`` under ``sctx``, as a Flyte backend reads it.

    ``sctx`` (default: an empty context) gives the project, domain, version and code bundle.
    """
    sctx = sctx or _EMPTY
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
    elif isinstance(task.pod_template, PodTemplate):
        container = _container(task, sctx)
        template.k8s_pod.CopyFrom(k8s_pod(task.pod_template, container))
        template.config["primary_container_name"] = task.pod_template.primary_container_name
    else:
        template.container.CopyFrom(_container(task, sctx))
    secrets = [_secret(as_secret(s, task.name)) for s in task.secrets]
    if secrets:
        template.security_context.CopyFrom(security_pb2.SecurityContext(secrets=secrets))
    accelerator = task.resources.accelerator if task.resources is not None else None
    if accelerator is not None:
        gpu = template.extended_resources.gpu_accelerator
        gpu.device = accelerator.device_label
        if accelerator.partition:
            gpu.partition_size = accelerator.partition
    return template


def _metadata(task: TaskTemplate) -> tasks_pb2.TaskMetadata:
    cache = as_cache(task.cache, task.name)
    metadata = tasks_pb2.TaskMetadata(
        discoverable=cache.enabled,
        runtime=tasks_pb2.RuntimeMetadata(
            type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version=_core_version(), flavor="python"
        ),
        retries=literals_pb2.RetryStrategy(retries=task.retries),
        discovery_version=task.cache_version() if cache.enabled else "",
        deprecated_error_message=task.deprecated,
        cache_serializable=cache.serialize,
        cache_ignore_input_vars=cache.ignored_inputs,
    )
    if task.interruptible is not None:
        metadata.interruptible = task.interruptible
    if isinstance(task.pod_template, str):
        metadata.pod_template_name = task.pod_template
    # flytekit always writes generates_deck (false) and the pod's metadata (empty); doing the
    # same keeps the templates identical.
    metadata.generates_deck.SetInParent()
    metadata.metadata.SetInParent()
    if isinstance(task.timeout, datetime.timedelta):
        metadata.timeout.FromTimedelta(task.timeout)
    return metadata


def _container(task: TaskTemplate, sctx: SerializationContext) -> tasks_pb2.Container:
    container = tasks_pb2.Container(
        image=task.image or sctx.image or default_image(),
        args=task.container_args(sctx),
        env=[literals_pb2.KeyValuePair(key=k, value=v) for k, v in task.env_vars.items()],
    )
    container.resources.SetInParent()  # flytekit writes the resources even when there are none
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


def _secret(secret: Secret) -> security_pb2.Secret:
    mount = "env_var" if secret.as_env_var else secret.mount
    return security_pb2.Secret(
        group=secret.group,
        key=secret.key,
        mount_requirement=_MOUNTS[mount],
        env_var=secret.as_env_var,
    )
