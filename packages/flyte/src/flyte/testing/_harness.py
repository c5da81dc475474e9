"""ConnectorHarness: a connector driven through the real polling loop, time and faults scripted.

The harness runs a task the way :class:`~flyte.connectors.AsyncConnectorExecutorMixin` does, through
:func:`flyte.connectors._executor.run_connector_task` and so the real polling loop (backoff,
retries of ``get``, deletion on timeout and cancellation, retries of ``RETRYABLE_FAILED``). Faults
are injected around the connector, never inside the loop: the connector is wrapped so that calls
are recorded, ``get`` can fail on purpose, and the resource metadata crosses JSON between calls as
it does through the connector service.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flyteidl.core import execution_pb2, tasks_pb2

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
from flyte.connectors._executor import run_connector_task
from flyte.connectors._resource import decode_meta, encode_meta
from flyte.testing._clock import ScriptedClock

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
        template, input_types, output_types, defaults = _serialized(task)
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
            run_connector_task(
                connector,
                template,
                {**defaults, **(inputs or {})},
                input_types,
                output_types,
                task_name=template.id.name or template.type,
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


def _serialized(
    task: Any,
) -> tuple[tasks_pb2.TaskTemplate, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The task's template, its input and output types, and the defaults of its inputs."""
    if isinstance(task, tasks_pb2.TaskTemplate):
        inputs, outputs = task.interface.inputs, task.interface.outputs
        return task, declared_types(inputs), declared_types(outputs), {}
    from flyte._serialize import serialize_task
    from flyte._tasks._template import TaskTemplate
    from flyte.models import SerializationContext

    if not isinstance(task, TaskTemplate):
        raise TypeError(
            f"ConnectorHarness.run takes a flyte.extend.TaskTemplate or a "
            f"flyteidl.core.tasks_pb2.TaskTemplate, got {task!r}"
        )
    template = serialize_task(task, SerializationContext())
    interface = task.interface
    return template, dict(interface.inputs), dict(interface.outputs), dict(interface.defaults)


def _recording(connector: ConnectorBase, run: ConnectorRun, get_failures: int) -> ConnectorBase:
    if isinstance(connector, SyncConnector):
        return _RecordingSyncConnector(connector, run)
    assert isinstance(connector, AsyncConnector)  # ConnectorHarness checked it
    return _RecordingConnector(connector, run, get_failures)


class _RecordingConnector(AsyncConnector):
    """The connector under test, its calls recorded and its first ``get`` calls failing on purpose.

    The metadata is kept as the JSON bytes the connector service would hand a backend, and each
    ``get`` and ``delete`` gets a fresh instance decoded from them: a connector whose metadata
    cannot cross a process boundary fails here as it would behind the service.
    """

    def __init__(self, inner: AsyncConnector, run: ConnectorRun, get_failures: int) -> None:
        self._inner = inner
        self._run = run
        self._get_failures = get_failures
        self.name = inner.name  # type: ignore[misc]  # the progress line shows the inner's name

    def describe(self) -> str:
        return self._inner.describe()

    async def create(
        self,
        task_template: tasks_pb2.TaskTemplate,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> bytes:
        self._run.calls.append("create")
        meta = await self._inner.create(task_template, inputs=inputs, **kwargs)
        return encode_meta(meta)

    async def get(self, resource_meta: bytes, **kwargs: Any) -> Resource:
        self._run.calls.append("get")
        failed = self._run.polls
        if failed <= self._get_failures:
            raise ConnectionError(
                f"get failure {failed} of {self._get_failures}, injected by ConnectorHarness"
            )
        resource = await self._inner.get(self._meta(resource_meta), **kwargs)
        self._run.resource = resource
        return resource

    async def delete(self, resource_meta: bytes, **kwargs: Any) -> None:
        self._run.calls.append("delete")
        await self._inner.delete(self._meta(resource_meta), **kwargs)

    def _meta(self, data: bytes) -> Any:
        return decode_meta(self._inner.metadata_type, data)


class _RecordingSyncConnector(SyncConnector):
    """A synchronous connector under test, its one call recorded."""

    def __init__(self, inner: SyncConnector, run: ConnectorRun) -> None:
        self._inner = inner
        self._run = run
        self.name = inner.name  # type: ignore[misc]

    def describe(self) -> str:
        return self._inner.describe()

    async def do(
        self,
        task_template: tasks_pb2.TaskTemplate,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Resource:
        self._run.calls.append("do")
        resource = await self._inner.do(task_template, inputs=inputs, **kwargs)
        self._run.resource = resource
        return resource


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
