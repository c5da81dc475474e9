"""TaskPluginRegistry: which task class serves a plugin config, and the error when none does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import flyte
from flyte import serialize_task
from flyte._tasks._plugins import task_class_for
from flyte.extend import AsyncFunctionTaskTemplate, PluginNotFoundError, TaskPluginRegistry
from flyte.models import SerializationContext


@dataclass
class Spark:
    executors: int = 1


@dataclass
class BigSpark(Spark):
    pass


class SparkTask(AsyncFunctionTaskTemplate):
    plugin_config: Spark
    task_type: str = "spark"


def test_registered_config_type_finds_its_task_class() -> None:
    TaskPluginRegistry.register(Spark, SparkTask)
    assert TaskPluginRegistry.find(Spark) is SparkTask
    assert TaskPluginRegistry.registered()[Spark] is SparkTask


def test_subclass_of_a_config_type_finds_the_base_task_class() -> None:
    TaskPluginRegistry.register(Spark, SparkTask)
    assert TaskPluginRegistry.find(BigSpark) is SparkTask


def test_register_refuses_what_is_not_a_task_class() -> None:
    with pytest.raises(TypeError, match="takes a TaskTemplate subclass"):
        TaskPluginRegistry.register(Spark, object)  # type: ignore[arg-type]


def test_unregistered_config_names_its_type_and_the_entry_points_searched(make_dist) -> None:  # type: ignore[no-untyped-def]
    make_dist(
        "acme-tasks",
        version="2.0",
        entry_points={"flyte.tasks": {"acme": "acme_tasks"}},
        modules={"acme_tasks": ""},
    )
    with pytest.raises(PluginNotFoundError) as info:
        task_class_for(Spark())
    message = str(info.value)
    assert "test_tasks_plugins.Spark" in message
    assert "'flyte.tasks' entry points" in message
    assert "'acme' (acme-tasks 2.0: loaded)" in message


def test_a_miss_loads_the_flyte_tasks_entry_points_then_finds(make_dist) -> None:  # type: ignore[no-untyped-def]
    make_dist(
        "acme-queue",
        entry_points={"flyte.tasks": {"queue": "acme_queue:QueueTask"}},
        modules={
            "acme_queue": """
                from dataclasses import dataclass
                from flyte.extend import AsyncFunctionTaskTemplate

                @dataclass
                class Queue:
                    name: str = "default"

                class QueueTask(AsyncFunctionTaskTemplate):
                    plugin_config: Queue
                    task_type: str = "queue"
            """
        },
    )
    import acme_queue  # type: ignore[import-not-found]

    assert TaskPluginRegistry.find(acme_queue.Queue) is acme_queue.QueueTask


def test_a_task_class_without_its_own_config_annotation_is_a_failed_plugin(make_dist) -> None:  # type: ignore[no-untyped-def]
    make_dist(
        "acme-bare",
        entry_points={"flyte.tasks": {"bare": "acme_bare:BareTask"}},
        modules={
            "acme_bare": """
                from flyte.extend import AsyncFunctionTaskTemplate

                class BareTask(AsyncFunctionTaskTemplate):
                    task_type: str = "bare"
            """
        },
    )
    from flyte.plugins import list_plugins

    (record,) = [p for p in list_plugins() if p.name == "bare"]
    assert record.status.value == "failed"
    assert "BareTask does not annotate plugin_config with its config type" in record.error


@dataclass
class Dask:
    scheduler: str = "local"


@dataclass(kw_only=True)
class DaskTask(AsyncFunctionTaskTemplate):
    """A plugin task class declared as a dataclass adding fields, as flyte-sdk's plugins do."""

    plugin_config: Dask
    task_type: str = "dask"
    workers: int = 2

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        return {"scheduler": self.plugin_config.scheduler, "workers": self.workers}


def test_a_dataclass_task_class_with_its_own_fields_is_built_by_env_task() -> None:
    TaskPluginRegistry.register(Dask, DaskTask)
    env = flyte.TaskEnvironment(name="d", retries=1)

    @env.task(config=Dask("remote"))
    def crunch(x: int) -> int:
        return x * 2

    assert type(crunch) is DaskTask
    assert (crunch.workers, crunch.retries, crunch.task_type) == (2, 1, "dask")
    template = serialize_task(crunch, SerializationContext())
    assert template.type == "dask"
    assert dict(template.custom) == {"scheduler": "remote", "workers": 2.0}
    assert flyte.run(crunch, x=21) == 42
    direct = DaskTask(func=crunch.func, plugin_config=Dask(), workers=8)
    assert (direct.name, direct.workers) == ("crunch", 8)
