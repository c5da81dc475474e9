"""Serialization of a task to flyteidl's TaskTemplate, and flyte.serialize's pyflyte-package layout."""

from __future__ import annotations

import datetime
import sys
import tarfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import task_pb2
from flyteidl.core import identifier_pb2, tasks_pb2

import flyte
from flyte import serialize_task
from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry
from flyte.models import CodeBundle, SerializationContext

SCTX = SerializationContext(project="proj", domain="dev", version="v1", org="acme")


@dataclass
class Sleep:
    seconds: int = 1


class SleepTask(AsyncFunctionTaskTemplate):
    plugin_config: Sleep
    task_type: str = "sleep"
    task_type_version = 2

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        return {"seconds": self.plugin_config.seconds, "project": sctx.project}

    def config(self, sctx: SerializationContext) -> dict[str, str]:
        return {"queue": "slow"}


env = flyte.TaskEnvironment(
    name="ser",
    image="ghcr.io/acme/app:1",
    resources=flyte.Resources(cpu=(1, 2), memory="1Gi", gpu=1),
    env_vars={"B": "2", "A": "1"},
    secrets=["vault/token"],
    retries=2,
    timeout=90,
)


@env.task(cache="v7")
def add(x: int, y: int = 1) -> tuple[int, str]:
    return x + y, "sum"


def test_identifier_type_and_metadata() -> None:
    template = serialize_task(add, SCTX)
    assert template.id == identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK,
        project="proj",
        domain="dev",
        name="ser.add",
        version="v1",
        org="acme",
    )
    assert (template.type, template.task_type_version) == ("python-task", 0)
    meta = template.metadata
    assert meta.retries.retries == 2
    assert meta.timeout.ToTimedelta() == datetime.timedelta(seconds=90)
    assert (meta.discoverable, meta.discovery_version) == (True, "v7")
    assert meta.runtime.type == tasks_pb2.RuntimeMetadata.FLYTE_SDK
    assert meta.runtime.flavor == "python"
    assert not template.HasField("custom")


def test_interface_names_inputs_and_outputs() -> None:
    interface = serialize_task(add, SCTX).interface
    assert set(interface.inputs.variables) == {"x", "y"}
    assert set(interface.outputs.variables) == {"o0", "o1"}


def test_container_carries_image_resources_env_and_the_backend_placeholders() -> None:
    container = serialize_task(add, SCTX).container
    assert container.image == "ghcr.io/acme/app:1"
    args = list(container.args)
    assert args[0] == "flyte-execute"
    for flag, placeholder in [
        ("--inputs", "{{.input}}"),
        ("--output-prefix", "{{.outputPrefix}}"),
        ("--raw-output-data-prefix", "{{.rawOutputDataPrefix}}"),
        ("--module", __name__),
        ("--task", "add"),
    ]:
        assert args[args.index(flag) + 1] == placeholder
    requests = {e.name: e.value for e in container.resources.requests}
    limits = {e.name: e.value for e in container.resources.limits}
    r = tasks_pb2.Resources
    assert requests == {r.CPU: "1", r.MEMORY: "1Gi", r.GPU: "1"}
    assert limits == {r.CPU: "2", r.MEMORY: "1Gi", r.GPU: "1"}
    # In the order given, as flytekit writes them.
    assert [(kv.key, kv.value) for kv in container.env] == [("B", "2"), ("A", "1")]


def test_secrets_go_to_the_security_context() -> None:
    (secret,) = serialize_task(add, SCTX).security_context.secrets
    assert (secret.group, secret.key) == ("vault", "token")


def test_code_bundle_is_named_in_the_args() -> None:
    bundle = CodeBundle(location="s3://b/fast1.tar.gz", destination="/root")
    sctx = SerializationContext(version="v1", code_bundle=bundle)
    args = list(serialize_task(add, sctx).container.args)
    assert args[args.index("--code-bundle") + 1] == "s3://b/fast1.tar.gz"
    assert args[args.index("--dest") + 1] == "/root"


def test_plugin_custom_config_version_and_config_map() -> None:
    TaskPluginRegistry.register(Sleep, SleepTask)

    @env.task(config=Sleep(5))
    def nap(x: int) -> int:
        return x

    template = serialize_task(nap, SCTX)
    assert (template.type, template.task_type_version) == ("sleep", 2)
    assert dict(template.custom) == {"seconds": 5, "project": "proj"}
    assert dict(template.config) == {"queue": "slow"}


def test_sql_replaces_the_container() -> None:
    class Query(AsyncFunctionTaskTemplate):
        def sql(self, sctx: SerializationContext) -> tasks_pb2.Sql:
            return tasks_pb2.Sql(statement="select 1", dialect=tasks_pb2.Sql.ANSI)

    def q() -> None: ...

    template = serialize_task(Query(func=q), SCTX)
    assert template.WhichOneof("target") == "sql"
    assert template.sql.statement == "select 1"


def test_serialization_is_deterministic() -> None:
    first = serialize_task(add, SCTX).SerializeToString(deterministic=True)
    assert serialize_task(add, SCTX).SerializeToString(deterministic=True) == first


WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="app")

