"""Driving one connector job to its end: create, poll with backoff, delete on timeout or cancellation.

The policy, written where it is enforced:

- polls start short and back off exponentially to a cap; no sleep follows a terminal phase;
- an exception from ``get`` is retried with the same backoff, up to ``max_get_failures`` in a
  row, then the job is deleted and a :class:`ConnectorError` raised; a ``ConnectorError`` (the
  connector saying the job cannot be read, such as an unknown job) is not retried;
- when the task's timeout passes, the job is deleted, then :class:`ConnectorTimeoutError` raised;
- ``get`` must answer a :class:`Resource` of a ``TaskExecution`` phase; any other answer deletes
  the job and raises :class:`ConnectorError` naming the connector and what it answered;
- however polling ends before a terminal phase (a cancellation of the asyncio task, Ctrl-C,
  SIGTERM, any exception, ``BaseException`` included), ``delete`` is awaited exactly once,
  shielded from further cancellation for at most ``delete_timeout`` seconds, then the exception
  propagates;
- ``RETRYABLE_FAILED`` starts a new job, up to the task's retries; ``FAILED`` and ``ABORTED``
  raise :class:`ConnectorJobFailedError` with the connector's message and log links.

While jobs run, the status line (see :mod:`flyte._progress`) shows their phases; log links are
printed as they arrive.

Time comes from a :class:`Clock` so that tests drive it without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from flyteidl.core.execution_pb2 import TaskExecution
from google.protobuf.message import DecodeError

from flyte import _storage
from flyte._context import TaskContext
from flyte._progress import status
from flyte.connectors._connector import AsyncConnector, ConnectorBase, SyncConnector
from flyte.connectors._errors import (
    ConnectorError,
    ConnectorJobFailedError,
    ConnectorRequestError,
    ConnectorTimeoutError,
    ResourceMetaError,
)
from flyte.connectors._job import (
    OpenJob,
    create_job,
    delete_job,
    job_inputs,
    open_job,
    poll_job,
    run_sync_job,
)
from flyte.errors import TypeTransformerFailedError

if TYPE_CHECKING:
    from flyteidl.admin import agent_pb2
    from flyteidl.core import execution_pb2, literals_pb2, tasks_pb2

__all__ = ["TERMINAL_PHASES", "Clock", "PollPolicy", "print_log_link", "run_job"]

logger = logging.getLogger("flyte.connectors")

T = TypeVar("T")

TERMINAL_PHASES = frozenset(
    {
        TaskExecution.SUCCEEDED,
        TaskExecution.FAILED,
        TaskExecution.ABORTED,
        TaskExecution.RETRYABLE_FAILED,
    }
)


@dataclass(frozen=True)
class PollPolicy:
    """How often ``get`` is polled and how many failures of it are tolerated.

    The n-th wait is ``first_interval * backoff**n`` seconds, capped at ``max_interval``. A
    backoff of 1.5 sees a job end at most half its run time late (2 would be a whole run time)
    while a job of an hour costs a few hundred polls.
    """

    first_interval: float = 0.05
    backoff: float = 1.5
    max_interval: float = 10.0
    max_get_failures: int = 5
    delete_timeout: float = 30.0

    def intervals(self) -> Iterator[float]:
        """The waits between polls, growing to the cap."""
        interval = self.first_interval
        while True:
            yield interval
            interval = min(interval * self.backoff, self.max_interval)


class Clock:
    """Monotonic time and sleep; tests substitute one that advances without waiting."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        await asyncio.sleep(seconds)


LogLinkReporter = Callable[[str, "execution_pb2.TaskLog"], None]


def print_log_link(task_name: str, link: execution_pb2.TaskLog) -> None:
    """Show a log link to the user on stderr as soon as the connector reports it."""
    status.note(f"[{task_name}] logs: {link.name or 'log'}: {link.uri}")


class _DeadlinePassed(Exception):
    pass


class _PhaseBoard:
    """The phases of the connector jobs of this process, summarised on the status line.

    Counts are kept as phases change, so a redraw costs the same for one job as for thousands.
    """

    def __init__(self) -> None:
        self._phases: dict[_Job, str] = {}
        self._counts: Counter[str] = Counter()

    def update(self, job: _Job, phase: str) -> None:
        """Record ``job``'s phase and redraw."""
        previous = self._phases.get(job)
        if previous is not None:
            self._counts[previous] -= 1
        self._phases[job] = phase
        self._counts[phase] += 1
        # A lone job shows every change of phase; many jobs share the throttled summary.
        self._draw(job, force=previous != phase and len(self._phases) == 1)

    @contextmanager
    def tracking(self, job: _Job) -> Iterator[None]:
        """Show ``job`` as ``STARTING`` until its first phase; forget it when the block ends."""
        self.update(job, "STARTING")
        try:
            yield
        finally:
            self._counts[self._phases.pop(job)] -= 1
            if not self._phases:
                status.clear()

    def _draw(self, job: _Job, *, force: bool) -> None:
        if not status.enabled():
            return
        elapsed = job.clock.now() - job.started
        if len(self._phases) == 1:
            text = f"[{job.task_name}] {job.connector.name}: {self._phases[job]} {elapsed:.1f}s"
        else:
            counts = ", ".join(f"{n} {phase}" for phase, n in sorted(self._counts.items()) if n)
            text = f"{len(self._phases)} connector jobs: {counts}"
        status.show(text, force=force)


