"""Local runs: the backend's path (serialize, write inputs, the entry point, read outputs), in process."""

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

from flyteidl.core import errors_pb2, execution_pb2, literals_pb2

from flyte._runtime import _entrypoint, _storage
from flyte._runtime._documents import Failure
from flyte._serialize._task import serialize_task
from flyte._tasks._template import TaskTemplate
from flyte.errors import TaskInputError, TaskRunError, TypeTransformerFailedError
from flyte.models import SerializationContext

__all__ = ["bind_inputs", "run", "run_async", "run_isolated"]


def bind_inputs(task: TaskTemplate, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``inputs`` checked against the task's interface; raises :class:`TaskInputError`."""
    if not isinstance(task, TaskTemplate):
        raise TaskInputError(f"flyte.run takes a task (see TaskEnvironment.task), got {task!r}")
    _entrypoint.check_input_names(task, inputs)
    interface = task.interface
    return {n: inputs[n] if n in inputs else interface.defaults[n] for n in interface.inputs}


async def run_async(task: TaskTemplate, /, **inputs: Any) -> Any:
    """Run ``task`` locally on ``inputs``; return None, its single output or a tuple of outputs.

    Raises :class:`TaskInputError` for a missing, unknown or wrongly typed input, the task's own
    exception when its body raised, and :class:`TaskRunError` for any other failure the entry
    point reported in its error document.
    """
    return await _run(task, inputs, isolated_root=None)


async def run_isolated(task: TaskTemplate, root_dir: str, /, **inputs: Any) -> Any:
    """Run ``task`` as :func:`run_async` does, but the entry point in a child process.

    The child imports the task from ``root_dir`` by its module and name, as a container does
    from its code bundle; any failure is a :class:`TaskRunError` made from the error document.
    """
    return await _run(task, inputs, isolated_root=root_dir)


async def _run(task: TaskTemplate, inputs: Mapping[str, Any], isolated_root: str | None) -> Any:
    from flyte.types import TypeEngine

    values = bind_inputs(task, inputs)
    try:
        literal_map = await TypeEngine.to_literal_map(values, task.interface.inputs)
    except TypeTransformerFailedError as exc:
        raise TaskInputError(f"task '{task.name}': {exc}") from exc
    workdir = os.path.join(_runs_folder(), str(next(_run_numbers)))
    os.mkdir(workdir)
    try:
        inputs_path = os.path.join(workdir, "inputs.pb")
        output_prefix = os.path.join(workdir, "outputs")
        sctx = SerializationContext(
            input_path=inputs_path,
            output_path=output_prefix,
            raw_output_path=os.path.join(workdir, "raw"),
            root_dir=isolated_root or ".",
        )
        template = serialize_task(task, sctx)
        _storage.write_bytes(inputs_path, literal_map.SerializeToString(deterministic=True))
        command = list(template.container.args)[1:]
        if isolated_root is None:
            # The container's own command line, parsed by the entry point's own parser.
            args = _entrypoint.parser().parse_args(command)
            failure = await _entrypoint.execute_task(task, args)
            if failure is not None:
                _raise(task, output_prefix, failure)
        else:
            await _execute_in_child(task, [*command, "--dest", isolated_root], output_prefix)
        outputs = literals_pb2.LiteralMap()
        outputs.ParseFromString(
            _storage.read_bytes(_storage.join(output_prefix, _entrypoint.OUTPUTS_FILE))
        )
        values = await TypeEngine.literal_map_to_python(outputs, task.interface.outputs)
        return task.interface.outputs_from_dict(values)
    finally:
        _remove(workdir)


async def _execute_in_child(task: TaskTemplate, command: list[str], output_prefix: str) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "flyte._runtime._entrypoint", *command, stderr=subprocess.PIPE
    )
    _, stderr = await child.communicate()
    if os.path.exists(os.path.join(output_prefix, _entrypoint.ERROR_FILE)):
        _raise(task, output_prefix, None)
    if child.returncode != 0:
        raise TaskRunError(
            f"task '{task.name}': the entry point exited with {child.returncode} and no error "
            f"document:\n{stderr.decode(errors='replace')}",
            code="SYSTEM:EntryPointCrashed",
            kind="SYSTEM",
        )


@functools.cache
def _runs_folder() -> str:
    """One temporary folder per process for the runs' files, removed when the process ends.

    It is made in memory (``/dev/shm``) where the system has it: a run's few small files
    then cost microseconds instead of a disk's metadata updates.
    """
    shm = "/dev/shm"
    memory = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    folder = tempfile.mkdtemp(prefix="flyte-runs-", dir=memory)
    atexit.register(shutil.rmtree, folder, True)
    return folder


_run_numbers = itertools.count()


def _remove(workdir: str) -> None:
    # The files a run leaves are known; removing them one by one is cheaper than a tree walk.
    try:
        for name in ("inputs.pb", os.path.join("outputs", _entrypoint.OUTPUTS_FILE)):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(workdir, name))
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(os.path.join(workdir, "outputs"))
        os.rmdir(workdir)
    except OSError:
        shutil.rmtree(workdir, ignore_errors=True)


def _raise(task: TaskTemplate, output_prefix: str, failure: Failure | None) -> None:
    """Raise the task's own exception, or a TaskRunError made from the error document."""
    if failure is not None and failure.raised_by_task:
        raise failure.exception
    document = errors_pb2.ErrorDocument()
    document.ParseFromString(
        _storage.read_bytes(_storage.join(output_prefix, _entrypoint.ERROR_FILE))
    )
    error = document.error
    raise TaskRunError(
        f"task '{task.name}' failed ({error.code}): {error.message.split(chr(10), 1)[0]}",
        code=error.code,
        kind=execution_pb2.ExecutionError.ErrorKind.Name(error.origin),
        recoverable=error.kind == errors_pb2.ContainerError.RECOVERABLE,
    ) from (failure.exception if failure is not None else None)


def run(task: TaskTemplate, /, **inputs: Any) -> Any:
    """Run ``task`` locally on ``inputs`` and return its outputs (see :func:`run_async`).

    Called from inside a running event loop, it runs the task on a thread of its own. Ctrl-C
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

    threading.Thread(target=target, name=f"flyte-run-{task.name}").start()
    # Waited for on a future, not with Thread.join: a join that Ctrl-C interrupts takes the
    # thread for ended (before Python 3.13), and the process would not wait for the cleanup.
    try:
        return outcome.result()
    except BaseException:
        if outcome.done():
            raise
        # Ctrl-C reaches the caller's thread only; the run would go on without anyone waiting.
        with contextlib.suppress(RuntimeError):  # the loop is closed: the run has ended
            loop.call_soon_threadsafe(_cancel_tasks, loop)
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
