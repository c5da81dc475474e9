"""Discovery against real distributions: built with hatchling, installed into a fresh venv.

A good plugin per group sits beside one that does not import, one that raises while registering,
one that names an object of the wrong kind, two that claim the same task type, one that
requires a flyte-core this one is not (one of them under a marker that holds), and one that
requires flyte-core by a direct reference, as a local build writes. The statuses, the messages, and the good plugins' work
are checked through the `flyte` command and a script run inside that venv.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "{version}"
dependencies = [{dependencies}]

[project.entry-points."{group}"]
{entry_point}

[tool.hatch.metadata]
allow-direct-references = true

[tool.hatch.build.targets.wheel]
packages = ["{module}"]
"""

TEST_DISTRIBUTIONS = {
    "acme-units": (
        "flyte.transformers",
        "meters = acme_units:MetersTransformer",
        """
        from flyteidl.core import literals_pb2, types_pb2
        from flyte.types import TypeTransformer

        class Meters(float):
            pass

        class MetersTransformer(TypeTransformer):
            def __init__(self):
                super().__init__(name="Meters", t=Meters)

            def get_literal_type(self, t):
                return types_pb2.LiteralType(simple=types_pb2.SimpleType.FLOAT)
        """,
    ),
    "acme-queue": (
        "flyte.tasks",
        "queue = acme_queue",
        """
        from flyte.extend import TaskPluginRegistry, TaskTemplate

        class QueueConfig:
            pass

        class QueueTask(TaskTemplate):
            plugin_config: QueueConfig
            task_type = "queue"

        TaskPluginRegistry.register(QueueConfig, QueueTask)
        """,
    ),
    "acme-warehouse": (
        "flyte.connectors",
        "warehouse = acme_warehouse:WarehouseConnector",
        """
        from flyte.connectors import AsyncConnector

        class WarehouseConnector(AsyncConnector):
            name = "Warehouse Connector"
            task_type_name = "warehouse"
        """,
    ),
    "acme-missing-import": (
        "flyte.tasks",
        "missing = acme_missing_import",
        "import a_module_that_is_not_installed\n",
    ),
    "acme-raises": (
        "flyte.connectors",
        "raises = acme_raises:register",
        """
        def register():
            raise RuntimeError("cannot reach the licence server")
        """,
    ),
    "acme-wrong-kind": (
        "flyte.transformers",
        "wrong = acme_wrong_kind:SETTINGS",
        "SETTINGS = {'retries': 3}\n",
    ),
    "acme-queue-fork": (
        "flyte.tasks",
        "queue_fork = acme_queue_fork",
        """
        from flyte.extend import TaskPluginRegistry, TaskTemplate
        from acme_queue import QueueConfig

        class ForkedQueueTask(TaskTemplate):
            plugin_config: QueueConfig
            task_type = "queue"

        TaskPluginRegistry.register(QueueConfig, ForkedQueueTask)
        """,
    ),
    "acme-future": (
        "flyte.tasks",
        "future = acme_future",
        "raise AssertionError('an incompatible plugin must never be imported')\n",
    ),
    "acme-future-marker": (
        "flyte.tasks",
        "future_marker = acme_future_marker",
        "raise AssertionError('an incompatible plugin must never be imported')\n",
    ),
    "acme-local-build": (
        "flyte.tasks",
        "local_build = acme_local_build",
        "",
    ),
}

# The flyte-core requirement of each distribution that does not simply ask for "flyte-core"; they
# are installed without their dependencies, as no installer would accept them here.
CORE_REQUIREMENTS = {
    "acme-future": "flyte-core>=99",
    "acme-future-marker": "flyte-core>=99; python_version >= '3.10'",
    "acme-local-build": "flyte-core @ file:///tmp/build/flyte-core",
}

EXPECTED = {
    "acme-units": "loaded",
    "acme-queue": "loaded",
    "acme-warehouse": "loaded",
    "acme-missing-import": "failed",
    "acme-raises": "failed",
    "acme-wrong-kind": "failed",
    "acme-queue-fork": "conflict",
    "acme-future": "incompatible",
    "acme-future-marker": "incompatible",
    "acme-local-build": "loaded",
}


def write_distribution(root: Path, name: str) -> Path:
    group, entry_point, source = TEST_DISTRIBUTIONS[name]
    module = name.replace("-", "_")
    core = CORE_REQUIREMENTS.get(name, "flyte-core")
    dependencies = ", ".join(f'"{d}"' for d in [core] + (["acme-queue"] if "fork" in name else []))
    project = root / name
    (project / module).mkdir(parents=True)
    (project / module / "__init__.py").write_text(textwrap.dedent(source))
    (project / "pyproject.toml").write_text(
        PYPROJECT.format(
            name=name,
            version="1.0",
            dependencies=dependencies,
            group=group,
            entry_point='{} = "{}"'.format(*entry_point.split(" = ")),
            module=module,
        )
    )
    return project


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory: pytest.TempPathFactory, venvs) -> Path:
    """A fresh venv with the project's wheels and every test distribution installed."""
    root = tmp_path_factory.mktemp("dists")
    projects = {name: write_distribution(root, name) for name in TEST_DISTRIBUTIONS}
    without_deps = [projects.pop(name) for name in CORE_REQUIREMENTS]
    venv = venvs.create(root / "venv", [*venvs.project_wheels(), *projects.values()])
    venvs.create(venv, without_deps, no_deps=True)
    return venv


