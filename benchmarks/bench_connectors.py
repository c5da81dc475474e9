"""Connectors: the local executor's fan-out, and the connector service's GetTask, side by side.

1. Local executor. 1,000 connector tasks run concurrently in one event loop; each job runs
   JOB_SECONDS on its (simulated) external system, whose API answers after 10 ms. Timed for one
   job alone and for the thousand, through ``flyte.run_async`` here and through flyte-sdk's
   local run (which sleeps 3 s per poll and once more after the end) in its bench-only venv.
   Target: the thousand take less than twice one job's own duration (JOB_SECONDS).
2. Connector service. ``GetTask`` over loopback from 32 concurrent clients, each on its own
   connection, for LOAD_SECONDS (bounded by MAX_REQUESTS), against ``flyte serve connector``
   with ``--workers 1`` and ``--workers 2`` and against flytekit's ``pyflyte serve connector``
   serving an equivalent connector in its bench-only venv, every server with its metrics on.
   Throughput and p99, then the CPU each call costs the server (all its processes: a supervisor
   and its workers), measured after the warm-up. Targets: at least twice flytekit's throughput
   with a lower p99 (``--workers 1``), and server CPU per call at most 0.9x flytekit's.

Each baseline runs on this Python where it supports it, else on the newest Python it does
(flytekit 1.16 stops at 3.12), and its rows name that Python; without one, its rows are skipped.

    python benchmarks/bench_connectors.py [--jobs 1000] [--seconds 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from _baselines import FLYTE_SDK, FLYTEKIT, THIS_PYTHON, run_in
from _table import judge, print_table
from flyteidl.admin import agent_pb2
from flyteidl.core.execution_pb2 import TaskExecution
from flyteidl.service import agent_pb2_grpc

from flyte.testing import free_port

JOB_SECONDS = 1.0
API_LATENCY = 0.01
CLIENTS = 32
MAX_REQUESTS = 200_000


# --- 1. the local executor --------------------------------------------------------------------

FLYTE_SDK_FANOUT = """
import asyncio, sys, time
from dataclasses import dataclass
import flyte
from flyte.connectors import AsyncConnector, AsyncConnectorExecutorMixin, ConnectorRegistry, Resource, ResourceMeta
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface
from flyteidl2.core.execution_pb2 import TaskExecution

JOB_SECONDS, API_LATENCY, JOBS = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])

@dataclass
class Meta(ResourceMeta):
    done_at: float

class TimedConnector(AsyncConnector):
    name = "Timed"
    task_type_name = "timed_job"
    metadata_type = Meta
    async def create(self, task_template, output_prefix=None, inputs=None, **kwargs):
        await asyncio.sleep(API_LATENCY)
        return Meta(done_at=time.monotonic() + JOB_SECONDS)
    async def get(self, resource_meta, **kwargs):
        await asyncio.sleep(API_LATENCY)
        if time.monotonic() < resource_meta.done_at:
            return Resource(phase=TaskExecution.RUNNING)
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 1})
    async def delete(self, resource_meta, **kwargs):
        pass

ConnectorRegistry.register(TimedConnector())

class TimedTask(AsyncConnectorExecutorMixin, TaskTemplate):
    pass

env = flyte.TaskEnvironment(name="bench")
timed = TimedTask(name="timed", task_type="timed_job", interface=NativeInterface({}, {"o0": int}),
                  parent_env_name="bench")

@env.task
async def fan(n: int) -> int:
    return len(await asyncio.gather(*[timed() for _ in range(n)]))

flyte.init()
start = time.perf_counter()
flyte.with_runcontext(mode="local").run(fan, n=JOBS)
print(time.perf_counter() - start)
"""


def _executor_core(jobs: int) -> float:
    """Seconds for ``jobs`` concurrent connector tasks through flyte.run_async."""
    import flyte
    from flyte.connectors import (
        AsyncConnector,
        AsyncConnectorExecutorMixin,
        ConnectorRegistry,
        Resource,
        ResourceMeta,
    )
    from flyte.extend import TaskTemplate
    from flyte.models import NativeInterface

    @dataclass
    class Meta(ResourceMeta):
        done_at: float

    class TimedConnector(AsyncConnector):
        name = "Timed"
        task_type_name = "timed_job"
        metadata_type = Meta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Meta:
            await asyncio.sleep(API_LATENCY)
            return Meta(done_at=time.monotonic() + JOB_SECONDS)

        async def get(self, resource_meta: Meta, **kwargs: Any) -> Resource:
            await asyncio.sleep(API_LATENCY)
            if time.monotonic() < resource_meta.done_at:
                return Resource(phase=TaskExecution.RUNNING)
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 1})

    class TimedTask(AsyncConnectorExecutorMixin, TaskTemplate):
        task_type = "timed_job"

    ConnectorRegistry.register(TimedConnector(), override=True)
    timed = TimedTask("timed", NativeInterface(outputs={"o0": int}))

    async def fan() -> None:
        await asyncio.gather(*(flyte.run_async(timed) for _ in range(jobs)))

    start = time.perf_counter()
    asyncio.run(fan())
    return time.perf_counter() - start


def bench_executor(jobs: int) -> None:
    """Print the local executor table."""
    core_one = _executor_core(1)
    core_many = _executor_core(jobs)
    per_job = (core_many - core_one) / jobs * 1000
    rows = [
        ("flyte-core: 1 job", core_one * 1000, f"job runs {JOB_SECONDS:.1f} s"),
        (
            f"flyte-core: {jobs} jobs",
            core_many * 1000,
            f"{per_job:.2f} ms overhead/job; {judge(core_many, '<', 2 * JOB_SECONDS, ' s')}",
        ),
    ]
    sdk = FLYTE_SDK.environment()
    if sdk is not None:
        args = [str(JOB_SECONDS), str(API_LATENCY)]
        sdk_one = float(run_in(sdk.python, FLYTE_SDK_FANOUT, *args, "1").split()[-1])
        sdk_many = float(run_in(sdk.python, FLYTE_SDK_FANOUT, *args, str(jobs)).split()[-1])
        rows[:0] = [
            (f"{sdk.label}: 1 job", sdk_one * 1000, ""),
            (f"{sdk.label}: {jobs} jobs", sdk_many * 1000, ""),
        ]
    print_table(
        f"Local executor on Python {THIS_PYTHON}: {jobs} concurrent connector tasks in one event loop",
        rows,
        rows[1][0],
    )


# --- 2. the connector service -------------------------------------------------------------------

CORE_CONNECTOR = """
from dataclasses import dataclass
from flyteidl.core.execution_pb2 import TaskExecution
from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta

@dataclass
class Meta(ResourceMeta):
    job_id: str

class BenchConnector(AsyncConnector):
    name = "Bench Connector"
    task_type_name = "bench_job"
    metadata_type = Meta

    async def create(self, task_template, inputs=None, **kwargs):
        return Meta(job_id="job-1")

    async def get(self, resource_meta, **kwargs):
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 42})

    async def delete(self, resource_meta, **kwargs):
        pass

ConnectorRegistry.register(BenchConnector())
"""

FLYTEKIT_CONNECTOR = """
from dataclasses import dataclass
from flyteidl.core.execution_pb2 import TaskExecution
from flytekit.extend.backend.base_connector import AsyncConnectorBase, ConnectorRegistry, Resource, ResourceMeta

@dataclass
class Meta(ResourceMeta):
    job_id: str

class BenchConnector(AsyncConnectorBase):
    name = "Bench Connector"

    def __init__(self):
        super().__init__(task_type_name="bench_job", metadata_type=Meta)

    async def create(self, task_template, output_prefix=None, inputs=None, **kwargs):
        return Meta(job_id="job-1")

    async def get(self, resource_meta, **kwargs):
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 42})

    async def delete(self, resource_meta, **kwargs):
        pass

