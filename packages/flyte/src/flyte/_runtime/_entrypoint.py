"""The container entry point, ``flyte-execute``: inputs.pb in, outputs.pb or error.pb out.

    flyte-execute --inputs {{.input}} --output-prefix {{.outputPrefix}}
                  --raw-output-data-prefix {{.rawOutputDataPrefix}} --module app.tasks --task clean
                  [--code-bundle s3://bucket/fast123.tar.gz --dest /root]

Whatever fails (loading the code bundle or the task, reading or converting the inputs, the task
itself, writing the outputs) is written to ``<output prefix>/error.pb`` and the process exits 0,
as flyte-sdk's does: the backend reads the document, not the exit code. Only when even the
error document cannot be written does the process print the error it holds, and why it could not
be written, to stderr (the pod's log) and exit 1.

SIGTERM (a preempted or deleted pod) unwinds the run like Ctrl-C would, so that what it started
is cleaned up (a connector task deletes its job), and leaves a ``SYSTEM:Terminated`` document
marked recoverable: the backend retries the task as a system failure, not the user's.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib
import signal
import sys
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flyteidl.core import literals_pb2
from google.protobuf import message, unknown_fields

from flyte._runtime import _storage
from flyte._runtime._documents import Failure, error_document
from flyte._serialize._bundle import extract_code_bundle
from flyte._tasks._template import TaskTemplate
from flyte.errors import TaskInputError

__all__ = ["ERROR_FILE", "OUTPUTS_FILE", "check_input_names", "execute_task", "main", "parser"]

OUTPUTS_FILE = "outputs.pb"
ERROR_FILE = "error.pb"


@functools.cache
def parser() -> argparse.ArgumentParser:
    """The entry point's command line, shared by the console script and local runs."""
    p = argparse.ArgumentParser(
        prog="flyte-execute", description="Run a flyte task in its container."
    )
    p.add_argument("--inputs", required=True, help="path or URI of the inputs LiteralMap")
    p.add_argument("--output-prefix", required=True, help="folder or URI prefix for the outputs")
    p.add_argument("--raw-output-data-prefix", default="", help="prefix for offloaded data")
    p.add_argument("--module", required=True, help="the module that defines the task")
    p.add_argument("--task", required=True, help="the module attribute that holds the task")
    p.add_argument("--code-bundle", default="", help="path or URI of the code bundle .tar.gz")
    p.add_argument("--dest", default=".", help="the folder to unpack the code bundle into")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the task that the arguments name; return the exit code (0 once a document is written)."""
    args = parser().parse_args(argv)
    with _sigterm_policy() as run_over:
        try:
            failure = asyncio.run(_run(args, None))
        except Terminated as exc:
            failure = Failure(exc, "Terminated", user=False, recoverable=True)
        except BaseException as exc:  # what escaped every stage: the runtime's own failure
            failure = Failure(exc, type(exc).__name__, user=False)
        run_over()
        if failure is None:
            return 0
        try:
            _write_error(args.output_prefix, failure)
        except Exception as exc:
            print(
                f"flyte-execute: could not write the error document to "
                f"{_storage.join(args.output_prefix, ERROR_FILE)}: {type(exc).__name__}: {exc}\n"
                f"The error it holds ({failure.code}):\n{failure.message}",
                file=sys.stderr,
            )
            return 1
        return 0


class Terminated(BaseException):
    """SIGTERM arrived while the task ran; a BaseException, so that no ``except Exception``
    of the task's keeps it from ending the run."""


