"""The echo plugin: outputs are inputs, the body never runs, and what echo cannot serve is refused."""

from __future__ import annotations

import pytest

import flyte
from flyte import serialize_task
from flyte.extend import TaskDefinitionError, TaskPluginRegistry
from flyte.models import SerializationContext
from flyte.testing import isolated_registries
from flyteplugins.echo import Echo, EchoTask

# Each test starts from a fresh discovery scan and leaves the registries as it found them.
pytestmark = pytest.mark.usefixtures("flyte_registries")


def test_config_picks_the_echo_task_and_its_outputs_are_its_inputs() -> None:
    env = flyte.TaskEnvironment(name="echo")

    @env.task(config=Echo())
    def echo(x: int) -> int:
        raise AssertionError("the body of an echo task must not run")

    assert isinstance(echo, EchoTask)
    assert flyte.run(echo, x=42) == 42


def test_plugin_config_on_the_task_and_on_the_environment_are_the_same() -> None:
    @flyte.TaskEnvironment(name="a").task(plugin_config=Echo())
    def a(s: str) -> str: ...

    @flyte.TaskEnvironment(name="b", plugin_config=Echo()).task
    def b(items: list[int]) -> list[int]: ...

    assert isinstance(a, EchoTask)
    assert isinstance(b, EchoTask)
    assert flyte.run(a, s="hi") == "hi"
    assert flyte.run(b, items=[1, 2]) == [1, 2]


def test_a_task_without_inputs_or_outputs_is_served() -> None:
    @flyte.TaskEnvironment(name="e").task(config=Echo())
    def ping() -> None: ...

    assert flyte.run(ping) is None


def test_serialized_as_task_type_echo_with_empty_custom() -> None:
    @flyte.TaskEnvironment(name="e").task(config=Echo())
    def echo(x: int) -> int: ...

    template = serialize_task(echo, SerializationContext(project="p", domain="d", version="1"))
    assert template.type == "echo"
    assert not template.HasField("custom")
    assert list(template.interface.outputs.variables) == ["o0"]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def f(x: int) -> str: ...", "different types"),
        ("def f(x: int, y: int) -> tuple[int, int]: ...", "2 inputs"),
        ("def f(x: int) -> None: ...", "1 input(s) but 0 output(s)"),
    ],
)
def test_an_interface_echo_cannot_serve_is_refused_at_definition(source: str, problem: str) -> None:
    namespace: dict[str, object] = {}
    exec(source, namespace)
    env = flyte.TaskEnvironment(name="e")
    with pytest.raises(
        TaskDefinitionError, match=r"echo plugin .* cannot serve task 'e\.f'"
    ) as info:
        env.task(config=Echo())(namespace["f"])
    assert problem in str(info.value)


def test_echo_is_registered_for_its_config_type() -> None:
    assert TaskPluginRegistry.find(Echo) is EchoTask


def test_user_code_that_replaces_echo_wins_until_its_registries_are_put_back() -> None:
    class LoudEchoTask(EchoTask):
        pass

    with isolated_registries():
        TaskPluginRegistry.register(Echo, LoudEchoTask, override=True)
        assert TaskPluginRegistry.find(Echo) is LoudEchoTask

        @flyte.TaskEnvironment(name="e").task(config=Echo())
        def echo(x: int) -> int: ...

        assert isinstance(echo, LoudEchoTask)
    assert TaskPluginRegistry.find(Echo) is EchoTask
