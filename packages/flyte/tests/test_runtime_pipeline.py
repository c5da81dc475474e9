"""The one pipeline: what every run of a task shares, and the execution context it runs under."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2
from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte._runtime import _pipeline
from flyte.connectors import (
    AsyncConnector,
    AsyncConnectorExecutorMixin,
    ConnectorError,
    ConnectorRegistry,
    PollPolicy,
    Resource,
    ResourceMeta,
)
from flyte.errors import FlyteError
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface, TaskContext
from flyte.types import TypeEngine

env = flyte.TaskEnvironment(name="pipe")


@env.task
def context_of_run(key: str) -> str:
    ctx = flyte.ctx()
    assert ctx is not None
    return "|".join(
        [
            ctx.task_name,
            ctx.execution_id.name,
            str(ctx.attempt),
            ctx.raw_data_prefix,
            ctx.secrets.get(key, group="vault"),
        ]
    )


def test_a_local_run_has_a_context_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLYTE_RAW_OUTPUT_DATA_PREFIX", str(tmp_path / "raw"))
    monkeypatch.setenv("_FSEC_VAULT_TOKEN", " s3cret\n")
    task, name, attempt, raw, secret = flyte.run(context_of_run, key="token").split("|")
    assert (task, attempt, secret) == ("pipe.context_of_run", "0", "s3cret")
    assert name.startswith("local-")
    assert raw == f"{tmp_path / 'raw'}/{name}"
    first = flyte.run(context_of_run, key="token").split("|")[1]
    assert first != name  # each run is an execution of its own
    assert flyte.ctx() is None


def test_a_local_run_reads_a_secret_without_the_prefix_as_flytekit_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "plain")
    assert flyte.run(context_of_run, key="token").endswith("|plain")


def test_a_missing_secret_names_where_it_was_looked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLYTE_SECRETS_DEFAULT_DIR", str(tmp_path))
    monkeypatch.setenv("_FSEC_VAULT_OTHER", "never shown")
    with pytest.raises(FlyteError) as caught:
        flyte.run(context_of_run, key="token")
    message = str(caught.value)
    assert "'vault/token'" in message
    assert "_FSEC_VAULT_TOKEN" in message
    assert str(tmp_path / "vault" / "token") in message
    assert "never shown" not in message


def test_a_secret_is_read_from_its_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "token").write_text("from-a-file\n")
    monkeypatch.setenv("FLYTE_SECRETS_DEFAULT_DIR", str(tmp_path))
    assert flyte.run(context_of_run, key="token").endswith("|from-a-file")


CONTAINER_TASKS = """
import flyte

env = flyte.TaskEnvironment(name="pod")

@env.task
def where() -> str:
    ctx = flyte.ctx()
    ids = ctx.execution_id
    return f"{ids.project}/{ids.domain}/{ids.name}#{ctx.attempt}@{ctx.raw_data_prefix}"
