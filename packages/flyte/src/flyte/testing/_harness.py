"""ConnectorHarness: a connector driven through the real polling loop, time and faults scripted.

The harness runs a task the way a local run of a connector task does: its inputs become literals,
the real polling loop runs the job (backoff, retries of ``get``, deletion on timeout and
cancellation, retries of ``RETRYABLE_FAILED``; the metadata crosses its wire encoding between
calls, as through the connector service), and its outputs come back through the task's declared
types. Faults are injected around the connector, never inside the loop: the connector is wrapped
so that calls are recorded and ``get`` can fail on purpose.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flyteidl.core import execution_pb2, literals_pb2, tasks_pb2

from flyte._context import local_context
from flyte.connectors import (
    AsyncConnector,
    AsyncConnectorExecutorMixin,
    Clock,
    ConnectorBase,
    PollPolicy,
    Resource,
    SyncConnector,
)
from flyte.connectors._convert import declared_types
from flyte.connectors._job import accepted_keywords
from flyte.connectors._polling import run_job
from flyte.testing._clock import ScriptedClock
from flyte.types import TypeEngine

__all__ = ["ConnectorHarness", "ConnectorRun"]


@dataclass
class ConnectorRun:
    """What one :meth:`ConnectorHarness.run` did.

    ``outputs`` are Python values by output name (None when the run failed); ``calls`` names
    every connector call in order (``"create"``, ``"get"``, ``"delete"``, or ``"do"``; an injected
    ``get`` failure is listed too); ``error`` is the exception the run ended with (an
    ``asyncio.CancelledError`` when it was cancelled); ``elapsed`` is in the clock's seconds
    (virtual with a :class:`ScriptedClock`); ``log_links`` are the links reported, each once;
    ``resource`` is the last :class:`Resource` the connector returned.
    """

    outputs: dict[str, Any] | None = None
    calls: list[str] = field(default_factory=list)
    error: BaseException | None = None
    elapsed: float = 0.0
    log_links: list[execution_pb2.TaskLog] = field(default_factory=list)
    resource: Resource | None = None

    @property
    def polls(self) -> int:
        """How many times ``get`` was called."""
        return self.calls.count("get")


class ConnectorHarness:
    """Drives a connector through create, get and delete with the real polling loop.

    ``ConnectorHarness(connector, clock=ScriptedClock())``; ``clock`` defaults to a new
    :class:`ScriptedClock` (see :attr:`clock`), so waits between polls take no real time;
    ``policy`` defaults to the task's ``poll_policy`` (a task of the executor mixin) or
    :class:`~flyte.connectors.PollPolicy`'s defaults.
    """

    def __init__(
        self,
        connector: ConnectorBase,
        *,
        clock: Clock | None = None,
        policy: PollPolicy | None = None,
    ) -> None:
        if not isinstance(connector, (AsyncConnector, SyncConnector)):
            raise TypeError(
                f"ConnectorHarness takes an AsyncConnector or SyncConnector instance, got "
                f"{connector!r}"
            )
        self.connector = connector
        self.clock = clock if clock is not None else ScriptedClock()
        self.policy = policy

    async def run(
        self,
        task: Any,
        inputs: Mapping[str, Any] | None = None,
        *,
        timeout: datetime.timedelta | None = None,
        get_failures: int = 0,
        cancel_after_polls: int | None = None,
    ) -> ConnectorRun:
        """Run ``task`` with ``inputs`` through the connector; return what happened.

        ``task`` is a ``flyte.extend.TaskTemplate`` (serialized; its inputs, with its defaults
        filled in, and its outputs converted with its declared types) or a
        ``tasks_pb2.TaskTemplate`` (types guessed from its interface, as the connector service
        does). ``timeout`` bounds each attempt in the clock's time; None keeps the task's own.
        The first ``get_failures`` calls of ``get`` raise ``ConnectionError`` without reaching the
        connector. ``cancel_after_polls=N`` cancels the run at its first sleep after the N-th
        ``get``; the job is deleted, once.

        The run's own failure does not raise: it is :attr:`ConnectorRun.error`.
        """
        if cancel_after_polls is not None and cancel_after_polls < 1:
            raise ValueError(f"cancel_after_polls must be at least 1, got {cancel_after_polls}")
        template, literal_inputs, output_types = await _prepared(task, inputs or {})
        run = ConnectorRun()
        connector = _recording(self.connector, run, get_failures)
        clock = _CancellingClock(self.clock, run, cancel_after_polls)
        if timeout is None and template.metadata.HasField("timeout"):
            timeout = template.metadata.timeout.ToTimedelta()
        policy = self.policy
        if policy is None:
            policy = task.poll_policy if isinstance(task, AsyncConnectorExecutorMixin) else None
        started = self.clock.now()
        job = asyncio.ensure_future(
            _run_to_outputs(
                connector,
                template,
                literal_inputs,
                output_types,
                retries=template.metadata.retries.retries,
                timeout=timeout.total_seconds() if timeout is not None else None,
                policy=policy,
                clock=clock,
                report=lambda _task_name, link: run.log_links.append(link),
            )
        )
        try:
            run.outputs = await job
        except asyncio.CancelledError as exc:
            if not clock.cancelled:
                raise  # the test itself was cancelled, not the run
            run.error = exc
        except Exception as exc:
            run.error = exc
        run.elapsed = self.clock.now() - started
        return run


async def _prepared(
    task: Any, inputs: Mapping[str, Any]
) -> tuple[tasks_pb2.TaskTemplate, literals_pb2.LiteralMap, dict[str, Any]]:
    """The task's template, its inputs' literals and its output types.

    A ``flyte.extend.TaskTemplate`` is prepared as a local run prepares it (its defaults filled
    in); a ``tasks_pb2.TaskTemplate``'s types are guessed from its interface, as the connector
    service guesses them.
    """
    if isinstance(task, tasks_pb2.TaskTemplate):
        input_types = declared_types(task.interface.inputs)
        literal_inputs = await TypeEngine.to_literal_map(dict(inputs), input_types)
        return task, literal_inputs, declared_types(task.interface.outputs)
    from flyte._runtime._pipeline import prepare
    from flyte._tasks._template import TaskTemplate
    from flyte.models import SerializationContext

    if not isinstance(task, TaskTemplate):
        raise TypeError(
            f"ConnectorHarness.run takes a flyte.extend.TaskTemplate or a "
            f"flyteidl.core.tasks_pb2.TaskTemplate, got {task!r}"
        )
    prepared = await prepare(task, inputs, SerializationContext())
    return prepared.template, prepared.inputs, dict(task.interface.outputs)


async def _run_to_outputs(
    connector: ConnectorBase,
    template: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
    output_types: dict[str, Any],
    **options: Any,
) -> dict[str, Any]:
    """Run the job under a local context; its outputs as Python values, by name."""
    ctx = local_context(template.id.name or template.type)
    resource = await run_job(connector, template, inputs, ctx, **options)
    return await TypeEngine.literal_map_to_python(resource.outputs, output_types)


def _recording(connector: ConnectorBase, run: ConnectorRun, get_failures: int) -> ConnectorBase:
    if isinstance(connector, SyncConnector):
        return _RecordingSyncConnector(connector, run)
    assert isinstance(connector, AsyncConnector)  # ConnectorHarness checked it
    return _RecordingConnector(connector, run, get_failures)


class _RecordingConnector(AsyncConnector):
    """The connector under test, its calls recorded and its first ``get`` calls failing on purpose."""

    def __init__(self, inner: AsyncConnector, run: ConnectorRun, get_failures: int) -> None:
        self._inner = inner
        self._run = run
        self._get_failures = get_failures
        self.name = inner.name  # type: ignore[misc]  # the progress line shows the inner's name
        self.metadata_type = inner.metadata_type  # type: ignore[misc]  # decoded as the inner's
        self.config_type = inner.config_type  # type: ignore[misc]  # the config checked as the inner's

    def describe(self) -> str:
        return self._inner.describe()

    async def create(
        self,
        task_template: tasks_pb2.TaskTemplate,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        self._run.calls.append("create")
        return await _call(self._inner.create, task_template, inputs=inputs, **kwargs)

    async def get(self, resource_meta: Any, **kwargs: Any) -> Resource:
        self._run.calls.append("get")
        failed = self._run.polls
        if failed <= self._get_failures:
            raise ConnectionError(
                f"get failure {failed} of {self._get_failures}, injected by ConnectorHarness"
            )
        resource: Resource = await _call(self._inner.get, resource_meta, **kwargs)
        self._run.resource = resource
        return resource

    async def delete(self, resource_meta: Any, **kwargs: Any) -> None:
        self._run.calls.append("delete")
        await _call(self._inner.delete, resource_meta, **kwargs)


class _RecordingSyncConnector(SyncConnector):
    """A synchronous connector under test, its one call recorded."""

    def __init__(self, inner: SyncConnector, run: ConnectorRun) -> None:
        self._inner = inner
        self._run = run
        self.name = inner.name  # type: ignore[misc]
        self.config_type = inner.config_type  # type: ignore[misc]

    def describe(self) -> str:
        return self._inner.describe()

    async def do(
        self,
        task_template: tasks_pb2.TaskTemplate,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Resource:
        self._run.calls.append("do")
        resource: Resource = await _call(self._inner.do, task_template, inputs=inputs, **kwargs)
        self._run.resource = resource
        return resource


async def _call(method: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the inner connector's ``method`` with the keyword arguments its signature takes."""
    return await method(*args, **accepted_keywords(method, **kwargs))


class _CancellingClock(Clock):
    """The harness's clock, which cancels the run at its first sleep after the N-th poll.

    The cancellation lands at a sleep of the polling loop, in the run's own task: cancelling
    from inside ``get`` could be lost on Python < 3.12, where ``asyncio.wait_for`` returns a
    result that arrived together with the cancellation.
    """

    def __init__(self, inner: Clock, run: ConnectorRun, cancel_after_polls: int | None) -> None:
        self._inner = inner
        self._run = run
        self._cancel_after_polls = cancel_after_polls
        self.cancelled = False

    def now(self) -> float:
        return self._inner.now()

    async def sleep(self, seconds: float) -> None:
        limit = self._cancel_after_polls
        if limit is not None and not self.cancelled and self._run.polls >= limit:
            self.cancelled = True
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
        await self._inner.sleep(seconds)