@contextmanager
def _sigterm_policy() -> Iterator[Callable[[], None]]:
    """flyte-execute's SIGTERM, in the main thread, until the block ends.

    Until the block calls what it is given (the run is over), the first SIGTERM raises
    :class:`Terminated` wherever the main thread is: in a sync task's body, or in the event
    loop's wait, whence ``asyncio.run`` cancels the run's tasks. From that signal on, or once the
    run is over, SIGTERM is ignored: it must not break off the cleanup or the document.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None  # only the main thread may set signal handlers
        return

    def ignore() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def terminate(signum: int, frame: object) -> None:
        ignore()
        raise Terminated(
            "flyte-execute received SIGTERM while the task ran: the pod is being stopped "
            "(preempted, deleted, or past its deadline)"
        )

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield ignore
    finally:
        signal.signal(signal.SIGTERM, previous)


async def execute_task(task: TaskTemplate | None, args: argparse.Namespace) -> Failure | None:
    """Run the task for parsed entry point ``args`` and write its outputs or its error document.

    ``task`` is given by an in-process local run; None loads it from ``args.module`` and
    ``args.task``. Returns the failure written to ``error.pb``, or None on success.
    """
    failure = await _run(args, task)
    if failure is not None:
        _write_error(args.output_prefix, failure)
    return failure


#: What the task's module and body may raise that is theirs to answer for: ``sys.exit()`` and a
#: KeyboardInterrupt they raise, too; cancellation and the runtime's own signals are not.
_RAISED_BY_USER_CODE = (Exception, SystemExit, KeyboardInterrupt)


async def _run(args: argparse.Namespace, task: TaskTemplate | None) -> Failure | None:
    if task is None:
        try:
            task = _load_task(args)
        except _RAISED_BY_USER_CODE as exc:
            return Failure(exc, "TaskLoadError", user=True)
    try:
        literal_map = _read_inputs(args.inputs)
    except _storage.StorageError as exc:
        # A file that is not there will not appear on a retry; a failed read of a store may.
        transient = not isinstance(exc.__cause__, FileNotFoundError)
        return Failure(exc, "InputsReadError", user=False, recoverable=transient)
    except Exception as exc:
        return Failure(exc, "InputsParseError", user=False)
    from flyte.types import TypeEngine

    interface = task.interface
    try:
        check_input_names(task, literal_map.literals)
    except TaskInputError as exc:
        # flytekit refuses an undeclared input too: run with a default instead, and a typo in
        # an input's name would go unnoticed.
        return Failure(exc, "InputsMismatch", user=True)
    names = [n for n in interface.inputs if n in literal_map.literals]
    try:
        inputs = await TypeEngine.literal_map_to_python(
            literal_map, {n: interface.inputs[n] for n in names}
        )
    except Exception as exc:
        return Failure(exc, "InputConversionError", user=True)
    values = {**{n: interface.defaults[n] for n in interface.inputs if n not in names}, **inputs}
    try:
        result = await task.post(await task.execute(**await task.pre(**values)))
    except _RAISED_BY_USER_CODE as exc:
        return Failure(exc, type(exc).__name__, user=True, raised_by_task=True)
    try:
        outputs = interface.outputs_to_dict(result)
        output_map = await TypeEngine.to_literal_map(outputs, interface.outputs)
    except Exception as exc:
        return Failure(exc, "OutputConversionError", user=True)
    try:
        _storage.write_bytes(
            _storage.join(args.output_prefix, OUTPUTS_FILE),
            output_map.SerializeToString(deterministic=True),
        )
    except _storage.StorageError as exc:
        return Failure(exc, "OutputsWriteError", user=False, recoverable=True)
    return None


def check_input_names(task: TaskTemplate, names: Collection[str]) -> None:
    """Raise :class:`TaskInputError` unless ``names`` are inputs of ``task`` and hold every
    input it has no default for."""
    interface = task.interface
    unknown = [n for n in names if n not in interface.inputs]
    if unknown:
        raise TaskInputError(
            f"task '{task.name}' has no input {', '.join(map(repr, unknown))}; its inputs are "
            f"{', '.join(interface.inputs) or 'none'}"
        )
    missing = [n for n in interface.inputs if n not in names and n not in interface.defaults]
    if missing:
        from flyte.types._errors import describe_type

        raise TaskInputError(
            f"task '{task.name}' is missing the input {', '.join(map(repr, missing))} "
            f"({', '.join(describe_type(interface.inputs[n]) for n in missing)})"
        )


def _load_task(args: argparse.Namespace) -> TaskTemplate:
    if args.code_bundle:
        _unpack(args.code_bundle, args.dest)
    if args.dest not in sys.path:
        sys.path.insert(0, args.dest)
    module = importlib.import_module(args.module)
    task: Any = getattr(module, args.task, None)
    if not isinstance(task, TaskTemplate):
        raise LookupError(
            f"{args.module}.{args.task} is {'missing' if task is None else repr(task)}, not a task"
        )
    return task


def _unpack(location: str, dest: str) -> None:
    extract_code_bundle(_storage.read_bytes(location), dest)


def _read_inputs(uri: str) -> literals_pb2.LiteralMap:
    data = _storage.read_bytes(uri)
    literal_map = literals_pb2.LiteralMap()
    try:
        literal_map.ParseFromString(data)
    except message.DecodeError as exc:
        raise ValueError(f"{uri} is not a LiteralMap: {exc}") from exc
    # Arbitrary bytes can parse as a message made of unknown fields only.
    if len(unknown_fields.UnknownFieldSet(literal_map)):
        raise ValueError(f"{uri} is not a LiteralMap: it holds fields a LiteralMap does not have")
    return literal_map


def _write_error(output_prefix: str, failure: Failure) -> None:
    document = error_document(failure)
    _storage.write_bytes(
        _storage.join(output_prefix, ERROR_FILE), document.SerializeToString(deterministic=True)
    )


if __name__ == "__main__":
    sys.exit(main())
