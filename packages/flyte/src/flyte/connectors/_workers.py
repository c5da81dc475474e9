"""Several connector service processes on one port: ``flyte serve connector --workers N``.

The supervisor (the process ``flyte serve connector`` starts) runs N worker processes, each a
``flyte serve connector --worker`` with its own event loop, all listening on the same port:
grpc sets ``SO_REUSEPORT`` on Linux, and the kernel spreads new connections over the workers.
A connection stays with the worker that accepted it, so the load spreads by connection: one
client with one connection is served by one worker.

- The first worker binds the port asked for (0: a free one); the others bind the port it got.
- Health checks are answered by whichever worker takes the connection; every worker serves the
  same connectors.
- Metrics: each worker writes its values to files of prometheus-client's multiprocess mode, in
  a folder of the supervisor's (``PROMETHEUS_MULTIPROC_DIR``); the supervisor serves their sum
  on ``--metrics-port``. A worker that ends has its gauges dropped, its counters kept.
- SIGTERM (or SIGINT) to the supervisor is passed to every worker, each of which stops as one
  service does (NOT_SERVING, no new calls, the calls in flight finished within the grace
  period); the supervisor ends when they all have, killing any still running 10 seconds after
  the grace period.
- A worker that ends while the service runs is replaced by a new one on the same port, at once
  if it had run 10 seconds or more, else after a delay that doubles with each quick failure (up
  to 30 seconds), so a worker that cannot start does not spin. A worker that sees its
  supervisor gone stops itself.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import IO

from flyte.connectors._metrics import serve_multiprocess
from flyte.errors import FlyteError

__all__ = ["WorkerSupervisor"]

#: A worker that ran this long before it ended is replaced at once.
_STABLE_SECONDS = 10.0
_FIRST_DELAY = 0.5
_LONGEST_DELAY = 30.0
#: Beyond the grace period, what the workers get to exit before they are killed.
_EXIT_SECONDS = 10.0
_STARTUP_SECONDS = 120.0


@dataclass
class _Worker:
    """One worker process and what it printed, read by a thread of its own."""

    slot: int
    process: subprocess.Popen[str]
    started: float
    serving: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    early_output: list[str] = field(default_factory=list)

    def read(self, out: IO[str]) -> None:
        """Read the worker's stdout: wait for its ``serving`` line, then pass the rest on."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if not self.serving.is_set():
                if line.startswith("serving"):
                    self.port = int(line.rsplit(":", 1)[1])
                    self.serving.set()
                else:
                    self.early_output.append(line)
                continue
            out.write(line)
            out.flush()


