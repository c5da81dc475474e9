"""The execution context: what a running task, or a connector serving it, knows of its execution.

    import flyte

    @env.task
    def report(day: str) -> str:
        ctx = flyte.ctx()
        token = ctx.secrets.get("token", group="warehouse")
        return f"{ctx.execution_id.name}, attempt {ctx.attempt}, raw data in {ctx.raw_data_prefix}"

A local run, the container entry point and the connector service all set it, the same way; a
connector's ``create``, ``get`` and ``delete`` receive it as ``ctx=``. Outside a running task,
``flyte.ctx()`` is None.

Where the values come from:

- a local run: a new execution name (``local-<hex>``), attempt 0, and the raw-data prefix
  ``FLYTE_RAW_OUTPUT_DATA_PREFIX`` (a folder or an object-store URI), else a folder of this
  machine's temporary directory, one per execution;
- a container: the variables flytepropeller sets on the pod (``FLYTE_INTERNAL_EXECUTION_*``,
  ``FLYTE_ATTEMPT_NUMBER``) and ``--raw-output-data-prefix``;
- the connector service: the request's ``task_execution_metadata`` and ``output_prefix``.
"""

from __future__ import annotations

import contextvars
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flyte._secrets import Secrets

__all__ = [
    "RAW_OUTPUT_DATA_PREFIX_ENV",
    "ExecutionId",
    "TaskContext",
    "container_context",
    "ctx",
    "default_raw_data_prefix",
    "local_context",
    "running",
]

#: The variable that sets local runs' raw-data prefix.
RAW_OUTPUT_DATA_PREFIX_ENV = "FLYTE_RAW_OUTPUT_DATA_PREFIX"


@dataclass(frozen=True)
class ExecutionId:
    """The execution a task runs in: its project, domain and name."""

    project: str = ""
    domain: str = ""
    name: str = ""


@dataclass(frozen=True)
class TaskContext:
    """What a running task knows of its execution (see the module docstring for the sources).

    ``attempt`` counts from 0 (a retry is 1); ``raw_data_prefix`` is where offloaded values
    (files, dataframes) go; ``output_prefix`` is where the outputs document is written (empty in
    a local run, which hands outputs back in memory); ``secrets`` reads the secrets the task
    asked for.
    """

    task_name: str
    execution_id: ExecutionId = field(default_factory=ExecutionId)
    attempt: int = 0
    raw_data_prefix: str = ""
    output_prefix: str = ""
    secrets: Secrets = field(default_factory=Secrets)

    @property
    def is_local(self) -> bool:
        """True in a local run (``flyte.run``, ``flyte run --local``)."""
        return self.secrets.local


_current: contextvars.ContextVar[TaskContext | None] = contextvars.ContextVar(
    "flyte_task_context", default=None
)


def ctx() -> TaskContext | None:
    """The context of the task running now, or None outside a running task."""
    return _current.get()


@contextmanager
def running(context: TaskContext) -> Iterator[TaskContext]:
    """Make ``context`` the one :func:`ctx` returns inside the block (and its tasks and threads
    started with a copy of the context, as asyncio and ``asyncio.to_thread`` do)."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def local_context(task_name: str) -> TaskContext:
    """The context of a new local run of ``task_name``."""
    name = f"local-{uuid.uuid4().hex[:12]}"
    return TaskContext(
        task_name=task_name,
        execution_id=ExecutionId(name=name),
        raw_data_prefix=default_raw_data_prefix().rstrip("/") + "/" + name,
        secrets=Secrets(local=True),
    )


def default_raw_data_prefix() -> str:
    """The raw-data prefix of local runs: ``FLYTE_RAW_OUTPUT_DATA_PREFIX``, else the default
    folder; each run takes a folder of its own under it."""
    return os.environ.get(RAW_OUTPUT_DATA_PREFIX_ENV) or default_raw_data_folder()


def default_raw_data_folder() -> str:
    """Where local runs offload data when ``FLYTE_RAW_OUTPUT_DATA_PREFIX`` is unset."""
    return os.path.join(tempfile.gettempdir(), "flyte-raw-data")


def container_context(task_name: str, raw_data_prefix: str, output_prefix: str) -> TaskContext:
    """The context of a task in its container, from the variables the backend sets on the pod."""
    env = os.environ
    try:
        attempt = int(env.get("FLYTE_ATTEMPT_NUMBER", "0"))
    except ValueError:
        attempt = 0
    return TaskContext(
        task_name=env.get("FLYTE_INTERNAL_TASK_NAME") or task_name,
        execution_id=ExecutionId(
            project=env.get("FLYTE_INTERNAL_EXECUTION_PROJECT", ""),
            domain=env.get("FLYTE_INTERNAL_EXECUTION_DOMAIN", ""),
            name=env.get("FLYTE_INTERNAL_EXECUTION_ID", ""),
        ),
        attempt=attempt,
        raw_data_prefix=raw_data_prefix,
        output_prefix=output_prefix,
    )
