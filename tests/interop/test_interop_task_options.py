"""Every task option a backend reads is written as flytekit 1.16 writes the same option.

Each case is one task written twice, once per SDK, with the same settings; the templates (and
the admin TaskSpec descriptions) must be equal field by field, apart from what names the SDK
(its runtime version and entry point). flytekit must also read ours back unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit")
pytest.importorskip("kubernetes")  # flytekit's pod templates need it

from flytekit.configuration import SerializationSettings  # noqa: E402
from flytekit.models import task as kit_task_models  # noqa: E402
from flytekit.tools.translator import get_serializable  # noqa: E402

from flyte._serialize._task import task_spec  # noqa: E402
from flyte.models import SerializationContext  # noqa: E402

OURS = '''
import flyte

env = flyte.TaskEnvironment(name="opts", image="ghcr.io/acme/app:1", interruptible=True,
                            env_vars={"B": "2", "A": "1"})

@env.task(
    cache=flyte.Cache("override", version_override="v1", serialize=True, ignored_inputs=("b",)),
    resources=flyte.Resources(cpu=(1, 2), memory=("1Gi", "2Gi"), gpu=flyte.GPU("A100", 1, partition="1g.5gb"),
                              ephemeral_storage=("10Gi", "20Gi")),
    secrets=["vault/token", flyte.Secret(key="plain", group="g2", mount="env_var")],
    deprecated="use other",
)
def full(a: int, b: str = "x") -> int:
    """Add things up.

    A longer description
    over two lines.

    :param a: the first number
    :param b: a label
    :return: the sum
    """
    return a

@env.task(interruptible=False, resources=flyte.Resources(gpu="T4:1"))
def google(a: int, b: list[str]) -> tuple[int, str]:
    """Google style.

    Args:
        a (int): the number,
            over two lines
        b: the words
    Returns:
        the pair
    """
    return a, ""

@env.task(pod_template=flyte.PodTemplate(
    primary_container_name="main",
    labels={"l": "1"},
    annotations={"an": "2"},
    pod_spec={"containers": [{"name": "main", "env": [{"name": "C", "value": "3"}]},
                             {"name": "side", "image": "busybox"}],
              "tolerations": [{"key": "gpu", "operator": "Exists"}]},
), resources=flyte.Resources(cpu="1"))
def podded(a: int) -> int:
    return a

@env.task(pod_template="shared-template", interruptible=None)
def named_pod(a: int) -> int:
    return a
'''

KIT = '''
from flytekit import PodTemplate, Resources, Secret, task
from flytekit.extras.accelerators import A100, T4
from kubernetes.client import V1Container, V1EnvVar, V1PodSpec, V1Toleration

@task(
    interruptible=True, environment={"B": "2", "A": "1"},
    cache=True, cache_version="v1", cache_serialize=True, cache_ignore_input_vars=("b",),
    requests=Resources(cpu="1", mem="1Gi", gpu="1", ephemeral_storage="10Gi"),
    limits=Resources(cpu="2", mem="2Gi", gpu="1", ephemeral_storage="20Gi"),
    accelerator=A100.partition_1g_5gb,
    secret_requests=[Secret(group="vault", key="token"),
                     Secret(group="g2", key="plain", mount_requirement=Secret.MountType.ENV_VAR)],
    deprecated="use other",
)
def full(a: int, b: str = "x") -> int:
    """Add things up.

    A longer description
    over two lines.

    :param a: the first number
    :param b: a label
    :return: the sum
    """
    return a

@task(interruptible=False, environment={"B": "2", "A": "1"},
      requests=Resources(gpu="1"), limits=Resources(gpu="1"), accelerator=T4)
def google(a: int, b: list[str]) -> tuple[int, str]:
    """Google style.

    Args:
        a (int): the number,
            over two lines
        b: the words
    Returns:
        the pair
    """
    return a, ""

@task(interruptible=True, environment={"B": "2", "A": "1"},
      requests=Resources(cpu="1"), limits=Resources(cpu="1"),
      pod_template=PodTemplate(
          primary_container_name="main", labels={"l": "1"}, annotations={"an": "2"},
          pod_spec=V1PodSpec(containers=[V1Container(name="main", env=[V1EnvVar(name="C", value="3")]),
                                         V1Container(name="side", image="busybox")],
                             tolerations=[V1Toleration(key="gpu", operator="Exists")])))
def podded(a: int) -> int:
    return a

@task(interruptible=True, environment={"B": "2", "A": "1"}, pod_template_name="shared-template")
def named_pod(a: int) -> int:
    return a
'''

NAMES = ["full", "google", "podded", "named_pod"]


@pytest.fixture(scope="module")
def modules(
    source_modules: Callable[..., tuple[ModuleType, ...]],
) -> tuple[ModuleType, ...]:
    return source_modules(options_ours=OURS, options_kit=KIT)


def _kit_spec(module: ModuleType, name: str, settings: SerializationSettings) -> Any:
    return get_serializable(OrderedDict(), settings, getattr(module, name)).to_flyte_idl()


def _our_spec(module: ModuleType, name: str) -> Any:
    return task_spec(
        getattr(module, name), SerializationContext(project="p", domain="d", version="v1")
    )


def _without_sdk(spec: Any) -> Any:
    """The spec less what names its SDK: the runtime version, the entry point and the task's path."""
    copy = type(spec)()
    copy.CopyFrom(spec)
    template = copy.template
    template.metadata.runtime.version = ""
    template.id.name = template.id.name.rpartition(".")[2]
    template.container.ClearField("args")
    if template.HasField("k8s_pod"):
        for container in template.k8s_pod.pod_spec["containers"].values:
            container.struct_value.fields.pop("args", None)
    return copy


@pytest.mark.parametrize("name", NAMES)
def test_each_option_is_written_as_flytekit_writes_it(
    modules: tuple[ModuleType, ModuleType],
    name: str,
    kit_settings: SerializationSettings,
) -> None:
    ours, kit = modules
    mine, theirs = (
        _without_sdk(_our_spec(ours, name)),
        _without_sdk(_kit_spec(kit, name, kit_settings)),
    )
    assert mine.description == theirs.description
    for field in (
        "metadata",
        "interface",
        "container",
        "k8s_pod",
        "config",
        "security_context",
        "extended_resources",
    ):
        assert getattr(mine.template, field) == getattr(theirs.template, field), field


@pytest.mark.parametrize("name", NAMES)
def test_flytekit_reads_each_option_back(modules: tuple[ModuleType, ModuleType], name: str) -> None:
    ours, _ = modules
    spec = _our_spec(ours, name)
    model = kit_task_models.TaskSpec.from_flyte_idl(spec)
    assert model.to_flyte_idl().template == spec.template
    assert model.to_flyte_idl().description == spec.description


def test_a_pod_template_replaces_the_container_with_the_primary_container(
    modules: tuple[ModuleType, ModuleType],
) -> None:
    ours, _ = modules
    template = _our_spec(ours, "podded").template
    assert template.WhichOneof("target") == "k8s_pod"
    containers = template.k8s_pod.pod_spec["containers"]
    main = containers.values[0].struct_value
    assert main["image"] == "ghcr.io/acme/app:1"
    assert [e.struct_value["name"] for e in main["env"].values] == ["B", "A", "C"]
    assert main["args"].values[0].string_value == "flyte-execute"