class WorkerSupervisor:
    """Runs ``workers`` worker processes on one port until SIGTERM or SIGINT (see the module).

    ``command(port)`` is the worker command line for ``port``; ``address`` is what the serving
    line names before the port (``grpc://127.0.0.1``); ``metrics`` is the host and port of the
    summed metrics endpoint, or None.
    """

    def __init__(
        self,
        command: Callable[[int], Sequence[str]],
        workers: int,
        *,
        address: str,
        port: int,
        grace: float,
        metrics: tuple[str, int] | None = None,
        out: IO[str] = sys.stdout,
        err: IO[str] = sys.stderr,
    ) -> None:
        self._command = command
        self._count = workers
        self._address = address
        self._port = port
        self._grace = grace
        self._metrics = metrics
        self._out = out
        self._err = err
        self._workers: dict[int, _Worker] = {}
        self._quick_failures: dict[int, int] = {}
        self._restart_at: dict[int, float] = {}
        self._stopping = threading.Event()
        self._env = dict(os.environ)
        self._metrics_dir: str | None = None

    def run(self) -> int:
        """Start the workers, keep them running until signalled, stop them; the exit code.

        Returns 2, after printing why, when the first workers cannot start.
        """
        previous = {s: signal.signal(s, self._signalled) for s in (signal.SIGTERM, signal.SIGINT)}
        endpoint = None
        try:
            if self._metrics is not None:
                self._metrics_dir = tempfile.mkdtemp(prefix="flyte-connector-metrics-")
                self._env["PROMETHEUS_MULTIPROC_DIR"] = self._metrics_dir
                endpoint = serve_multiprocess(*self._metrics, self._metrics_dir)
            try:
                self._start_all()
            except FlyteError as exc:
                print(f"error: {exc}", file=self._err, flush=True)
                self._stop_all()
                return 2
            pids = ", ".join(str(w.process.pid) for w in self._workers.values())
            print(f"started {self._count} workers (pids {pids})", file=self._out)
            print(f"serving connectors on {self._address}:{self._port}", file=self._out, flush=True)
            while not self._stopping.wait(0.2):
                self._replace_ended()
            self._stop_all()
            return 0
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            if endpoint is not None:
                endpoint.stop()
            if self._metrics_dir is not None:
                shutil.rmtree(self._metrics_dir, ignore_errors=True)

    def _signalled(self, signum: int, frame: FrameType | None) -> None:
        self._stopping.set()

    def _spawn(self, slot: int) -> _Worker:
        process = subprocess.Popen(
            list(self._command(self._port)),
            stdout=subprocess.PIPE,
            text=True,
            env=self._env,
        )
        worker = _Worker(slot, process, time.monotonic())
        threading.Thread(target=worker.read, args=(self._out,), daemon=True).start()
        self._workers[slot] = worker
        return worker

    def _start_all(self) -> None:
        # The first worker binds the port asked for; the others bind the one it got.
        for slot in range(self._count):
            worker = self._spawn(slot)
            self._await_serving(worker)
            self._port = worker.port

    def _await_serving(self, worker: _Worker) -> None:
        deadline = time.monotonic() + _STARTUP_SECONDS
        while not worker.serving.wait(0.1):
            if worker.process.poll() is not None or time.monotonic() > deadline:
                worker.serving.wait(0.5)  # the reader may not have read everything yet
                printed = "".join(worker.early_output).strip()
                raise FlyteError(
                    f"worker {worker.slot + 1} of {self._count} ended with exit code "
                    f"{worker.process.poll()} before serving" + (f":\n{printed}" if printed else "")
                )
            if self._stopping.is_set():
                raise FlyteError("stopped before every worker was serving")

    def _replace_ended(self) -> None:
        now = time.monotonic()
        for slot, worker in list(self._workers.items()):
            code = worker.process.poll()
            if code is None:
                continue
            del self._workers[slot]
            self._forget_metrics(worker.process.pid)
            lived = now - worker.started
            failures = 0 if lived >= _STABLE_SECONDS else self._quick_failures.get(slot, 0) + 1
            self._quick_failures[slot] = failures
            delay = (
                0.0 if failures == 0 else min(_LONGEST_DELAY, _FIRST_DELAY * 2 ** (failures - 1))
            )
            self._restart_at[slot] = now + delay
            print(
                f"worker {slot + 1} (pid {worker.process.pid}) ended with exit code {code} after "
                f"{lived:.1f} s; starting another" + (f" in {delay:.1f} s" if delay else ""),
                file=self._err,
                flush=True,
            )
        for slot, when in list(self._restart_at.items()):
            if when <= now:
                del self._restart_at[slot]
                replacement = self._spawn(slot)
                print(
                    f"worker {slot + 1} started (pid {replacement.process.pid})",
                    file=self._err,
                    flush=True,
                )

    def _forget_metrics(self, pid: int) -> None:
        if self._metrics_dir is None:
            return
        multiprocess = importlib.import_module("prometheus_client.multiprocess")
        multiprocess.mark_process_dead(pid, self._metrics_dir)

    def _stop_all(self) -> None:
        workers = list(self._workers.values())
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._grace + _EXIT_SECONDS
        for worker in workers:
            try:
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
        self._workers.clear()
