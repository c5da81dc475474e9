"""``flyte serialize FILE_OR_MODULE -o OUT``: the specs of tasks, workflows and launch plans, and the
code bundle, for flytectl."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    """Add ``serialize`` to the ``flyte`` command."""
    parser = commands.add_parser(
        "serialize",
        help="write the tasks', workflows' and launch plans' .pb files and the code bundle",
        description="Serialize every task and workflow of FILE_OR_MODULE (each workflow with its "
        "default launch plan) as admin spec files plus the code bundle, as `pyflyte package` "
        "lays them out; register them with `flytectl register files OUT/*`.",
    )
    parser.add_argument("target", metavar="FILE_OR_MODULE")
    parser.add_argument("--project", default="", help="the tasks' project")
    parser.add_argument("--domain", default="", help="the tasks' domain")
    parser.add_argument("--version", default="", help="default: the code bundle's hash")
    parser.add_argument(
        "-o", "--output", required=True, help="the folder to write into, or a .tgz archive"
    )
    parser.add_argument("--root-dir", default=None, help="the source tree to bundle")
    parser.add_argument("--image", default=None, help="the image of tasks that name none")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from flyte._serialize._package import serialize
    from flyte.errors import FlyteError

    out = Path(args.output)
    if not args.output.endswith((".tgz", ".tar.gz")):
        out.mkdir(parents=True, exist_ok=True)
    try:
        specs = serialize(
            args.target,
            project=args.project,
            domain=args.domain,
            version=args.version,
            output_dir=out,
            root_dir=args.root_dir,
            image=args.image,
        )
    except FlyteError as exc:
        print(f"flyte serialize: {exc}", file=sys.stderr)
        return 1
    if not specs:
        print(f"flyte serialize: {args.target} defines no tasks or workflows", file=sys.stderr)
        return 1
    counts = {"task": 0, "workflow": 0, "launch plan": 0}
    for spec in specs:
        kind, identifier, what = _described(spec)
        counts[kind] += 1
        print(f"{identifier.name}  {what}  version {identifier.version}")
    made = ", ".join(f"{n} {kind}(s)" for kind, n in counts.items() if n)
    print(f"wrote {made} and the code bundle to {out}")
    return 0


def _described(spec: Any) -> tuple[str, Any, str]:
    """The kind of a serialized spec, its identifier, and what to show of it."""
    from flyteidl.admin import launch_plan_pb2, workflow_pb2

    if isinstance(spec, launch_plan_pb2.LaunchPlan):
        return "launch plan", spec.id, "launch plan"
    if isinstance(spec, workflow_pb2.WorkflowSpec):
        return "workflow", spec.template.id, f"workflow of {len(spec.template.nodes)} nodes"
    return "task", spec.template.id, spec.template.type
