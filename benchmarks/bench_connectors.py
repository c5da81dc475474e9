"""Connectors: the local executor's fan-out, and the connector service's GetTask, side by side.

1. Local executor. 1,000 connector tasks run concurrently in one event loop; each job runs
   JOB_SECONDS on its (simulated) external system, whose API answers after 10 ms. Timed for one
   job alone and for the thousand, through ``flyte.run_async`` here and through flyte-sdk's
   local run (which sleeps 3 s per poll and once more after the end) in its bench-only venv.
   Target: the thousand take less than twice one job's own duration (JOB_SECONDS).
2. Connector service. ``GetTask`` over loopback from 32 concurrent clients for LOAD_SECONDS
   (bounded by MAX_REQUESTS), against ``flyte serve connector`` and against flytekit's
   ``pyflyte serve connector`` serving an equivalent connector in its bench-only venv.
   Target: at least twice flytekit's throughput, with a lower p99.

Each baseline runs on this Python where it supports it, else on the newest Python it does
(flytekit 1.16 stops at 3.12), and its rows name that Python; without one, its rows are skipped.

    python benchmarks/bench_connectors.py [--jobs 1000] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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


async def _load(port: int, seconds: float) -> tuple[float, float, int]:
    """(requests per second, p99 latency in ms, requests) of GetTask from CLIENTS concurrent
    clients, after a warm-up; the CPU the server used is counted from warm-up on."""
    category = agent_pb2.TaskCategory(name="bench_job", version=0)
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for _ in range(CLIENTS)]
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
        start = time.perf_counter()
        await asyncio.gather(*(client(s, start + seconds, True) for s in stubs))
        elapsed = time.perf_counter() - start
    finally:
        for channel in channels:
            await channel.close()
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return len(latencies) / elapsed, p99, len(latencies)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    command: list[str], env: dict[str, str], port: int, seconds: float
) -> tuple[float, float, float]:
    """(requests per second, p99 ms, server CPU µs per request) of the server ``command`` runs."""
    with subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            asyncio.run(_ready(port, 60))
            cpu = _cpu_seconds(proc.pid)
            rps, p99, requests = asyncio.run(_load(port, seconds))
            cpu_per_request = (_cpu_seconds(proc.pid) - cpu) / requests * 1e6
            return rps, p99, cpu_per_request
        except Exception as exc:
            proc.kill()
            raise RuntimeError(f"{command[0]} failed: {proc.communicate()[1][-2000:]}") from exc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def bench_service(seconds: float) -> None:
    """Print the connector service table."""
    kit = FLYTEKIT.environment()
    with tempfile.TemporaryDirectory(prefix="bench-connectors-") as folder:
        Path(folder, "bench_core_connector.py").write_text(CORE_CONNECTOR)
        Path(folder, "bench_flytekit_connector.py").write_text(FLYTEKIT_CONNECTOR)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PYTHONPATH"] = folder
        env["FLYTE_PLUGIN_AUTOLOAD"] = "0"
        if kit is not None:
            port = _free_port()
            pyflyte = str(Path(kit.python).parent / "pyflyte")
            serve_kit = [pyflyte, "serve", "connector", "--port", str(port)]
            kit_result = _measure(
                [*serve_kit, "--modules", "bench_flytekit_connector"], env, port, seconds
            )
        port = _free_port()
        serve = [sys.executable, "-m", "flyte.cli", "serve", "connector", "--port", str(port)]
        core_rps, core_p99, core_cpu = _measure(
            [*serve, "--modules", "bench_core_connector"], env, port, seconds
        )
    core = "flyte-core: p99"
    rows = [(core, core_p99, f"{core_rps:,.0f} GetTask/s")]
    cpu_rows = [("flyte-core: server CPU/call", core_cpu / 1000, "")]
    if kit is not None:
        kit_rps, kit_p99, kit_cpu = kit_result
        verdict = "met" if core_rps >= 2 * kit_rps and core_p99 < kit_p99 else "MISSED"
        rows = [
            (f"{kit.label}: p99", kit_p99, f"{kit_rps:,.0f} GetTask/s"),
            (
                core,
                core_p99,
                f"{core_rps:,.0f} GetTask/s ({core_rps / kit_rps:.2f}x); target: {verdict}",
            ),
        ]
        cpu_rows.insert(0, (f"{kit.label}: server CPU/call", kit_cpu / 1000, ""))
    title = (
        f"Connector service on Python {THIS_PYTHON}: GetTask over loopback,"
        f" {CLIENTS} concurrent clients, {seconds:.0f} s"
    )
    print_table(title, rows, rows[0][0])
    if all(cpu for _, cpu, _ in cpu_rows):
        # Client and server share the machine's cores: the server's own CPU per call shows
        # what each server costs when the load generator, not the server, is the limit.
        print_table("Connector service: server CPU per GetTask", cpu_rows, cpu_rows[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--jobs", type=int, default=1000, help="concurrent connector tasks")
    parser.add_argument("--seconds", type=float, default=3.0, help="GetTask load duration")
    args = parser.parse_args()
    bench_executor(args.jobs)
    bench_service(args.seconds)


if __name__ == "__main__":
    main()
