"""The connector service under load: a real `flyte serve connector` called over loopback.

1. Soak: 50,000 requests from 32 clients, each on its own connection, mixing the calls a backend
   makes (create, two polls, delete) with the errors it can meet (an unknown task type, an
   undecodable resource_meta, a config that does not fit, an input the connector refuses, a
   connector that raises). Every answer must be the expected one, and the server's resident
   memory may grow by less than 20 MiB after the warm-up.
2. SIGTERM under load, with --workers 2: every call the connector received (each worker
   journals the calls it starts) is answered OK; the calls that fail are only those that never
   reached a connector (refused, UNAVAILABLE, or cancelled by grpc before it handed them over,
   CANCELLED), which a backend retries without creating anything twice.

Bounded: the soak stops at its request count, and each phase has a deadline. Runs in the `soak`
nox session, on one Python.
"""

from __future__ import annotations

import asyncio
import collections
import signal
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import interface_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service import agent_pb2_grpc

from flyte.testing import ConnectorServiceProcess, connector_service_process
from flyte.types import TypeEngine

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the server's memory from /proc"
)

REQUESTS = 50_000
WARM_UP = 10_000
CLIENTS = 32
GROWTH_LIMIT_MIB = 20
SOAK_DEADLINE_SECONDS = 240

CONNECTOR = """
import asyncio, os
from dataclasses import dataclass
from flyteidl.core.execution_pb2 import TaskExecution
from flyte.connectors import AsyncConnector, ConnectorRegistry, ConnectorRequestError, Resource
from flyte.connectors import ResourceMeta

JOURNAL = os.environ.get("SOAK_JOURNAL")
SLOW = float(os.environ.get("SOAK_SLOW_SECONDS", "0"))
_fd = None


def journal(event):
    # One write per line on an O_APPEND file: whole lines, whatever the process.
    global _fd
    if JOURNAL:
        if _fd is None:
            _fd = os.open(f"{JOURNAL}/journal-{os.getpid()}", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.write(_fd, (event + "\\n").encode())


@dataclass
class SoakConfig:
    queue: str = "default"


@dataclass
class Meta(ResourceMeta):
    x: int
    polls: int = 0


class SoakConnector(AsyncConnector):
    name = "Soak Connector"
    task_type_name = "soak"
    metadata_type = Meta
    config_type = SoakConfig

    async def create(self, task_template, inputs=None, *, config, **kwargs):
        journal(f"create {inputs['x']}")
        if inputs["x"] < 0:
            raise ConnectorRequestError(f"x must not be negative, got {inputs['x']}")
        await asyncio.sleep(SLOW)
        return Meta(x=inputs["x"])

    async def get(self, resource_meta, **kwargs):
        journal(f"get {resource_meta.x}")
        await asyncio.sleep(SLOW)
        if resource_meta.x % 97 == 13:
            raise RuntimeError(f"the soak system lost job {resource_meta.x}")
        if resource_meta.x % 2:
            return Resource(phase=TaskExecution.RUNNING, message="running")
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": resource_meta.x * 2})

    async def delete(self, resource_meta, **kwargs):
        journal(f"delete {resource_meta.x}")
        await asyncio.sleep(SLOW)


ConnectorRegistry.register(SoakConnector())
"""

CATEGORY = agent_pb2.TaskCategory(name="soak", version=0)
UNKNOWN = agent_pb2.TaskCategory(name="no_such_type", version=0)
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]


def _template(custom: dict[str, Any] | None = None) -> tasks_pb2.TaskTemplate:
    integer = interface_pb2.Variable(type=types_pb2.LiteralType(simple=types_pb2.INTEGER))
    template = tasks_pb2.TaskTemplate(
        type="soak",
        interface=interface_pb2.TypedInterface(
            inputs=interface_pb2.VariableMap(variables={"x": integer}),
            outputs=interface_pb2.VariableMap(variables={"o0": integer}),
        ),
    )
    template.id.name = "soak"
    template.custom.update(custom or {"queue": "fast"})
    return template


TEMPLATE = _template()
BAD_CONFIG = _template({"queue": 5})


def _inputs(x: int) -> literals_pb2.LiteralMap:
    return TypeEngine.to_literal_map_sync({"x": x}, {"x": int})


