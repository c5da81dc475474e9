"""Local runs: the pipeline of :mod:`._pipeline` in this process, or its execute step in a child.

    flyte.run(task, x=1)                # prepare, execute, collect, here
    await flyte.run_async(task, x=1)
    await run_isolated(task, "src", x=1)  # execute in `flyte-execute`, as a container does

Each run has an execution context of its own (``flyte.ctx()``: a new execution name, its
raw-data prefix under ``FLYTE_RAW_OUTPUT_DATA_PREFIX`` or a local folder, local secrets).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import functools
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Coroutine, Mapping
from typing import Any

from flyteidl.core import errors_pb2, execution_pb2

from flyte import _storage
from flyte._context import TaskContext, local_context
from flyte._runtime._cache import LocalCache
from flyte._runtime._documents import Failure
from flyte._runtime._entrypoint import ERROR_FILE, OUTPUTS_FILE, read_literal_map
from flyte._runtime._graph import WorkflowRun, execute_locally
from flyte._runtime._pipeline import check_runnable, collect, input_literals, prepare
from flyte._serialize._location import runtime_args
from flyte._tasks._template import TaskTemplate
from flyte._workflows._workflow import WorkflowTemplate
from flyte.errors import TaskRunError
from flyte.models import SerializationContext

__all__ = ["run", "run_async", "run_isolated", "run_local"]

_IN_PROCESS = SerializationContext()


async def run_async(entity: TaskTemplate | WorkflowTemplate, /, **inputs: Any) -> Any:
    """Run a task or a workflow locally on ``inputs``; return None, its output or its outputs.

    A workflow's nodes run through the same steps, side by side as their inputs are ready. A
    task declared with ``cache`` reuses its earlier outputs for the same inputs (unless
    ``FLYTE_LOCAL_CACHE=0``). Raises :class:`TaskInputError` for a missing, unknown or wrongly
    typed input; for a task, its own exception when its body (or its connector's job) failed,
    and :class:`TaskRunError` for any other failure, with the code its error document would
    carry; for a workflow, :class:`WorkflowRunError` naming the node.
    """
    return await run_local(entity, inputs)


#: ``cache`` of :func:`run_local` when the caller leaves it: the user's, unless switched off.
_DEFAULT_CACHE: Any = object()


async def run_local(
    entity: TaskTemplate | WorkflowTemplate,
    inputs: Mapping[str, Any],
    context: TaskContext | None = None,
    *,
    root_dir: str | None = None,
    cache: LocalCache | None = _DEFAULT_CACHE,
) -> Any:
    """Run a task or a workflow on ``inputs`` under ``context`` (a new local one when None; a
    caller makes its own to show where the raw data goes): here, or with ``root_dir`` a task's
    execute step in a child as :func:`run_isolated` does; ``cache`` is the local cache to use
    (None: none; left out: :meth:`LocalCache.default`)."""
    check_runnable(entity)
    context = context or local_context(entity.name)
    if cache is _DEFAULT_CACHE:
        cache = LocalCache.default()
    if isinstance(entity, WorkflowTemplate):
        literals = await input_literals(entity, inputs)
        return await collect(entity, await WorkflowRun(entity, context, cache).run(literals))
    if root_dir is not None:
        return await _run_in_child(entity, root_dir, inputs, context)
    prepared = await prepare(entity, inputs, _IN_PROCESS)
    outcome, _ = await execute_locally(entity, prepared.template, prepared.inputs, context, cache)
    if isinstance(outcome, Failure):
        raise _failed(entity, outcome)
    return await collect(entity, outcome)


async def run_isolated(task: TaskTemplate, root_dir: str, /, **inputs: Any) -> Any:
    """Run ``task`` as :func:`run_async` does, but its execute step in a ``flyte-execute`` child.

    The child imports the task from ``root_dir`` by its module and name, as a container does
    from its code bundle, and reads and writes the literals as files; any failure is a
    :class:`TaskRunError` made from its error document.
    """
    return await _run_in_child(task, root_dir, inputs, local_context(task.name))


async def _run_in_child(
    task: TaskTemplate, root_dir: str, inputs: Mapping[str, Any], context: TaskContext
) -> Any:
    workdir = os.path.join(_runs_folder(), str(next(_run_numbers)))
    os.mkdir(workdir)
    try:
        sctx = SerializationContext(
            input_path=os.path.join(workdir, "inputs.pb"),
            output_path=os.path.join(workdir, "outputs"),
            raw_output_path=context.raw_data_prefix,
            root_dir=root_dir,
        )
        prepared = await prepare(task, inputs, sctx)
        _storage.write_bytes(sctx.input_path, prepared.inputs.SerializeToString(deterministic=True))
        args = [*runtime_args(task, sctx)[1:], "--dest", root_dir]
        await _execute_in_child(task, args, sctx.output_path)
        outputs = read_literal_map(_storage.join(sctx.output_path, OUTPUTS_FILE))
        return await collect(task, outputs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _execute_in_child(task: TaskTemplate, args: list[str], output_prefix: str) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "flyte._runtime._entrypoint", *args, stderr=subprocess.PIPE
    )
    _, stderr = await child.communicate()
    error_path = _storage.join(output_prefix, ERROR_FILE)
    if os.path.exists(error_path):
        document = errors_pb2.ErrorDocument.FromString(_storage.read_bytes(error_path))
        error = document.error
        raise TaskRunError(
            f"task '{task.name}' failed ({error.code}): {error.message.split(chr(10), 1)[0]}",
            code=error.code,
            kind=execution_pb2.ExecutionError.ErrorKind.Name(error.origin),
            recoverable=error.kind == errors_pb2.ContainerError.RECOVERABLE,
        )
    if child.returncode != 0:
        raise TaskRunError(
            f"task '{task.name}': the entry point exited with {child.returncode} and no error "
            f"document:\n{stderr.decode(errors='replace')}",
            code="SYSTEM:EntryPointCrashed",
            kind="SYSTEM",
        )


def _failed(task: TaskTemplate, failure: Failure) -> BaseException:
    """What a failed in-process run raises: the task's own exception, or a TaskRunError."""
    if failure.raised_by_task:
        return failure.exception
    error = TaskRunError(
        f"task '{task.name}' failed ({failure.code}): {failure.headline}",
        code=failure.code,
        kind="USER" if failure.user else "SYSTEM",
        recoverable=failure.recoverable,
    )
    error.__cause__ = failure.exception
    return error


@functools.cache
def _runs_folder() -> str:
    """One temporary folder per process for isolated runs' files, removed when the process ends.

    It is made in memory (``/dev/shm``) where the system has it: a run's few small files
    then cost microseconds instead of a disk's metadata updates.
    """
    shm = "/dev/shm"
    memory = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    folder = tempfile.mkdtemp(prefix="flyte-runs-", dir=memory)
    atexit.register(shutil.rmtree, folder, True)
    return folder


_run_numbers = itertools.count()


def run(task: TaskTemplate | WorkflowTemplate, /, **inputs: Any) -> Any:
    """Run a task or a workflow locally on ``inputs`` and return its outputs (see :func:`run_async`).

    Called from inside a running event loop, it runs on a thread of its own. Ctrl-C
    cancels the run, which lets it clean up (a connector task deletes its job), then raises
    KeyboardInterrupt.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_to_end(_thread_loop(), run_async(task, **inputs))
    loop = asyncio.new_event_loop()
    outcome: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def target() -> None:
        try:
            outcome.set_result(_run_to_end(loop, run_async(task, **inputs)))
        except BaseException as exc:
            outcome.set_exception(exc)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    worker = threading.Thread(target=target, name=f"flyte-run-{task.name}")
    # Waited for on a future, not with Thread.join: a join that Ctrl-C interrupts takes the
    # thread for ended (before Python 3.13), and the process would not wait for the cleanup.
    try:
        # Started inside the try: Ctrl-C may land while start() still waits for the thread,
        # when the run is already under way.
        worker.start()
        return outcome.result()
    except BaseException:
        if outcome.done():
            raise
        # Ctrl-C reaches the caller's thread only; the run would go on without anyone waiting.
        with contextlib.suppress(RuntimeError):  # the loop is closed: the run has ended
            loop.call_soon_threadsafe(_cancel_tasks, loop)
        if worker.ident is not None:  # the thread runs: wait for the run to clean up and end
            concurrent.futures.wait([outcome])
        raise


def _run_to_end(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` on ``loop``; when an interrupt stops the loop, cancel the run and let it end."""
    main = loop.create_task(coro)
    try:
        return loop.run_until_complete(main)
    except BaseException:
        # Ctrl-C raised while the loop waits never reaches the run: cancelled, it cleans up (a
        # connector deletes its job) before the interrupt goes on, as asyncio.run has it do.
        if not main.done():
            main.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(main)
        raise


def _cancel_tasks(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()


_loops = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop for synchronous runs, made once: a loop per call costs more
    than the run itself."""
    loop: asyncio.AbstractEventLoop | None = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop
