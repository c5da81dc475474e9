"""``flyte run --local FILE TASK_OR_WORKFLOW --INPUT VALUE ...``: run one locally, print its outputs."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    """Add ``run`` to the ``flyte`` command."""
    parser = commands.add_parser(
        "run",
        help="run a task or a workflow locally",
        description="Run a task or a workflow of FILE locally, through the same path a backend "
        "takes; a workflow's nodes run side by side as their inputs are ready. Inputs "
        "are given as --NAME VALUE and parsed by the type engine: numbers, true/false, strings, "
        "JSON for lists, dicts and dataclasses, ISO dates, durations (90, 1h30m, PT1H30M, "
        "1:30:00; a negative one as --NAME=-5s), enum names.",
    )
    parser.add_argument("--local", action="store_true", help="run in this process (required)")
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="run a task's entry point in a child process that imports FILE, as a container would",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="run cached tasks anew, without reading or writing the local cache",
    )
    parser.add_argument(
        "file", metavar="FILE", help="a Python file or module that defines tasks or workflows"
    )
    parser.add_argument(
        "task", metavar="TASK_OR_WORKFLOW", help="its variable name, or the task's name"
    )
    parser.add_argument("inputs", nargs=argparse.REMAINDER, help="--NAME VALUE for each input")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    # What a run needs is imported once it is chosen: `flyte --help` stays quick.
    import asyncio
    import traceback

    from flyte.errors import FlyteError

    if not args.local:
        print("flyte run: only local runs are supported; pass --local", file=sys.stderr)
        return 2
    try:
        outputs, names = asyncio.run(_execute(args))
    except FlyteError as exc:
        print(f"flyte run: {exc}", file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        print(f"flyte run: task {args.task!r} failed", file=sys.stderr)
        return 1
    for name in names:
        print(f"{name}: {_readable(outputs[name])}")
    return 0


async def _execute(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    from flyte._context import local_context
    from flyte._runtime._cache import LocalCache
    from flyte._runtime._inputs import parse_input
    from flyte._runtime._local import run_local
    from flyte._serialize._loader import find_entities, load_module, root_of
    from flyte._workflows._workflow import WorkflowTemplate
    from flyte.errors import TaskInputError

    found = find_entities(load_module(args.file))
    entity = found.get(args.task) or next((t for t in found.values() if t.name == args.task), None)
    if entity is None:
        raise TaskInputError(
            f"{args.file} defines no task or workflow {args.task!r}; it defines "
            f"{', '.join(found) or 'none'}"
        )
    interface = entity.interface
    raw = _raw_inputs(args.inputs, list(interface.inputs), entity.name)
    inputs = {n: await parse_input(n, text, interface.inputs[n]) for n, text in raw.items()}
    if args.isolated and isinstance(entity, WorkflowTemplate):
        raise TaskInputError(
            f"--isolated runs one task's entry point as a container would; "
            f"{entity.name} is a workflow, whose nodes run in this process: leave it out"
        )
    context = local_context(entity.name)
    print(f"raw data: {context.raw_data_prefix}", file=sys.stderr, flush=True)
    root = str(root_of(args.file)) if args.isolated else None
    cache = None if args.no_cache else LocalCache.default()
    result = await run_local(entity, inputs, context, root_dir=root, cache=cache)
    return interface.outputs_to_dict(result), list(interface.outputs)


def _raw_inputs(argv: list[str], names: list[str], task_name: str) -> dict[str, str]:
    from flyte.errors import TaskInputError

    parser = argparse.ArgumentParser(prog=f"flyte run {task_name}", add_help=False)
    for name in names:
        parser.add_argument(f"--{name}", f"--{name.replace('_', '-')}", dest=name)
    known, unknown = parser.parse_known_args(argv)
    if unknown:
        raise TaskInputError(
            f"task '{task_name}' has no input {' '.join(unknown)}; its inputs are "
            f"{', '.join('--' + n for n in names) or 'none'}"
        )
    return {n: v for n, v in vars(known).items() if v is not None}


def _readable(value: Any) -> str:
    import json

    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=_json_default)
    except (TypeError, ValueError):
        return repr(value)


def _json_default(value: Any) -> Any:
    import dataclasses
    import datetime
    import enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(type(value).__name__)