def rss_bytes(pid: int) -> int:
    """The resident memory of process ``pid``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


@dataclass
class Tally:
    """Every answer, by request kind and status code, and the answers that were not expected."""

    sent: int = 0
    answers: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    unexpected: list[str] = field(default_factory=list)

    def record(
        self, kind: str, code: grpc.StatusCode, expected: grpc.StatusCode, detail: str
    ) -> None:
        self.answers[(kind, code.name)] += 1
        if code != expected and len(self.unexpected) < 20:
            self.unexpected.append(f"{kind}: {code.name}, expected {expected.name}: {detail:.300}")


async def _call(tally: Tally, kind: str, call: Any, expected: grpc.StatusCode) -> Any:
    tally.sent += 1
    try:
        answer = await call
    except grpc.aio.AioRpcError as exc:
        tally.record(kind, exc.code(), expected, exc.details() or "")
        return None
    tally.record(kind, grpc.StatusCode.OK, expected, "")
    return answer


async def _one_job(stub: Any, x: int, tally: Tally) -> None:
    """What a backend does for one job: create, poll twice, delete; checked on the way."""
    ok = grpc.StatusCode.OK
    created = await _call(
        tally,
        "create",
        stub.CreateTask(agent_pb2.CreateTaskRequest(template=TEMPLATE, inputs=_inputs(x))),
        ok,
    )
    if created is None:
        return
    poll = agent_pb2.GetTaskRequest(resource_meta=created.resource_meta, task_category=CATEGORY)
    lost = x % 97 == 13
    for _ in range(2):
        expected = grpc.StatusCode.INTERNAL if lost else ok
        answer = await _call(tally, "get", stub.GetTask(poll), expected)
        if answer is not None:
            phase = answer.resource.phase
            want = TaskExecution.RUNNING if x % 2 else TaskExecution.SUCCEEDED
            if phase != want and len(tally.unexpected) < 20:
                tally.unexpected.append(f"get of {x}: phase {phase}, expected {want}")
            if phase == TaskExecution.SUCCEEDED:
                got = answer.resource.outputs.literals["o0"].scalar.primitive.integer
                if got != 2 * x and len(tally.unexpected) < 20:
                    tally.unexpected.append(f"get of {x}: output {got}, expected {2 * x}")
    delete = agent_pb2.DeleteTaskRequest(
        resource_meta=created.resource_meta, task_category=CATEGORY
    )
    await _call(tally, "delete", stub.DeleteTask(delete), ok)


async def _one_error(stub: Any, x: int, tally: Tally) -> None:
    """One of the faults a service meets, round robin."""
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    fault = x % 4
    if fault == 0:
        request = agent_pb2.GetTaskRequest(resource_meta=b'{"meta": {}}', task_category=UNKNOWN)
        await _call(tally, "unknown type", stub.GetTask(request), grpc.StatusCode.NOT_FOUND)
    elif fault == 1:
        request = agent_pb2.GetTaskRequest(resource_meta=b"\xff junk", task_category=CATEGORY)
        await _call(tally, "junk meta", stub.GetTask(request), invalid)
    elif fault == 2:
        request = agent_pb2.CreateTaskRequest(template=BAD_CONFIG, inputs=_inputs(x))
        await _call(tally, "bad config", stub.CreateTask(request), invalid)
    else:
        request = agent_pb2.CreateTaskRequest(template=TEMPLATE, inputs=_inputs(-x))
        await _call(tally, "refused input", stub.CreateTask(request), invalid)


async def _load(address: str, requests: int, tally: Tally) -> None:
    """``requests`` requests from CLIENTS clients, each on its own connection."""
    counter = iter(range(1, 10**9))

    async def client(channel: grpc.aio.Channel) -> None:
        stub = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        while tally.sent < requests:
            x = next(counter)
            await _one_job(stub, x, tally)
            if x % 5 == 0:
                await _one_error(stub, x, tally)

    channels = [grpc.aio.insecure_channel(address, options=OWN_CONNECTION) for _ in range(CLIENTS)]
    try:
        await asyncio.gather(*(client(c) for c in channels))
    finally:
        for channel in channels:
            await channel.close()


@pytest.fixture
def connector_module(tmp_path: Path) -> Path:
    folder = tmp_path / "modules"
    folder.mkdir()
    (folder / "soak_connector.py").write_text(textwrap.dedent(CONNECTOR))
    return folder


@pytest.fixture
def service(connector_module: Path) -> Iterator[ConnectorServiceProcess]:
    env = {"PYTHONPATH": str(connector_module), "FLYTE_PLUGIN_AUTOLOAD": "0"}
    with connector_service_process("--modules", "soak_connector", env=env) as served:
        yield served


def test_fifty_thousand_mixed_requests_get_the_expected_answers_in_bounded_memory(
    service: ConnectorServiceProcess,
) -> None:
    pid = service.process.pid
    tally = Tally()
    started = time.monotonic()

    async def soak() -> tuple[int, int]:
        await _load(service.address, WARM_UP, tally)
        warm = rss_bytes(pid)
        await _load(service.address, REQUESTS, tally)
        return warm, rss_bytes(pid)

    warm, end = asyncio.run(asyncio.wait_for(soak(), SOAK_DEADLINE_SECONDS))
    elapsed = time.monotonic() - started
    assert tally.unexpected == [], "\n".join(tally.unexpected)
    assert sum(tally.answers.values()) == tally.sent >= REQUESTS
    kinds = {kind for kind, _ in tally.answers}
    assert kinds == {
        "create",
        "get",
        "delete",
        "unknown type",
        "junk meta",
        "bad config",
        "refused input",
    }
    assert tally.answers[("get", "INTERNAL")] > 0  # the connector that raised was met too
    growth = (end - warm) / 2**20
    print(
        f"\n{tally.sent} requests in {elapsed:.1f} s ({tally.sent / elapsed:,.0f}/s);"
        f" server RSS {warm / 2**20:.1f} MiB after warm-up, {end / 2**20:.1f} MiB at the end"
    )
    assert growth < GROWTH_LIMIT_MIB, f"resident memory grew {growth:.1f} MiB after warm-up"
    assert service.process.poll() is None  # still serving


# --- SIGTERM under load ---------------------------------------------------------------------------


def _journal(folder: Path) -> collections.Counter[str]:
    events: collections.Counter[str] = collections.Counter()
    for path in folder.glob("journal-*"):
        events.update(path.read_text().splitlines())
    return events


def test_sigterm_under_load_with_two_workers_loses_no_accepted_request(
    connector_module: Path, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    journal.mkdir()
    env = {
        "PYTHONPATH": str(connector_module),
        "FLYTE_PLUGIN_AUTOLOAD": "0",
        "SOAK_JOURNAL": str(journal),
        "SOAK_SLOW_SECONDS": "0.05",  # every call is in flight a while: SIGTERM meets many
    }
    arguments = ["--modules", "soak_connector", "--workers", "2", "--grace-period", "30"]
    answered: dict[str, grpc.StatusCode] = {}
    with connector_service_process(*arguments, env=env) as service:

        async def until_stopped() -> None:
            counter = iter(range(1, 10**9))

            async def client(channel: grpc.aio.Channel) -> None:
                stub = agent_pb2_grpc.AsyncAgentServiceStub(channel)
                while True:
                    x = next(counter) * 2  # even: the job succeeds, polls are OK
                    if x % 97 == 13:
                        continue  # a job whose poll fails on purpose
                    if not await _tracked_job(stub, x, answered):
                        return

            channels = [
                grpc.aio.insecure_channel(service.address, options=OWN_CONNECTION)
                for _ in range(CLIENTS)
            ]
            try:
                clients = asyncio.gather(*(client(c) for c in channels))
                await asyncio.sleep(3.0)
                service.process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(clients, 60)
            finally:
                for channel in channels:
                    await channel.close()

        asyncio.run(until_stopped())
        assert service.process.wait(timeout=60) == 0
    received = _journal(journal)
    assert received, "the connector received nothing"
    lost = [event for event in received if answered.get(event) != grpc.StatusCode.OK]
    assert lost == [], f"accepted but not answered OK: {lost[:20]}"
    # A call that arrives while its worker stops never reaches a connector: grpc refuses it
    # (UNAVAILABLE), or cancels it when it had received it but not yet handed it over (CANCELLED).
    failures = collections.Counter(
        code.name for code in answered.values() if code != grpc.StatusCode.OK
    )
    assert set(failures) <= {"UNAVAILABLE", "CANCELLED"}, failures
    assert sum(1 for code in answered.values() if code == grpc.StatusCode.OK) == sum(
        received.values()
    )
    assert max(received.values()) == 1  # every call reached the connector once


async def _tracked_job(stub: Any, x: int, answered: dict[str, grpc.StatusCode]) -> bool:
    """One job's calls, each answer recorded under the journal line its call writes; False once
    a call fails (the service is stopping)."""

    async def tracked(event: str, call: Any) -> Any:
        try:
            answer = await call
        except grpc.aio.AioRpcError as exc:
            answered[event] = exc.code()
            return None
        answered[event] = grpc.StatusCode.OK
        return answer

    request = agent_pb2.CreateTaskRequest(template=TEMPLATE, inputs=_inputs(x))
    created = await tracked(f"create {x}", stub.CreateTask(request))
    if created is None:
        return False
    poll = agent_pb2.GetTaskRequest(resource_meta=created.resource_meta, task_category=CATEGORY)
    if await tracked(f"get {x}", stub.GetTask(poll)) is None:
        return False
    delete = agent_pb2.DeleteTaskRequest(
        resource_meta=created.resource_meta, task_category=CATEGORY
    )
    return await tracked(f"delete {x}", stub.DeleteTask(delete)) is not None
