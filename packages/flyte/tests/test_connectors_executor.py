"""AsyncConnectorExecutorMixin: connector tasks run locally through flyte.run and in one event loop."""

from __future__ import annotations

import asyncio
import datetime
import signal
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte.connectors import (
    AsyncConnector,
    AsyncConnectorExecutorMixin,
    ConnectorError,
    ConnectorJobFailedError,
    ConnectorNotFoundError,
    ConnectorRegistry,
    ConnectorTimeoutError,
    PollPolicy,
    Resource,
    ResourceMeta,
)
from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry, TaskTemplate
from flyte.models import NativeInterface
from flyte.types import TypeEngine


@dataclass
class QueueMeta(ResourceMeta):
    x: int
    queue: str


class QueueConnector(AsyncConnector):
    """Answers outputs by name in an order of its own; ``x == 0`` never ends; ``x < 0`` fails."""

    name = "Queue Connector"
    task_type_name = "queue_job"
    metadata_type = QueueMeta

    def __init__(self, outputs_as_literals: bool = False) -> None:
        self.outputs_as_literals = outputs_as_literals
        self.created: list[dict[str, Any]] = []
        self.deleted = 0

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> QueueMeta:
        self.created.append(dict(inputs))
        return QueueMeta(x=inputs["x"], queue=task_template.custom["queue"])

    async def get(self, resource_meta: QueueMeta, **kwargs: Any) -> Resource:
        if resource_meta.x == 0:
            return Resource(phase=TaskExecution.RUNNING)
        if resource_meta.x < 0:
            return Resource(
                phase=TaskExecution.FAILED, message=f"queue {resource_meta.queue} refused"
            )
        outputs = {
            "label": f"{resource_meta.queue}:{resource_meta.x}",
            "doubled": resource_meta.x * 2,
        }
        if self.outputs_as_literals:
            types = {"label": str, "doubled": int}
            return Resource(
                phase=TaskExecution.SUCCEEDED,
                outputs=await TypeEngine.to_literal_map(outputs, types),
            )
        return Resource(phase=TaskExecution.SUCCEEDED, outputs=outputs)

    async def delete(self, resource_meta: QueueMeta, **kwargs: Any) -> None:
        self.deleted += 1


class QueueTask(AsyncConnectorExecutorMixin, TaskTemplate):
    """A connector task built directly: inputs x, outputs (doubled, label)."""

    task_type = "queue_job"
    poll_policy = PollPolicy(first_interval=0.001)

    def custom_config(self, sctx: Any) -> dict[str, Any]:
        return {"queue": self.plugin_config}


def queue_task(**kwargs: Any) -> QueueTask:
    interface = NativeInterface(inputs={"x": int}, outputs={"doubled": int, "label": str})
    return QueueTask("queue_task", interface, plugin_config="fast", **kwargs)


@pytest.fixture
def connector() -> QueueConnector:
    connector = QueueConnector()
    ConnectorRegistry.register(connector)
    return connector


def test_flyte_run_goes_through_the_connector_and_orders_outputs_by_name(
    connector: QueueConnector,
) -> None:
    assert flyte.run(queue_task(), x=21) == (42, "fast:21")
    assert connector.created == [{"x": 21}]


def test_outputs_given_as_a_literal_map_are_converted_by_name() -> None:
    ConnectorRegistry.register(QueueConnector(outputs_as_literals=True))
    assert flyte.run(queue_task(), x=2) == (4, "fast:2")


def test_a_failed_job_raises_with_the_connectors_message(connector: QueueConnector) -> None:
    with pytest.raises(ConnectorJobFailedError, match="ended FAILED: queue fast refused"):
        flyte.run(queue_task(), x=-1)


def test_the_tasks_timeout_deletes_the_job_then_raises(connector: QueueConnector) -> None:
    task = queue_task(timeout=datetime.timedelta(milliseconds=50))
    with pytest.raises(ConnectorTimeoutError):
        flyte.run(task, x=0)
    assert connector.deleted == 1


def test_a_task_without_connector_names_its_task_type() -> None:
    with pytest.raises(ConnectorNotFoundError, match="'queue_job' version 0"):
        flyte.run(queue_task(), x=1)