def run_in_venv(venv: Path, *args: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def statuses(venv: Path, env: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    records = json.loads(run_in_venv(venv, "flyte", "plugins", "--json", env=env))
    return {r["distribution"]: r for r in records}


def test_each_plugin_gets_the_status_it_earned(plugin_venv):
    found = statuses(plugin_venv)
    assert {d: r["status"] for d, r in found.items() if d.startswith("acme-")} == EXPECTED


def test_failures_name_the_cause(plugin_venv):
    found = statuses(plugin_venv)
    assert "ModuleNotFoundError" in found["acme-missing-import"]["error"]
    assert "a_module_that_is_not_installed" in found["acme-missing-import"]["traceback"]
    assert "cannot reach the licence server" in found["acme-raises"]["error"]
    wrong = found["acme-wrong-kind"]["error"]
    assert "wrong = acme_wrong_kind:SETTINGS" in wrong
    assert "expected a module, a TypeTransformer instance or subclass" in wrong
    assert "requires flyte-core>=99" in found["acme-future"]["error"]
    assert "requires flyte-core>=99" in found["acme-future-marker"]["error"]


def test_conflict_warning_names_both_distributions(plugin_venv):
    conflict = statuses(plugin_venv)["acme-queue-fork"]["error"]
    assert "acme-queue-fork" in conflict
    assert "acme-queue" in conflict.replace("acme-queue-fork", "")


def test_good_plugins_work_beside_the_broken_ones(plugin_venv):
    script = """
from acme_queue import QueueConfig
from acme_units import Meters
from flyte.connectors import ConnectorRegistry
from flyte.extend import TaskPluginRegistry
from flyte.types import TypeEngine

print(TypeEngine.get_transformer(Meters).name)
print(TaskPluginRegistry.find(QueueConfig).__name__)
print(ConnectorRegistry.get_connector("warehouse").name)
"""
    out = run_in_venv(plugin_venv, "python", "-c", script).splitlines()
    assert out == ["Meters", "QueueTask", "Warehouse Connector"]


def test_strict_plugins_command_exits_1(plugin_venv):
    out = subprocess.run(
        [str(plugin_venv / "bin" / "flyte"), "plugins", "--strict"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert "acme-raises" in out.stdout


def test_strict_environment_turns_a_failure_into_an_exception(plugin_venv):
    script = "from flyte.plugins import list_plugins; list_plugins()"
    out = subprocess.run(
        [str(plugin_venv / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "FLYTE_PLUGINS_STRICT": "1"},
        check=False,
    )
    assert out.returncode == 1
    assert "PluginLoadError" in out.stderr


def test_strict_environment_ends_the_plugins_command_with_one_line(plugin_venv):
    out = subprocess.run(
        [str(plugin_venv / "bin" / "flyte"), "plugins"],
        capture_output=True,
        text=True,
        env={**os.environ, "FLYTE_PLUGINS_STRICT": "1"},
        check=False,
    )
    assert out.returncode == 1
    (line,) = out.stderr.splitlines()
    assert line.startswith("flyte plugins: flyte.")
    assert line.endswith("(FLYTE_PLUGINS_STRICT=1)")


def test_disabled_plugins_are_listed_as_disabled(plugin_venv):
    found = statuses(plugin_venv, env={"FLYTE_DISABLED_PLUGINS": "acme-raises,wrong"})
    assert found["acme-raises"]["status"] == "disabled"
    assert found["acme-wrong-kind"]["status"] == "disabled"
    off = statuses(plugin_venv, env={"FLYTE_PLUGIN_AUTOLOAD": "0"})
    assert {r["status"] for r in off.values()} == {"disabled"}


def test_shipped_plugins_are_loaded_from_their_wheels():
    flyte = Path(sys.executable).parent / "flyte"
    out = subprocess.run([str(flyte), "plugins", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    found = {(r["group"], r["name"]): r["status"] for r in json.loads(out.stdout)}
    assert found == {
        ("flyte.connectors", "batch_job"): "loaded",
        ("flyte.tasks", "batch_job"): "loaded",
        ("flyte.tasks", "echo"): "loaded",
        ("flyte.transformers", "pandas"): "loaded",
        ("flyte.transformers", "positive_int"): "loaded",
        ("flyte.transformers", "pyarrow"): "loaded",
    }


def test_import_flyte_imports_no_plugin_module_with_plugins_installed():
    code = "import sys, flyte; print(sorted(m for m in sys.modules if 'flyteplugins' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