@env.task
def double(x: int) -> int:
    return 2 * x

@env.task
async def greet(name: str) -> str:
    return "hi " + name
"""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "src"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "flows.py").write_text(textwrap.dedent(WORKFLOW))
    yield root
    for name in ("app", "app.flows"):
        sys.modules.pop(name, None)
    if str(root) in sys.path:
        sys.path.remove(str(root))


def test_serialize_writes_task_specs_and_the_bundle_as_pyflyte_package_does(
    app: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    specs = flyte.serialize(
        str(app / "app" / "flows.py"), project="p", domain="d", output_dir=out, root_dir=app
    )
    assert [s.template.id.name for s in specs] == ["app.double", "app.greet"]
    names = sorted(p.name for p in out.iterdir())
    bundle = next(n for n in names if n.startswith("fast"))
    assert names[:2] == ["0_app.double_1.pb", "1_app.greet_1.pb"]
    version = bundle[len("fast") : -len(".tar.gz")]
    spec = task_pb2.TaskSpec()
    spec.ParseFromString((out / "0_app.double_1.pb").read_bytes())
    assert spec.template.id.version == version
    args = list(spec.template.container.args)
    assert args[args.index("--module") + 1] == "app.flows"
    assert args[args.index("--code-bundle") + 1] == "{{ .remote_package_path }}"
    assert args[args.index("--dest") + 1] == "{{ .dest_dir }}"
    with tarfile.open(out / bundle) as tar:
        assert tar.getnames() == ["app/__init__.py", "app/flows.py"]


def test_an_archive_output_holds_the_same_files_as_pyflyte_package(
    app: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "flyte-package.tgz"
    flyte.serialize(str(app / "app" / "flows.py"), version="v1", output_dir=archive, root_dir=app)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[:2] == ["0_app.double_1.pb", "1_app.greet_1.pb"]
    assert names[2].startswith("fast")
    assert names[2].endswith(".tar.gz")
    assert len(names) == 3


def test_every_backend_option_reaches_the_template() -> None:
    opts = flyte.TaskEnvironment(name="opts", image="img:1", interruptible=True)

    @opts.task(
        cache=flyte.Cache("auto", serialize=True, ignored_inputs=("b",)),
        resources=flyte.Resources(
            cpu=1, gpu=flyte.GPU("A100", 2, partition="1g.5gb"), ephemeral_storage="10Gi"
        ),
        secrets=[flyte.Secret(key="k", group="g", as_env_var="TOKEN")],
        deprecated="use v2",
        description="Short and new.",
    )
    def job(a: int, b: str) -> int:
        """Old short.

        The long part.
        """
        return a

    template = serialize_task(job, SCTX)
    metadata = template.metadata
    assert metadata.interruptible is True
    assert (metadata.discoverable, metadata.cache_serializable) == (True, True)
    assert list(metadata.cache_ignore_input_vars) == ["b"]
    assert metadata.deprecated_error_message == "use v2"
    r = tasks_pb2.Resources
    requests = [(e.name, e.value) for e in template.container.resources.requests]
    assert requests == [(r.EPHEMERAL_STORAGE, "10Gi"), (r.CPU, "1"), (r.GPU, "2")]
    gpu = template.extended_resources.gpu_accelerator
    assert (gpu.device, gpu.partition_size) == ("nvidia-tesla-a100", "1g.5gb")
    (secret,) = template.security_context.secrets
    assert (secret.group, secret.key, secret.env_var) == ("g", "k", "TOKEN")
    assert secret.mount_requirement == secret.ENV_VAR
    spec = flyte.serialize(job, project="p", domain="d", version="v")[0]
    assert spec.description.short_description == "Short and new."
    assert spec.description.long_description.value == "The long part."


def test_a_pod_template_becomes_the_k8s_pod_and_a_name_the_metadata() -> None:
    pods = flyte.TaskEnvironment(name="pods", image="img:1")

    @pods.task(pod_template=flyte.PodTemplate(pod_spec={"nodeSelector": {"pool": "big"}}))
    def inline(x: int) -> int:
        return x

    @pods.task(pod_template="cluster-template")
    def named(x: int) -> int:
        return x

    template = serialize_task(inline, SCTX)
    assert template.WhichOneof("target") == "k8s_pod"
    assert template.config["primary_container_name"] == "primary"
    spec = template.k8s_pod.pod_spec
    assert spec["nodeSelector"]["pool"] == "big"
    (primary,) = spec["containers"].values
    assert primary.struct_value["name"] == "primary"
    assert primary.struct_value["image"] == "img:1"
    assert serialize_task(named, SCTX).metadata.pod_template_name == "cluster-template"
    assert serialize_task(named, SCTX).WhichOneof("target") == "container"


def test_descriptions_of_inputs_and_outputs_come_from_the_docstring() -> None:
    @env.task
    def described(x: int, y: int) -> int:
        """Sum.

        :param x: left
        :return: the total
        """
        return x + y

    variables = serialize_task(described, SCTX).interface
    assert variables.inputs.variables["x"].description == "left"
    assert variables.inputs.variables["y"].description == "y"
    assert variables.outputs.variables["o0"].description == "the total"