ConnectorRegistry.register(BenchConnector())
"""


def _template() -> Any:
    from flyte import serialize_task
    from flyte.extend import TaskTemplate
    from flyte.models import NativeInterface, SerializationContext

    class BenchTask(TaskTemplate):
        task_type = "bench_job"

    task = BenchTask("bench", NativeInterface(outputs={"o0": int}))
    return serialize_task(task, SerializationContext(project="p", domain="d", version="v"))


async def _ready(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = agent_pb2_grpc.AgentMetadataServiceStub(channel)
                await stub.ListAgents(agent_pb2.ListAgentsRequest(), timeout=2)
                return
        except grpc.aio.AioRpcError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Load:
    """What one server did under the load: throughput, p99, and the CPU each call cost."""

    rps: float
    p99_ms: float
    server_cpu_us: float
    client_cpu_us: float


async def _load(port: int, seconds: float, server_cpu: Any) -> Load:
    """GetTask from CLIENTS concurrent clients, each on its own connection, after a warm-up.

    ``server_cpu()`` is the server's CPU seconds so far (all its processes); it and this
    process's CPU are read when the warm-up ends and when the load does.
    """
    category = agent_pb2.TaskCategory(name="bench_job", version=0)
    # Channels to one address share one connection unless told not to: with one, every call
    # would go to one worker of --workers 2.
    own = [("grpc.use_local_subchannel_pool", 1)]
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=own) for _ in range(CLIENTS)]
    try:
        stubs = [agent_pb2_grpc.AsyncAgentServiceStub(c) for c in channels]
        created = await stubs[0].CreateTask(agent_pb2.CreateTaskRequest(template=_template()))
        request = agent_pb2.GetTaskRequest(
            resource_meta=created.resource_meta, task_category=category
        )
        first = await stubs[0].GetTask(request)
        assert first.resource.phase == TaskExecution.SUCCEEDED, first
        latencies: list[float] = []

        async def client(stub: Any, until: float, record: bool) -> None:
            while time.perf_counter() < until and len(latencies) < MAX_REQUESTS:
                start = time.perf_counter()
                await stub.GetTask(request)
                if record:
                    latencies.append(time.perf_counter() - start)

        warmup = time.perf_counter() + min(1.0, seconds / 3)
        await asyncio.gather(*(client(s, warmup, False) for s in stubs))
        server_before, client_before = server_cpu(), time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(client(s, start + seconds, True) for s in stubs))
        elapsed = time.perf_counter() - start
        server_used, client_used = server_cpu() - server_before, time.process_time() - client_before
    finally:
        for channel in channels:
            await channel.close()
    calls = len(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return Load(calls / elapsed, p99, server_used / calls * 1e6, client_used / calls * 1e6)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (a supervisor and its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def _measure(command: list[str], env: dict[str, str], port: int, seconds: float) -> Load:
    """The load on the server ``command`` starts, once it answers ListAgents on ``port``."""
    # A supervisor's stdout says when every worker serves; nothing else is read until the end.
    supervised = "--workers" in command and command[command.index("--workers") + 1] != "1"
    stdout = subprocess.PIPE if supervised else subprocess.DEVNULL
    with subprocess.Popen(
        command, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            asyncio.run(_ready(port, 60))
            if supervised:
                assert proc.stdout is not None
                for line in proc.stdout:  # every worker serves once the supervisor says so
                    if line.startswith("serving"):
                        break
            processes = _tree(proc.pid)
            return asyncio.run(
                _load(port, seconds, lambda: sum(_cpu_seconds(p) for p in processes))
            )
        except Exception as exc:
            proc.kill()
            raise RuntimeError(f"{command[0]} failed: {proc.communicate()[1][-2000:]}") from exc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def bench_service(seconds: float, rounds: int) -> None:
    """Print the connector service tables: throughput and p99, then server CPU per call.

    Each server is measured ``rounds`` times, the servers in turn within a round so that they
    share the machine's noise, and each figure is the median of its rounds.
    """
    kit = FLYTEKIT.environment()
    servers: list[tuple[str, list[str]]] = []
    measured: dict[str, list[Load]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-connectors-") as folder:
        Path(folder, "bench_core_connector.py").write_text(CORE_CONNECTOR)
        Path(folder, "bench_flytekit_connector.py").write_text(FLYTEKIT_CONNECTOR)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PYTHONPATH"] = folder
        env["FLYTE_PLUGIN_AUTOLOAD"] = "0"
        if kit is not None:
            # flytekit's service always records and serves its Prometheus metrics.
            pyflyte = str(Path(kit.python).parent / "pyflyte")
            serve_kit = [pyflyte, "serve", "connector", "--prometheus_port", "{metrics}"]
            servers.append((kit.label, [*serve_kit, "--modules", "bench_flytekit_connector"]))
        # The service runs on uvloop when it is installed (the bench session installs it), and
        # on asyncio's loop otherwise: asyncio's is measured too, so that both are on record.
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
        cases = [(1, "asyncio")] if loop == "uvloop" else []
        for workers, chosen in [*cases, (1, loop), (2, loop)]:
            # Metrics on, as flytekit's always are: like is measured against like.
            serve = [sys.executable, "-m", "flyte.cli", "serve", "connector"]
            serve += ["--metrics-port", "{metrics}", "--workers", str(workers)]
            serve += ["--loop", chosen, "--modules", "bench_core_connector"]
            servers.append((f"flyte-core --workers {workers}, {chosen}", serve))
        for _ in range(rounds):
            for label, command in servers:
                port = free_port()
                line = [part.replace("{metrics}", str(free_port())) for part in command]
                load = _measure([*line, "--port", str(port)], env, port, seconds)
                measured.setdefault(label, []).append(load)
    results = [(label, _median(measured[label])) for label, _ in servers]
    _print_service(results, kit.label if kit is not None else None, seconds, rounds)


def _median(loads: list[Load]) -> Load:
    return Load(
        statistics.median(load.rps for load in loads),
        statistics.median(load.p99_ms for load in loads),
        statistics.median(load.server_cpu_us for load in loads),
        statistics.median(load.client_cpu_us for load in loads),
    )


def _print_service(
    results: list[tuple[str, Load]], kit: str | None, seconds: float, rounds: int
) -> None:
    by_label = dict(results)
    # The last two rows are the default event loop's, with one worker and with two.
    (_, one), (_, two) = results[-2], results[-1]
    base = by_label.get(kit) if kit else None
    rows = []
    for label, load in results:
        note = f"{load.rps:,.0f} GetTask/s"
        if base is not None and load is not base:
            note += f" ({load.rps / base.rps:.2f}x)"
        rows.append((f"{label}: p99", load.p99_ms, note))
    if base is not None:
        met = one.rps >= 2 * base.rps and one.p99_ms < base.p99_ms
        verdict = "met" if met else "MISSED"
        rows[-2] = (rows[-2][0], rows[-2][1], rows[-2][2] + f"; target 2x, lower p99: {verdict}")
    title = (
        f"Connector service on Python {THIS_PYTHON}: GetTask over loopback, {CLIENTS} clients on"
        f" their own connections, {seconds:.0f} s, metrics on; medians of {rounds} rounds"
    )
    print_table(title, rows, rows[0][0])
    if not all(load.server_cpu_us for _, load in results):
        print("\n(no server CPU figures: /proc is missing)")
        return
    cpu_rows = []
    for label, load in results:
        note = f"client {load.client_cpu_us:.0f} us/call"
        if base is not None and load is not base:
            ratio = load.server_cpu_us / base.server_cpu_us
            note += f"; {judge(round(ratio, 2), '<=', 0.9, 'x')}"
        cpu_rows.append((f"{label}: server CPU/call", load.server_cpu_us / 1000, note))
    print_table(
        "Connector service: server CPU per GetTask (all its processes)", cpu_rows, cpu_rows[0][0]
    )
    # The load generator and the servers share this machine's cores: the CPU each call costs
    # the server, not the throughput, says what a server with free cores would do.
    cores = os.cpu_count() or 1
    busy = two.rps * (two.server_cpu_us + two.client_cpu_us) / 1e6
    print(
        f"\n--workers 2 vs 1: {two.rps / one.rps:.2f}x the throughput here, where the load"
        f" generator and the servers share {cores} cores (together {busy:.1f} cores busy at"
        f" --workers 2). One worker costs {one.server_cpu_us:.0f} us of CPU per GetTask, so a"
        f" core of its own serves about {1e6 / one.server_cpu_us:,.0f}/s; with free cores and"
        f" clients on many connections, N workers scale to about N times that (at"
        f" --workers 2: {two.server_cpu_us:.0f} us per call, so {2e6 / two.server_cpu_us:,.0f}/s"
        f" on two cores)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--jobs", type=int, default=1000, help="concurrent connector tasks")
    parser.add_argument("--seconds", type=float, default=3.0, help="GetTask load duration")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each server")
    args = parser.parse_args()
    bench_executor(args.jobs)
    bench_service(args.seconds, args.rounds)


if __name__ == "__main__":
    main()
