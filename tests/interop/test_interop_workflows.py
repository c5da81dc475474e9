"""Workflows serialize to the graph flytekit 1.16 writes for the same code, and flytekit reads it back.

The same workflows are written once per SDK. Their admin specs must be equal once the names that
carry each SDK's module (``wf_ours.extract`` against ``wf_kit.extract``) are cut to their last
part; the map's name keeps its hash of the bound inputs and settings, which must match.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit")

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2  # noqa: E402
from flytekit import LaunchPlan  # noqa: E402
from flytekit.configuration import SerializationSettings  # noqa: E402
from flytekit.models import launch_plan as kit_launch_plan  # noqa: E402
from flytekit.models.admin import workflow as kit_workflow  # noqa: E402
from flytekit.tools.translator import get_serializable  # noqa: E402

import flyte  # noqa: E402

OURS = '''
import datetime
import functools
from typing import NamedTuple, Optional

import flyte

env = flyte.TaskEnvironment(name="wf_ours", image="ghcr.io/acme/app:1")

class Stats(NamedTuple):
    mean: float
    count: int

@env.task
def extract(day: str) -> str:
    return day

@env.task
def split(x: int) -> tuple[int, str]:
    return x, str(x)

@env.task(retries=3, timeout=60, interruptible=True)
def flaky(x: int) -> Stats:
    return Stats(1.0, x)

@env.task
def report(day: str, n: int) -> int:
    return n

@env.task
def summarize(table: str, results: list[Optional[int]], extra: dict[str, int]) -> str:
    return table

@flyte.workflow
def sub(day: str) -> str:
    return extract(day=day)

@flyte.workflow
def daily(day: str, k: int = 2) -> str:
    """Summarize a day.

    :param day: the day
    :param k: how many
    :return: the summary
    """
    raw = extract(day=day)
    a, b = split(x=k)
    jobs = flyte.map(report, day=[day, raw], n=[a, 5], concurrency=4, min_success_ratio=0.5)
    s = sub(day=raw)
    return summarize(table=s, results=jobs, extra={"a": a, "c": 7})

@flyte.workflow
def bound(x: int = 3, days: list[str] = ["a", "b"]) -> tuple[float, list[int]]:
    s = flaky(x=x)
    return s.mean, flyte.map(report, day=days, n=5)

from typing import TypeVar
from flyte.io import DataFrame, Dir, File

CSV = TypeVar("csv")

@env.task
def fetch(day: str) -> File[CSV]:
    return File(day)

@env.task
def unpack(f: File[CSV]) -> Dir:
    return Dir(f.path)

@env.task
def load(d: Dir, f: File[CSV]) -> DataFrame:
    return DataFrame(uri=d.path)

@env.task
def count(f: File[CSV]) -> int:
    return 1

@flyte.workflow
def files(days: list[str]) -> tuple[DataFrame, list[int]]:
    f = fetch(day="mon")
    fetched = flyte.map(fetch, day=days)
    return load(d=unpack(f=f), f=f), flyte.map(count, f=fetched)
'''

KIT = '''
import datetime
import functools
import typing
from typing import NamedTuple, Optional

from flytekit import task, workflow
from flytekit.core.array_node_map_task import map_task

class Stats(NamedTuple):
    mean: float
    count: int

@task
def extract(day: str) -> str:
    return day

@task
def split(x: int) -> typing.Tuple[int, str]:
    return x, str(x)

@task(retries=3, timeout=datetime.timedelta(seconds=60), interruptible=True)
def flaky(x: int) -> Stats:
    return Stats(1.0, x)

@task
def report(day: str, n: int) -> int:
    return n

@task
def summarize(table: str, results: typing.List[Optional[int]], extra: typing.Dict[str, int]) -> str:
    return table

@workflow
def sub(day: str) -> str:
    return extract(day=day)

@workflow
def daily(day: str, k: int = 2) -> str:
    """Summarize a day.

    :param day: the day
    :param k: how many
    :return: the summary
    """
    raw = extract(day=day)
    a, b = split(x=k)
    jobs = map_task(report, concurrency=4, min_success_ratio=0.5)(day=[day, raw], n=[a, 5])
    s = sub(day=raw)
    return summarize(table=s, results=jobs, extra={"a": a, "c": 7})

@workflow
def bound(x: int = 3, days: typing.List[str] = ["a", "b"]) -> typing.Tuple[float, typing.List[int]]:
    s = flaky(x=x)
    return s.mean, map_task(functools.partial(report, n=5))(day=days)

from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from flytekit.types.structured import StructuredDataset

CSV = typing.TypeVar("csv")

@task
def fetch(day: str) -> FlyteFile[CSV]:
    return FlyteFile(day)

@task
def unpack(f: FlyteFile[CSV]) -> FlyteDirectory:
    return FlyteDirectory(f.path)

@task
def load(d: FlyteDirectory, f: FlyteFile[CSV]) -> StructuredDataset:
    return StructuredDataset(uri=d.path)

@task
def count(f: FlyteFile[CSV]) -> int:
    return 1

@workflow
def files(days: typing.List[str]) -> typing.Tuple[StructuredDataset, typing.List[int]]:
    f = fetch(day="mon")
    fetched = map_task(fetch)(day=days)
    return load(d=unpack(f=f), f=f), map_task(count)(f=fetched)
'''

WORKFLOWS = ["daily", "bound", "files"]


@pytest.fixture(scope="module")
def modules(
    source_modules: Callable[..., tuple[ModuleType, ...]],
) -> tuple[ModuleType, ...]:
    return source_modules(wf_ours=OURS, wf_kit=KIT)


SETTINGS = {"project": "p", "domain": "d", "version": "v1"}


def _kit(
    module: ModuleType, name: str, settings: SerializationSettings
) -> tuple[Any, Any, list[Any]]:
    entities: OrderedDict[Any, Any] = OrderedDict()
    workflow = getattr(module, name)
    spec = get_serializable(entities, settings, workflow).to_flyte_idl()
    plan = get_serializable(entities, settings, LaunchPlan.get_or_create(workflow)).to_flyte_idl()
    maps = [v.to_flyte_idl() for k, v in entities.items() if type(k).__name__ == "ArrayNodeMapTask"]
    return spec, plan, maps


def _ours(module: ModuleType, name: str) -> tuple[Any, Any, list[Any]]:
    specs = flyte.serialize(getattr(module, name), **SETTINGS)
    spec = next(
        s
        for s in specs
        if isinstance(s, workflow_pb2.WorkflowSpec) and s.template.id.name.endswith(f".{name}")
    )
    plan = next(
        s
        for s in specs
        if isinstance(s, launch_plan_pb2.LaunchPlan) and s.id.name.endswith(f".{name}")
    )
    maps = [
        s for s in specs if isinstance(s, task_pb2.TaskSpec) and "-arraynode" in s.template.id.name
    ]
    return spec, plan, maps


def _short(message: Any) -> Any:
    """``message`` with every module-qualified name cut to its last part."""
    copy = type(message)()
    copy.CopyFrom(message)
    _cut(copy)
    return copy


def _cut(message: Any) -> None:
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                for item in value.values():
                    if hasattr(item, "ListFields"):
                        _cut(item)
            elif field.is_repeated:
                for item in value:
                    _cut(item)
            else:
                _cut(value)
        elif (
            field.type == field.TYPE_STRING
            and field.name in ("name", "id")
            and not field.is_repeated
        ):
            setattr(message, field.name, value.rpartition(".")[2])


@pytest.mark.parametrize("name", WORKFLOWS)
def test_the_workflow_spec_is_the_one_flytekit_writes(
    modules: tuple[ModuleType, ModuleType],
    name: str,
    kit_settings: SerializationSettings,
) -> None:
    ours, kit = modules
    mine, theirs = _short(_ours(ours, name)[0]), _short(_kit(kit, name, kit_settings)[0])
    for node in [*mine.template.nodes, *theirs.template.nodes]:
        node.upstream_node_ids.sort()  # flytekit's come from a set, in no fixed order
    for mine_node, their_node in zip(mine.template.nodes, theirs.template.nodes, strict=True):
        assert mine_node == their_node, mine_node.id
    assert mine.template == theirs.template
    assert list(mine.sub_workflows) == list(theirs.sub_workflows)
    assert mine.description == theirs.description


@pytest.mark.parametrize("name", WORKFLOWS)
def test_the_launch_plan_is_the_one_flytekit_writes(
    modules: tuple[ModuleType, ModuleType],
    name: str,
    kit_settings: SerializationSettings,
) -> None:
    ours, kit = modules
    assert _short(_ours(ours, name)[1]) == _short(_kit(kit, name, kit_settings)[1])


@pytest.mark.parametrize("name", WORKFLOWS)
def test_the_map_task_has_flytekits_name_interface_and_metadata(
    modules: tuple[ModuleType, ModuleType],
    name: str,
    kit_settings: SerializationSettings,
) -> None:
    ours, kit = modules
    mine_maps = sorted((_short(m.template) for m in _ours(ours, name)[2]), key=str)
    their_maps = sorted((_short(m.template) for m in _kit(kit, name, kit_settings)[2]), key=str)
    assert len(mine_maps) == len(their_maps) > 0
    for mine, theirs in zip(mine_maps, their_maps, strict=True):
        assert mine.id == theirs.id
        assert mine.interface == theirs.interface
        assert mine.type == theirs.type
        assert mine.task_type_version == theirs.task_type_version
        for field in ("retries", "timeout", "interruptible", "discoverable"):
            assert getattr(mine.metadata, field) == getattr(theirs.metadata, field), field


def _read_by_flytekit(spec: Any, plan: Any) -> tuple[Any, Any]:
    """What flytekit's models make of a workflow spec and a launch plan, written back."""
    read_spec = kit_workflow.WorkflowSpec.from_flyte_idl(spec).to_flyte_idl()
    read_plan = kit_launch_plan.LaunchPlan.from_flyte_idl(plan).to_flyte_idl()
    for node in read_spec.template.nodes:
        node.upstream_node_ids.sort()
    return _short(read_spec), _short(read_plan)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_flytekit_reads_the_workflow_and_its_launch_plan_as_it_reads_its_own(
    modules: tuple[ModuleType, ModuleType],
    name: str,
    kit_settings: SerializationSettings,
) -> None:
    ours, kit = modules
    mine, theirs = _ours(ours, name), _kit(kit, name, kit_settings)
    assert _read_by_flytekit(*mine[:2]) == _read_by_flytekit(*theirs[:2])