def test_outputs_missing_from_the_connectors_answer_are_named(connector: QueueConnector) -> None:
    interface = NativeInterface(inputs={"x": int}, outputs={"doubled": int, "total": float})
    task = QueueTask("queue_task", interface, plugin_config="fast")
    with pytest.raises(ConnectorError, match=r"does not declare.*'label'|\['label'\]"):
        flyte.run(task, x=1)


async def test_cancelling_a_running_task_deletes_its_job_once(connector: QueueConnector) -> None:
    running = asyncio.ensure_future(flyte.run_async(queue_task(), x=0))
    await asyncio.sleep(0.05)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert connector.deleted == 1


@dataclass
class QueueJob:
    queue: str


class Labelled(NamedTuple):
    doubled: int
    label: str


class QueueJobTask(AsyncConnectorExecutorMixin, AsyncFunctionTaskTemplate):
    """A connector-backed function task: a local run goes through the connector, not the body."""

    plugin_config: QueueJob
    task_type = "queue_job"
    poll_policy = PollPolicy(first_interval=0.001)

    def custom_config(self, sctx: Any) -> dict[str, Any]:
        return {"queue": self.plugin_config.queue}


def test_a_function_task_with_the_mixin_runs_through_the_connector(
    connector: QueueConnector,
) -> None:
    TaskPluginRegistry.register(QueueJob, QueueJobTask)
    env = flyte.TaskEnvironment(name="queues")

    @env.task(config=QueueJob(queue="batch"))
    def label(x: int) -> Labelled:
        raise AssertionError("the body of a connector task does not run locally")

    assert flyte.run(label, x=3) == Labelled(doubled=6, label="batch:3")


INTERRUPTED_RUN = textwrap.dedent(
    """
    import asyncio, sys
    from dataclasses import dataclass
    from typing import Any
    from flyteidl.core.execution_pb2 import TaskExecution
    import flyte
    from flyte.connectors import (AsyncConnector, AsyncConnectorExecutorMixin,
                                  ConnectorRegistry, PollPolicy, Resource, ResourceMeta)
    from flyte.extend import TaskTemplate
    from flyte.models import NativeInterface

    log_path, mode = sys.argv[1:]

    @dataclass
    class Meta(ResourceMeta):
        pass

    class Forever(AsyncConnector):
        name = "Forever"
        task_type_name = "forever"
        metadata_type = Meta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Meta:
            return Meta()

        async def get(self, resource_meta: Any, **kwargs: Any) -> Resource:
            print("polling", flush=True)
            return Resource(phase=TaskExecution.RUNNING)

        async def delete(self, resource_meta: Any, **kwargs: Any) -> None:
            await asyncio.sleep(0.05)
            with open(log_path, "a") as log:
                log.write("deleted\\n")

    class ForeverTask(AsyncConnectorExecutorMixin, TaskTemplate):
        task_type = "forever"
        poll_policy = PollPolicy(first_interval=0.01, max_interval=0.05)

    ConnectorRegistry.register(Forever())
    task = ForeverTask("forever", NativeInterface(inputs={"x": int}))

    async def caller() -> None:
        flyte.run(task, x=1)  # blocks this loop, as a notebook cell does

    if mode == "sync":
        flyte.run(task, x=1)
    else:  # a caller inside a running loop that is not asyncio.run's (a notebook's)
        asyncio.new_event_loop().run_until_complete(caller())
    """
)


@pytest.mark.parametrize(
    ("mode", "signum"),
    [("sync", signal.SIGINT), ("sync", signal.SIGTERM), ("in-loop", signal.SIGINT)],
)
def test_an_interrupted_flyte_run_deletes_the_job_once_before_the_process_ends(
    interrupt: Callable[..., Any], mode: str, signum: int
) -> None:
    ended = interrupt(INTERRUPTED_RUN, signum, mode)
    assert ended.returncode != 0
    assert ended.log == "deleted\n", ended.stderr
    if signum == signal.SIGINT:
        assert ended.stderr.rstrip().endswith("KeyboardInterrupt")
