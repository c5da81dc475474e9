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

import asyncio
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from flyteidl.core import literals_pb2
from google.protobuf import message, unknown_fields

from flyte import _storage
from flyte._context import container_context
from flyte._runtime._command import EntrypointCommand
from flyte._runtime._documents import Failure, error_document
from flyte._runtime._pipeline import RAISED_BY_USER_CODE, execute
from flyte._runtime._sigterm import SigtermPolicy
from flyte._serialize._bundle import extract_code_bundle
from flyte._serialize._task import serialize_task
from flyte._tasks._template import TaskTemplate
from flyte._workflows._map import item_inputs
from flyte.models import SerializationContext

__all__ = ["ERROR_FILE", "OUTPUTS_FILE", "main", "map_item", "read_literal_map", "write_error"]

OUTPUTS_FILE = "outputs.pb"
ERROR_FILE = "error.pb"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the task that the arguments name; return the exit code (0 once a document is written)."""
    command = EntrypointCommand.parse(argv)
    with SigtermPolicy() as sigterm:
        try:
            failure = asyncio.run(sigterm.guard(_run(command)))
        except BaseException as exc:  # what escaped every stage: a SIGTERM, or the runtime's own
            terminated = sigterm.failure(exc)
            failure = (
                Failure(terminated, "Terminated", user=False, recoverable=True)
                if terminated is not None
                else Failure(exc, type(exc).__name__, user=False)
            )
        sigterm.run_over()
        if failure is None:
            return 0
        try:
            write_error(command.output_prefix, failure)
        except Exception as exc:
            print(
                f"flyte-execute: could not write the error document to "
                f"{_storage.join(command.output_prefix, ERROR_FILE)}: {type(exc).__name__}: {exc}\n"
                f"The error it holds ({failure.code}):\n{failure.message}",
                file=sys.stderr,
            )
            return 1
        return 0


async def _run(command: EntrypointCommand) -> Failure | None:
    """Load the task, read its inputs, execute it and write its outputs; the failure, if any."""
    try:
        task = _load_task(command)
    except RAISED_BY_USER_CODE as exc:
        return Failure(exc, "TaskLoadError", user=True)
    try:
        inputs = read_literal_map(command.inputs)
    except _storage.StorageError as exc:
        # A file that is not there will not appear on a retry; a failed read of a store may.
        transient = not isinstance(exc.__cause__, FileNotFoundError)
        return Failure(exc, "InputsReadError", user=False, recoverable=transient)
    except Exception as exc:
        return Failure(exc, "InputsParseError", user=False)
    if command.map:
        try:
            inputs = map_item(inputs, command.bound_inputs)
        except ValueError as exc:
            return Failure(exc, "MapItemError", user=False)
    sctx = SerializationContext(
        input_path=command.inputs,
        output_path=command.output_prefix,
        raw_output_path=command.raw_output_data_prefix,
        root_dir=command.dest,
    )
    ctx = container_context(task.name, command.raw_output_data_prefix, command.output_prefix)
    outcome = await execute(task, serialize_task(task, sctx), inputs, ctx)
    if isinstance(outcome, Failure):
        return outcome
    try:
        _storage.write_bytes(
            _storage.join(command.output_prefix, OUTPUTS_FILE),
            outcome.SerializeToString(deterministic=True),
        )
    except _storage.StorageError as exc:
        return Failure(exc, "OutputsWriteError", user=False, recoverable=True)
    return None


def _load_task(command: EntrypointCommand) -> TaskTemplate:
    if command.code_bundle:
        extract_code_bundle(_storage.read_bytes(command.code_bundle), command.dest)
    if command.dest not in sys.path:
        sys.path.insert(0, command.dest)
    module = importlib.import_module(command.module)
    task: Any = getattr(module, command.task, None)
    if not isinstance(task, TaskTemplate):
        found = "missing" if task is None else repr(task)
        raise LookupError(f"{command.module}.{command.task} is {found}, not a task")
    return task


def map_item(
    inputs: literals_pb2.LiteralMap, bound_inputs: tuple[str, ...]
) -> literals_pb2.LiteralMap:
    """The inputs of this pod's item of a map: the item's element of each mapped list.

    The item's index is what the backend gives an array job's pod, as flytekit reads it: the
    variable ``BATCH_JOB_ARRAY_INDEX_VAR_NAME`` names the variable holding it, and
    ``BATCH_JOB_ARRAY_INDEX_OFFSET`` is added. Raises ``ValueError`` for an index past a list.
    """
    offset = int(os.environ.get("BATCH_JOB_ARRAY_INDEX_OFFSET", "0"))
    index = offset + int(os.environ.get(os.environ.get("BATCH_JOB_ARRAY_INDEX_VAR_NAME", ""), "0"))
    return item_inputs(inputs, bound_inputs, index)


def read_literal_map(uri: str) -> literals_pb2.LiteralMap:
    """The ``LiteralMap`` at the path or URI ``uri``; ``ValueError`` when it is not one."""
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


def write_error(output_prefix: str, failure: Failure) -> None:
    """Write ``failure``'s error document under ``output_prefix``."""
    document = error_document(failure)
    _storage.write_bytes(
        _storage.join(output_prefix, ERROR_FILE), document.SerializeToString(deterministic=True)
    )


if __name__ == "__main__":
    sys.exit(main())
