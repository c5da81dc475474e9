"""A task's pod template as flyteidl's ``K8sPod``, with the task's container merged in as flytekit does.

The primary container (named by the template; added when the spec has none of that name) takes
the task's image unless the spec sets one, its command and args, its resources when it has any,
and its environment variables ahead of the spec's own. Resource names are written as Kubernetes
spells them (``ephemeral-storage``). The spec is written in Kubernetes' JSON form: a dict as
given, or a ``kubernetes.client`` object serialized by that library.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flyteidl.core import tasks_pb2

from flyte._tasks._options import PodTemplate

__all__ = ["k8s_pod"]


def k8s_pod(template: PodTemplate, container: tasks_pb2.Container) -> tasks_pb2.K8sPod:
    """The ``K8sPod`` of ``template`` whose primary container runs ``container``."""
    pod = tasks_pb2.K8sPod()
    pod.metadata.labels.update(template.labels)
    pod.metadata.annotations.update(template.annotations)
    spec = _json_form(template.pod_spec)
    containers = spec.setdefault("containers", [])
    primary = next(
        (c for c in containers if c.get("name") == template.primary_container_name), None
    )
    if primary is None:
        primary = {"name": template.primary_container_name}
        containers.append(primary)
    _merge(primary, container)
    pod.pod_spec.update(spec)
    return pod


def _json_form(pod_spec: Mapping[str, Any] | Any | None) -> dict[str, Any]:
    if pod_spec is None:
        return {}
    if isinstance(pod_spec, Mapping):
        return copy.deepcopy(dict(pod_spec))
    try:
        from kubernetes.client import ApiClient  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError as exc:
        raise TypeError(
            f"PodTemplate.pod_spec is a {type(pod_spec).__name__}: give it as a dict in "
            f"Kubernetes' JSON form, or install the kubernetes package to serialize it"
        ) from exc
    form: dict[str, Any] = ApiClient().sanitize_for_serialization(pod_spec)
    return form


def _merge(primary: dict[str, Any], container: tasks_pb2.Container) -> None:
    primary.setdefault("image", container.image)
    primary["command"] = list(container.command)
    primary["args"] = list(container.args)
    requests = {_k8s_name(r.name): r.value for r in container.resources.requests}
    limits = {_k8s_name(r.name): r.value for r in container.resources.limits}
    if requests or limits:
        primary["resources"] = {"requests": requests, "limits": limits}
    env = [{"name": e.key, "value": e.value} for e in container.env]
    primary["env"] = env + list(primary.get("env") or [])


def _k8s_name(name: int) -> str:
    return str(tasks_pb2.Resources.ResourceName.Name(name)).lower().replace("_", "-")
