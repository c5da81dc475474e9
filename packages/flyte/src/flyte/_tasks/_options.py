"""The task options a Flyte backend reads beyond resources: caching, secrets and pod templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Cache", "PodTemplate", "Secret", "as_cache", "as_secret"]

CacheBehavior = Literal["auto", "override", "disable"]


@dataclass(frozen=True)
class Cache:
    """Whether a task's outputs are reused for the same inputs, and under which version.

    ``behavior``: ``"auto"`` derives the cache version from the task's definition, ``"override"``
    takes ``version_override``, ``"disable"`` caches nothing. ``serialize`` runs identical
    executions one at a time (the others wait for the first one's outputs); ``ignored_inputs``
    are left out of the cache key. ``cache=True`` is ``Cache("auto")``; ``cache="v2"`` is
    ``Cache("override", version_override="v2")``.
    """

    behavior: CacheBehavior = "auto"
    version_override: str | None = None
    serialize: bool = False
    ignored_inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.behavior not in ("auto", "override", "disable"):
            raise ValueError(
                f"Cache(behavior={self.behavior!r}): expected 'auto', 'override' or 'disable'"
            )
        if self.behavior == "override" and not self.version_override:
            raise ValueError("Cache(behavior='override') needs version_override='<version>'")
        if isinstance(self.ignored_inputs, str):
            object.__setattr__(self, "ignored_inputs", (self.ignored_inputs,))
        else:
            object.__setattr__(self, "ignored_inputs", tuple(self.ignored_inputs))
        if not self.enabled and (self.serialize or self.ignored_inputs):
            raise ValueError(
                "Cache(behavior='disable') cannot serialize or ignore inputs: they apply to a "
                "cached task"
            )

    @property
    def enabled(self) -> bool:
        """True unless the behavior is ``"disable"``."""
        return self.behavior != "disable"


def as_cache(value: bool | str | Cache | None, where: str) -> Cache:
    """The :class:`Cache` that a task's ``cache=`` argument stands for."""
    if isinstance(value, Cache):
        return value
    if value is None or value is False:
        return Cache("disable")
    if value is True:
        return Cache("auto")
    if isinstance(value, str) and value:
        return Cache("override", version_override=value)
    raise ValueError(
        f"{where}: cache must be True, False, a cache version string or flyte.Cache(...), "
        f"got {value!r}"
    )


MountRequirement = Literal["any", "env_var", "file"]


@dataclass(frozen=True)
class Secret:
    """A secret the task needs: ``Secret(key="token", group="vault")``.

    ``mount`` asks the backend to mount it as an environment variable (``"env_var"``, named
    ``as_env_var`` if given) or a file (``"file"``); ``"any"`` leaves the choice to it. A string
    ``"group/key"`` or ``"key"`` where a secret is expected is the same as this class with
    those fields.
    """

    key: str
    group: str = ""
    mount: MountRequirement = "any"
    as_env_var: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"Secret(key={self.key!r}): a secret needs a non-empty key")
        if self.mount not in ("any", "env_var", "file"):
            raise ValueError(f"Secret(mount={self.mount!r}): expected 'any', 'env_var' or 'file'")
        if self.as_env_var and self.mount == "file":
            raise ValueError("Secret: as_env_var mounts the secret as a variable, not a file")


def as_secret(value: str | Secret, where: str) -> Secret:
    """The :class:`Secret` a task's ``secrets=`` entry stands for."""
    if isinstance(value, Secret):
        return value
    if isinstance(value, str) and value:
        group, _, key = value.rpartition("/")
        return Secret(key=key, group=group)
    raise ValueError(
        f"{where}: each secret is 'group/key', 'key' or flyte.Secret(...), got {value!r}"
    )


@dataclass(frozen=True)
class PodTemplate:
    """A Kubernetes pod for the task, as flytekit's ``PodTemplate``.

    ``pod_spec`` is the pod spec in Kubernetes' JSON form (a dict with ``containers``,
    ``tolerations``, ``nodeSelector``, ...) or a ``kubernetes.client.V1PodSpec``. The container
    named ``primary_container_name`` runs the task: its image (unless the spec sets one),
    command, args, resources and environment come from the task. ``labels`` and
    ``annotations`` go to the pod's metadata. A task's ``pod_template="name"`` instead names a
    PodTemplate resource that already exists in the cluster.
    """

    pod_spec: Mapping[str, Any] | Any | None = None
    primary_container_name: str = "primary"
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.primary_container_name:
            raise ValueError("PodTemplate: the primary container needs a name")