"""


def test_a_container_run_takes_its_context_from_the_pod(tmp_path: Path) -> None:
    (tmp_path / "pod_tasks.py").write_text(textwrap.dedent(CONTAINER_TASKS))
    (tmp_path / "inputs.pb").write_bytes(b"")
    pod = {
        "FLYTE_INTERNAL_EXECUTION_PROJECT": "shop",
        "FLYTE_INTERNAL_EXECUTION_DOMAIN": "prod",
        "FLYTE_INTERNAL_EXECUTION_ID": "a1b2",
        "FLYTE_ATTEMPT_NUMBER": "2",
    }
    command = [sys.executable, "-m", "flyte._runtime._entrypoint", "--inputs"]
    command += [str(tmp_path / "inputs.pb"), "--output-prefix", str(tmp_path / "out")]
    command += ["--raw-output-data-prefix", "s3://bucket/raw/xy", "--dest", str(tmp_path)]
    command += ["--module", "pod_tasks", "--task", "where"]
    done = subprocess.run(command, env={**os.environ, **pod}, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    outputs = literals_pb2.LiteralMap.FromString((tmp_path / "out" / "outputs.pb").read_bytes())
    value = TypeEngine.literal_map_to_python_sync(outputs, {"o0": str})["o0"]
    assert value == "shop/prod/a1b2#2@s3://bucket/raw/xy"


@dataclass
class WatchMeta(ResourceMeta):
    job_id: str


class Watching(AsyncConnector):
    """Records the context each call is given, and what flyte.ctx() says inside the call."""

    name = "Watching"
    task_type_name = "watching"
    metadata_type = WatchMeta

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    def _saw(self, call: str, ctx: TaskContext) -> None:
        current = flyte.ctx()
        assert current is not None
        self.seen.append((call, ctx.execution_id.name, current.execution_id.name))

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> WatchMeta:
        self._saw("create", kwargs["ctx"])
        return WatchMeta(job_id="j")

    async def get(self, resource_meta: WatchMeta, *, ctx: TaskContext) -> Resource:
        self._saw("get", ctx)
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 7})

    async def delete(self, resource_meta: WatchMeta) -> None:  # an older signature: no ctx
        self.seen.append(("delete", "", ""))


class WatchingTask(AsyncConnectorExecutorMixin, TaskTemplate):
    task_type = "watching"
    poll_policy = PollPolicy(first_interval=0.001)


def test_a_connector_gets_the_runs_context_in_every_call_that_asks_for_it() -> None:
    connector = Watching()
    ConnectorRegistry.register(connector)
    assert flyte.run(WatchingTask("watched", NativeInterface(outputs={"o0": int}))) == 7
    (create, get) = connector.seen
    name = create[1]
    assert name.startswith("local-")
    assert create == ("create", name, name)
    assert get == ("get", name, name)


@dataclass
class StampedMeta(ResourceMeta):
    job_id: str
    created: datetime.datetime


class Stamped(Watching):
    metadata_type = StampedMeta

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Any:
        return StampedMeta(job_id="j", created=datetime.datetime.now())


def test_metadata_that_cannot_cross_the_wire_fails_a_local_run_as_it_fails_the_service() -> None:
    ConnectorRegistry.register(Stamped())
    task = WatchingTask("stamped", NativeInterface(outputs={"o0": int}))
    with pytest.raises(ConnectorError, match=r"StampedMeta cannot be encoded as JSON"):
        flyte.run(task)


def test_a_sql_task_runs_locally_through_its_connector(count_orders: TaskTemplate) -> None:
    assert flyte.run(count_orders, day="2026-11-30") == 10


class Counted:
    """Counts the calls of the pipeline's conversions and serializations during a block."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: dict[str, int] = {}
        for name in ("to_literal_map", "literal_map_to_python"):
            self._count(monkeypatch, TypeEngine, name, classmethod)
        self._count(monkeypatch, _pipeline, "serialize_task", None)

    def _count(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, kind: Any) -> None:
        original = getattr(owner, name)
        self.calls[name] = 0

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def test_a_connector_run_serializes_once_and_converts_once_each_way(
    monkeypatch: pytest.MonkeyPatch, count_orders: TaskTemplate
) -> None:
    counted = Counted(monkeypatch)
    assert flyte.run(count_orders, day="2026-11-30") == 10
    # Inputs: to literals in prepare, to the connector's values once; outputs: the connector's
    # values to literals once, to the task's values in collect.
    assert counted.calls == {"to_literal_map": 2, "literal_map_to_python": 2, "serialize_task": 1}


@env.task
def add(x: int, y: int = 1) -> int:
    return x + y


def test_a_function_run_serializes_once_and_converts_once_each_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted = Counted(monkeypatch)
    assert flyte.run(add, x=1) == 2
    assert counted.calls == {"to_literal_map": 2, "literal_map_to_python": 2, "serialize_task": 1}
