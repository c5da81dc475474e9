"""Task templates cross between the SDKs: flytekit parses ours, and serializes the same contract.

Runs in the `interop` nox session, where flytekit 1.16.31 is installed beside the project wheels.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit")

from flyteidl.admin import task_pb2  # noqa: E402
from flyteidl.core import literals_pb2  # noqa: E402
from flytekit.configuration import SerializationSettings  # noqa: E402
from flytekit.models import task as kit_task_models  # noqa: E402
from flytekit.tools.translator import get_serializable  # noqa: E402

import flyte  # noqa: E402
from flyte import serialize_task  # noqa: E402
from flyte._runtime._entrypoint import main as flyte_execute  # noqa: E402
from flyte.models import SerializationContext  # noqa: E402

#: The same tasks, once per SDK: a signature each, and the settings that reach the template.
OURS = """
import datetime
from typing import NamedTuple, Optional

import flyte
from flyteplugins.echo import Echo

class Stats(NamedTuple):
    mean: float
    count: int

env = flyte.TaskEnvironment(name="interop", image="ghcr.io/acme/app:1")

@env.task(retries=2, timeout=90, cache="v7")
def add(x: int, items: list[int], y: int = 1) -> tuple[int, str]:
    return x + sum(items) + y, "sum"

@env.task
def describe(scores: dict[str, float], label: Optional[str] = None, when: datetime.datetime = datetime.datetime(2024, 1, 1)) -> Stats:
    return Stats(sum(scores.values()) / len(scores), len(scores))

@env.task
def flag(on: bool, ratio: float, name: str) -> None:
    pass

constrained = flyte.TaskEnvironment(
    name="constrained",
    image="ghcr.io/acme/app:1",
    resources=flyte.Resources(cpu=(1, 2), memory="1Gi"),
    env_vars={"A": "1"},
    secrets=["vault/token"],
)

@constrained.task
def limited(x: int) -> int:
    return x

@env.task(config=Echo())
def echo(x: int) -> int: ...
"""

KIT = """
import datetime
import typing
from typing import NamedTuple, Optional

from flytekit import Resources, Secret, task

class Stats(NamedTuple):
    mean: float
    count: int

@task(retries=2, timeout=datetime.timedelta(seconds=90), cache=True, cache_version="v7")
def add(x: int, items: typing.List[int], y: int = 1) -> typing.Tuple[int, str]:
    return x + sum(items) + y, "sum"

@task
def describe(scores: typing.Dict[str, float], label: Optional[str] = None, when: datetime.datetime = datetime.datetime(2024, 1, 1)) -> Stats:
    return Stats(sum(scores.values()) / len(scores), len(scores))

@task
def flag(on: bool, ratio: float, name: str) -> None:
    pass

@task(requests=Resources(cpu="1", mem="1Gi"), limits=Resources(cpu="2", mem="1Gi"),
      environment={"A": "1"}, secret_requests=[Secret(group="vault", key="token")])
def limited(x: int) -> int:
    return x
