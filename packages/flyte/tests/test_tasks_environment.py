"""TaskEnvironment and @env.task: how functions become tasks, and the errors at definition time."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest

import flyte
from flyte.extend import (
    AsyncFunctionTaskTemplate,
    PluginNotFoundError,
    TaskDefinitionError,
    TaskPluginRegistry,
    TaskTemplate,
)
from flyte.models import NativeInterface


@dataclass
class Queue:
    name: str = "default"


class QueueTask(AsyncFunctionTaskTemplate):
    plugin_config: Queue
    task_type: str = "queue"


def test_bare_decorator_makes_a_function_task_with_the_environment_settings() -> None:
    env = flyte.TaskEnvironment(
        name="etl", image="img:1", retries=3, timeout=60, env_vars={"A": "1"}, cache=True
    )

    @env.task
    def clean(rows: list[int], limit: int = 10) -> list[int]:
        return rows[:limit]

    assert isinstance(clean, AsyncFunctionTaskTemplate)
    assert clean.name == "etl.clean"
    assert (clean.image, clean.retries, clean.cache) == ("img:1", 3, flyte.Cache("auto"))
    assert clean.timeout == datetime.timedelta(seconds=60)
    assert clean.env_vars == {"A": "1"}
    assert clean.interface.inputs == {"rows": list[int], "limit": int}
    assert clean.interface.defaults == {"limit": 10}
    assert clean.interface.outputs == {"o0": list[int]}
    assert clean([1, 2, 3], limit=1) == [1]


def test_decorator_arguments_override_the_environment() -> None:
    env = flyte.TaskEnvironment(name="etl", retries=3, env_vars={"A": "1"})

    @env.task(name="custom", retries=0, timeout=datetime.timedelta(minutes=1), env_vars={"B": "2"})
    async def load(x: int) -> int:
        return x

    assert (load.name, load.retries) == ("custom", 0)
    assert load.timeout == datetime.timedelta(minutes=1)
    assert load.env_vars == {"A": "1", "B": "2"}


@pytest.mark.parametrize("keyword", ["config", "plugin_config"])
def test_a_plugin_config_picks_the_registered_task_class(keyword: str) -> None:
    TaskPluginRegistry.register(Queue, QueueTask)
    env = flyte.TaskEnvironment(name="q")

    @env.task(**{keyword: Queue("fast")})
    def job(x: int) -> int:
        return x

    assert type(job) is QueueTask
    assert job.plugin_config == Queue("fast")
    assert job.task_type == "queue"


def test_the_environment_plugin_config_applies_to_its_tasks() -> None:
    TaskPluginRegistry.register(Queue, QueueTask)
    env = flyte.TaskEnvironment(name="q", plugin_config=Queue())

    @env.task
    def job(x: int) -> int:
        return x

    assert type(job) is QueueTask


def test_config_and_plugin_config_together_are_refused() -> None:
    env = flyte.TaskEnvironment(name="q")
    with pytest.raises(TaskDefinitionError, match="not both"):
        env.task(config=Queue(), plugin_config=Queue())


def test_a_config_with_no_plugin_is_refused_at_definition() -> None:
    env = flyte.TaskEnvironment(name="q")
    with pytest.raises(PluginNotFoundError, match=r"test_tasks_environment\.Queue"):

        @env.task(config=Queue())
        def job(x: int) -> int:
            return x


class Opaque:
    pass


def test_an_unsupported_type_names_the_task_and_the_input() -> None:
    env = flyte.TaskEnvironment(name="bad")
    with pytest.raises(
        TaskDefinitionError,
        match=r"task 'bad\.f' \(function .*\.f\): input 'thing' has the unsupported",
    ):

        @env.task
        def f(thing: Opaque) -> int:
            return 1


def test_a_missing_hint_is_refused_at_decoration() -> None:
    env = flyte.TaskEnvironment(name="bad")
    with pytest.raises(TaskDefinitionError, match="parameter 'x' has no type hint"):

        @env.task
        def f(x) -> int:  # type: ignore[no-untyped-def]
            return 1


def test_a_template_can_be_built_without_a_function() -> None:
    task = TaskTemplate("job", NativeInterface(inputs={"x": int}, outputs={"o0": str}))
    assert task.typed_interface.inputs.variables["x"].type.simple == 1  # INTEGER
    assert task.module == __name__


def test_resources_refuse_a_malformed_quantity() -> None:
    with pytest.raises(ValueError, match=r"Resources\(cpu=\[1\]\)"):
        flyte.Resources(cpu=[1])  # type: ignore[arg-type]
    assert flyte.Resources(cpu=(1, 2), memory="1Gi").limits() == {"cpu": "2", "memory": "1Gi"}


def test_defining_an_environment_imports_no_protobuf(
    modules_loaded_by: Callable[..., list[str]],
) -> None:
    code = "import flyte; flyte.TaskEnvironment(name='e')"
    assert modules_loaded_by(code, "google.protobuf", "flyteidl") == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"retries": -1}, "retries must be an int >= 0"),
        ({"timeout": "1h"}, "timeout must be a timedelta or a number of seconds"),
        ({"cache": 3}, r"cache must be True, False, a cache version string or flyte\.Cache"),
    ],
)
def test_bad_settings_name_the_task(settings: dict[str, object], message: str) -> None:
    env = flyte.TaskEnvironment(name="bad")
    with pytest.raises(TaskDefinitionError, match=rf"task 'bad\.f' \(function .*\): {message}"):

        @env.task(**settings)  # type: ignore[arg-type]
        def f(x: int) -> int:
            return x


def test_a_task_setting_replaces_the_environment_setting_for_every_option() -> None:
    base = flyte.TaskEnvironment(
        name="base",
        image="img:1",
        secrets=["a/b"],
        cache=True,
        interruptible=True,
        pod_template="env-pod",
        deprecated="old env",
        resources=flyte.Resources(cpu=1),
    )

    @base.task
    def inherits(x: int) -> int:
        return x

    @base.task(
        image="img:2",
        secrets=["c/d"],
        cache=False,
        interruptible=False,
        pod_template="task-pod",
        deprecated="old task",
        resources=flyte.Resources(cpu=2),
    )
    def overrides(x: int) -> int:
        return x

    assert (inherits.image, inherits.interruptible, inherits.pod_template) == (
        "img:1",
        True,
        "env-pod",
    )
    assert inherits.secrets == (flyte.Secret(key="b", group="a"),)
    assert (inherits.cache.enabled, inherits.deprecated) == (True, "old env")
    assert (overrides.image, overrides.interruptible, overrides.pod_template) == (
        "img:2",
        False,
        "task-pod",
    )
    assert overrides.secrets == (flyte.Secret(key="d", group="c"),)
    assert (overrides.cache.enabled, overrides.deprecated) == (False, "old task")
    assert overrides.resources == flyte.Resources(cpu=2)


def test_an_unknown_setting_is_refused_with_the_ones_it_takes() -> None:
    env = flyte.TaskEnvironment(name="e")
    with pytest.raises(TaskDefinitionError, match=r"unknown settings retry.*retries"):
        env.task(retry=3)  # type: ignore[call-overload]


def test_a_cache_that_ignores_an_input_the_task_lacks_is_refused() -> None:
    env = flyte.TaskEnvironment(name="e")
    with pytest.raises(TaskDefinitionError, match=r"ignores 'nope'.*its inputs: x"):

        @env.task(cache=flyte.Cache(ignored_inputs=("nope",)))
        def f(x: int) -> int:
            return x


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: flyte.Cache("override"), "needs version_override"),
        (lambda: flyte.Cache("disable", serialize=True), "cannot serialize"),
        (lambda: flyte.Secret(key=""), "non-empty key"),
        (lambda: flyte.Resources(gpu="A100:two"), "DEVICE:COUNT"),
        (lambda: flyte.GPU("A100", 0), "quantity"),
    ],
)
def test_bad_option_values_say_what_is_expected(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_a_function_task_class_takes_its_function_by_keyword() -> None:
    def f(x: int) -> int:
        return x

    assert AsyncFunctionTaskTemplate(func=f).name == "f"
    with pytest.raises(TaskDefinitionError, match=r"by keyword: .*\(func=f\)"):
        AsyncFunctionTaskTemplate(f)  # type: ignore[arg-type]