_board = _PhaseBoard()


@dataclass(eq=False)
class _Job:
    """One attempt's context: who runs it, for which task, until when."""

    connector: ConnectorBase
    task_name: str
    policy: PollPolicy
    clock: Clock
    deadline: float | None
    report: LogLinkReporter
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock.now()

    def where(self) -> str:
        return f"{self.connector.describe()} for task '{self.task_name}'"

    async def bounded(self, call: Awaitable[T]) -> T:
        """Await ``call``, giving up when the deadline passes."""
        if self.deadline is None:
            return await call
        remaining = self.deadline - self.clock.now()
        if remaining <= 0:
            if asyncio.iscoroutine(call):
                call.close()
            raise _DeadlinePassed
        try:
            return await asyncio.wait_for(call, remaining)
        except asyncio.TimeoutError:
            if self.clock.now() >= self.deadline:
                raise _DeadlinePassed from None
            raise

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, or until the deadline; raise when it has passed."""
        if self.deadline is not None:
            seconds = min(seconds, self.deadline - self.clock.now())
            if seconds <= 0:
                raise _DeadlinePassed
        await self.clock.sleep(seconds)


async def run_job(
    connector: ConnectorBase,
    template: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
    ctx: TaskContext,
    *,
    retries: int = 0,
    timeout: float | None = None,
    policy: PollPolicy | None = None,
    clock: Clock | None = None,
    report: LogLinkReporter = print_log_link,
) -> agent_pb2.Resource:
    """Run the task's job through ``connector`` until it succeeds; return its final Resource.

    The job takes the steps of :mod:`._job`, as behind the connector service: ``inputs`` are read
    as the template declares them, the metadata crosses its wire encoding between calls, and the
    final Resource carries the outputs as a ``LiteralMap``. ``timeout`` (seconds) bounds each
    attempt; ``retries`` is how many new jobs a ``RETRYABLE_FAILED`` phase may start.
    """
    policy = policy or PollPolicy()
    clock = clock or Clock()
    where = f"{connector.describe()} for task '{ctx.task_name}'"
    try:
        python_inputs = await job_inputs(template, inputs)
    except TypeTransformerFailedError as exc:
        raise ConnectorError(f"{where}: the task's interface cannot be read: {exc}") from exc
    for attempt in range(retries + 1):
        deadline = None if timeout is None else clock.now() + timeout
        job = _Job(connector, ctx.task_name, policy, clock, deadline, report)
        with _board.tracking(job):
            if isinstance(connector, SyncConnector):
                resource = await _run_sync(job, connector, template, python_inputs, ctx)
            elif isinstance(connector, AsyncConnector):
                resource = await _run_async(job, connector, template, python_inputs, ctx)
            else:
                raise ConnectorError(
                    f"{connector.describe()} is neither an AsyncConnector nor a SyncConnector"
                )
        if resource.phase == TaskExecution.SUCCEEDED:
            _complete_outputs(job, resource, template, ctx)
            return resource
        if resource.phase == TaskExecution.RETRYABLE_FAILED and attempt < retries:
            logger.warning(
                "%s: the job failed and may be retried (%s); attempt %d of %d",
                job.where(),
                resource.message,
                attempt + 2,
                retries + 1,
            )
            continue
        raise _failure(job, resource, attempt + 1)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _complete_outputs(
    job: _Job, resource: agent_pb2.Resource, template: tasks_pb2.TaskTemplate, ctx: TaskContext
) -> None:
    """Give a succeeded Resource the declared outputs: its own, or those the job wrote itself.

    flyteidl lets a job write ``outputs.pb`` under the output prefix instead of returning its
    outputs; a run without an output prefix (a local one) has nowhere for them to be.
    """
    declared = set(template.interface.outputs.variables)
    if declared <= set(resource.outputs.literals):
        return
    written = _storage.join(ctx.output_prefix, "outputs.pb") if ctx.output_prefix else ""
    if written:
        try:
            resource.outputs.ParseFromString(_storage.read_bytes(written))
        except (_storage.StorageError, DecodeError) as exc:
            raise ConnectorError(
                f"{job.where()}: the job succeeded without returning its outputs, and "
                f"{written} cannot be read as them: {exc}"
            ) from exc
    missing = sorted(declared - set(resource.outputs.literals))
    if missing:
        returned = sorted(resource.outputs.literals) or "none"
        raise ConnectorError(
            f"{job.where()} did not return the declared outputs {missing} (returned: {returned})"
        )


def _failure(job: _Job, resource: agent_pb2.Resource, attempts: int) -> ConnectorJobFailedError:
    phase = TaskExecution.Phase.Name(resource.phase)
    links = "".join(f"\n  {link.name or 'log'}: {link.uri}" for link in resource.log_links)
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    return ConnectorJobFailedError(
        f"the job of {job.where()} ended {phase}{tried}: {resource.message or 'no message'}"
        + (f"\nlogs:{links}" if links else ""),
        phase=resource.phase,
        connector_message=resource.message,
        log_links=resource.log_links,
    )


async def _run_sync(
    job: _Job,
    connector: SyncConnector,
    template: tasks_pb2.TaskTemplate,
    inputs: dict[str, Any],
    ctx: TaskContext,
) -> agent_pb2.Resource:
    try:
        resource = await job.bounded(run_sync_job(connector, template, inputs, ctx))
    except _DeadlinePassed:
        raise ConnectorTimeoutError(f"{job.where()} did not answer before the timeout") from None
    except ConnectorError:
        raise
    except Exception as exc:
        raise ConnectorError(f"{job.where()} failed in do: {type(exc).__name__}: {exc}") from exc
    _report_links(job, resource, set())
    return resource


async def _run_async(
    job: _Job,
    connector: AsyncConnector,
    template: tasks_pb2.TaskTemplate,
    inputs: dict[str, Any],
    ctx: TaskContext,
) -> agent_pb2.Resource:
    try:
        resource_meta = await job.bounded(create_job(connector, template, inputs, ctx))
    except _DeadlinePassed:
        raise ConnectorTimeoutError(
            f"{job.where()} did not create the job before the timeout"
        ) from None
    except ConnectorRequestError as exc:
        # Kept as its own type (a config or input refused), as the service keeps its status.
        raise ConnectorRequestError(f"{job.where()} refused the request: {exc}") from exc
    except Exception as exc:
        raise ConnectorError(
            f"{job.where()} failed in create: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        return await _poll(job, connector, resource_meta)
    except _DeadlinePassed:
        await _delete(job, connector, resource_meta, "the timeout passed")
        raise ConnectorTimeoutError(
            f"the job of {job.where()} did not end within the task's timeout; it was deleted"
        ) from None
    except GeneratorExit:
        raise  # the coroutine is being closed without a loop to run: nothing can be awaited
    except BaseException as exc:
        # Whatever ends polling early (a cancellation, KeyboardInterrupt raised inside the loop,
        # SystemExit, a failed or nonsensical get) would leave the job running on the
        # external system.
        await _delete(job, connector, resource_meta, _ended_by(exc))
        raise


async def _poll(job: _Job, connector: AsyncConnector, resource_meta: bytes) -> agent_pb2.Resource:
    seen: set[tuple[str, str]] = set()
    failures = 0
    for interval in job.policy.intervals():
        try:
            resource = await job.bounded(poll_job(connector, _open(connector, resource_meta)))
        except (_DeadlinePassed, ConnectorError):
            raise
        except Exception as exc:
            failures += 1
            if failures > job.policy.max_get_failures:
                raise ConnectorError(
                    f"{job.where()} failed in get {failures} times in a row; giving up: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            logger.info("%s: get failed (%s), retrying in %.2fs", job.where(), exc, interval)
        else:
            failures = 0
            _board.update(job, TaskExecution.Phase.Name(resource.phase))
            _report_links(job, resource, seen)
            if resource.phase in TERMINAL_PHASES:
                return resource
        await job.sleep(interval)
    raise AssertionError("unreachable: intervals() never ends")


def _open(connector: AsyncConnector, resource_meta: bytes) -> OpenJob:
    """The job's metadata read back from its wire encoding, as each call of a backend reads it."""
    try:
        return open_job(connector, resource_meta, local=True)
    except ResourceMetaError as exc:
        raise ConnectorError(f"{connector.describe()}: {exc}") from exc


def _ended_by(exc: BaseException) -> str:
    if isinstance(exc, asyncio.CancelledError):
        return "the run was cancelled"
    if isinstance(exc, ConnectorError):
        return "its state could not be read"
    return f"polling ended with {type(exc).__name__}"


def _report_links(job: _Job, resource: agent_pb2.Resource, seen: set[tuple[str, str]]) -> None:
    for link in resource.log_links:
        key = (link.name, link.uri)
        if key not in seen:
            seen.add(key)
            job.report(job.task_name, link)


async def _delete(job: _Job, connector: AsyncConnector, resource_meta: bytes, why: str) -> None:
    """Delete the job once; a second cancellation does not abandon the deletion."""
    deletion = asyncio.ensure_future(
        asyncio.wait_for(
            delete_job(connector, _open(connector, resource_meta)), job.policy.delete_timeout
        )
    )
    while not deletion.done():
        try:
            await asyncio.shield(deletion)
        except asyncio.CancelledError:
            continue
        except Exception:
            break
    if deletion.cancelled():
        return
    exc = deletion.exception()
    if exc is not None:
        logger.warning("%s: deleting the job after %s failed: %s", job.where(), why, exc)