"""

NAMES = ["add", "describe", "flag", "limited"]


@pytest.fixture(scope="module")
def modules(
    source_modules: Callable[..., tuple[ModuleType, ...]],
) -> tuple[ModuleType, ...]:
    return source_modules(interop_ours=OURS, interop_kit=KIT)


def _kit_template(module: ModuleType, name: str, settings: SerializationSettings) -> Any:
    return get_serializable(OrderedDict(), settings, getattr(module, name)).template.to_flyte_idl()


def _ours(module: ModuleType, name: str) -> Any:
    sctx = SerializationContext(project="p", domain="d", version="v1")
    return serialize_task(getattr(module, name), sctx)


def test_flytekit_parses_every_template_flyte_serialize_writes(
    modules: tuple[ModuleType, ModuleType], tmp_path: Path
) -> None:
    ours, _ = modules
    out = tmp_path / "out"
    out.mkdir()
    flyte.serialize(ours.__file__, project="p", domain="d", version="v1", output_dir=out)
    files = sorted(out.glob("*.pb"))
    assert len(files) == 5
    for path in files:
        spec = task_pb2.TaskSpec()
        spec.ParseFromString(path.read_bytes())
        model = kit_task_models.TaskSpec.from_flyte_idl(spec)
        assert model.template.id.name == spec.template.id.name
        # flytekit writes back what it read (it adds only empty messages, such as resources {}).
        back, mine = model.template.to_flyte_idl(), spec.template
        for field in ("id", "type", "metadata", "interface", "custom", "security_context"):
            assert getattr(back, field) == getattr(mine, field), (path.name, field)
        assert back.container.args == mine.container.args
        assert back.container.image == mine.container.image
        assert list(back.container.env) == list(mine.container.env)


@pytest.mark.parametrize("name", NAMES)
def test_flytekit_serializes_the_same_interface(
    modules: tuple[ModuleType, ModuleType],
    name: str,
    kit_settings: SerializationSettings,
) -> None:
    ours, kit = modules
    assert _ours(ours, name).interface == _kit_template(kit, name, kit_settings).interface


@pytest.mark.parametrize("name", NAMES)
def test_flytekit_serializes_the_same_metadata_and_container_settings(
    modules: tuple[ModuleType, ModuleType],
    name: str,
    kit_settings: SerializationSettings,
) -> None:
    ours, kit = modules
    mine, theirs = _ours(ours, name), _kit_template(kit, name, kit_settings)
    assert mine.type == theirs.type == "python-task"
    for field in ("retries", "timeout", "discoverable", "discovery_version"):
        assert getattr(mine.metadata, field) == getattr(theirs.metadata, field), field
    assert mine.metadata.runtime.type == theirs.metadata.runtime.type
    assert mine.metadata.runtime.flavor == theirs.metadata.runtime.flavor
    assert mine.container.image == theirs.container.image
    assert mine.container.resources == theirs.container.resources
    assert list(mine.container.env) == list(theirs.container.env)
    assert mine.security_context == theirs.security_context


@pytest.mark.parametrize("name", NAMES)
def test_the_container_args_carry_the_same_backend_placeholders(
    modules: tuple[ModuleType, ModuleType],
    name: str,
    kit_settings: SerializationSettings,
) -> None:
    ours, kit = modules
    mine = list(_ours(ours, name).container.args)
    theirs = list(_kit_template(kit, name, kit_settings).container.args)
    for flag in ("--inputs", "--output-prefix", "--raw-output-data-prefix"):
        assert mine[mine.index(flag) + 1] == theirs[theirs.index(flag) + 1], flag


def test_the_entry_point_reads_flytekit_inputs_and_flytekit_reads_its_outputs(
    modules: tuple[ModuleType, ModuleType], tmp_path: Path
) -> None:
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine as KitTypeEngine

    ours, _ = modules
    ctx = FlyteContextManager.current_context()
    python_types = {"x": int, "items": list[int], "y": int}
    types = {n: KitTypeEngine.to_literal_type(t) for n, t in python_types.items()}
    literal_map = KitTypeEngine.dict_to_literal_map(
        ctx, {"x": 1, "items": [2, 3], "y": 4}, type_hints=python_types
    )
    assert set(literal_map.literals) == set(types)
    inputs = tmp_path / "inputs.pb"
    inputs.write_bytes(literal_map.to_flyte_idl().SerializeToString())
    argv = ["--inputs", str(inputs), "--output-prefix", str(tmp_path / "out")]
    assert flyte_execute([*argv, "--module", ours.__name__, "--task", "add"]) == 0
    assert not (tmp_path / "out" / "error.pb").exists()
    outputs = literals_pb2.LiteralMap()
    outputs.ParseFromString((tmp_path / "out" / "outputs.pb").read_bytes())
    from flytekit.models.literals import LiteralMap as KitLiteralMap

    values = KitTypeEngine.literal_map_to_kwargs(
        ctx, KitLiteralMap.from_flyte_idl(outputs), python_types={"o0": int, "o1": str}
    )
    assert values == {"o0": 10, "o1": "sum"}


def test_flytekit_reads_the_inputs_a_local_run_writes(
    modules: tuple[ModuleType, ModuleType],
) -> None:
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine as KitTypeEngine
    from flytekit.models.literals import LiteralMap as KitLiteralMap

    from flyte.types import TypeEngine

    ours, _ = modules
    task = ours.describe
    values = {
        "scores": {"a": 1.0, "b": 3.0},
        "label": None,
        "when": task.interface.defaults["when"],
    }
    literal_map = asyncio.run(TypeEngine.to_literal_map(values, task.interface.inputs))
    kwargs = KitTypeEngine.literal_map_to_kwargs(
        FlyteContextManager.current_context(),
        KitLiteralMap.from_flyte_idl(literal_map),
        python_types={
            "scores": dict[str, float],
            "label": str | None,
            "when": type(values["when"]),
        },
    )
    assert kwargs["scores"] == {"a": 1.0, "b": 3.0}
    assert kwargs["label"] is None
    assert flyte.run(task, scores={"a": 1.0, "b": 3.0}) == ours.Stats(2.0, 2)
