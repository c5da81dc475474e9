"""``flyte plugins``: every discovered plugin and its status; ``flyte plugins new`` writes one."""

from __future__ import annotations

import argparse
import json
from typing import Any

from flyte.cli import _scaffold
from flyte.cli._table import format_table

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    """Add ``plugins`` to the ``flyte`` command."""
    parser = commands.add_parser(
        "plugins",
        help="list every discovered plugin and its status",
        description="Load every plugin of the flyte.transformers, flyte.tasks and "
        "flyte.connectors entry-point groups and show what became of each.",
    )
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 if any plugin failed or is incompatible"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show the traceback of each failure"
    )
    parser.set_defaults(run=_run)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    _scaffold.add_parser(actions)


def _run(args: argparse.Namespace) -> int:
    from flyte.plugins import PluginStatus, list_plugins

    plugins = list_plugins()
    if args.json:
        print(json.dumps([p.as_dict() for p in plugins], indent=2))
    elif not plugins:
        print("no plugins found in the flyte.transformers, flyte.tasks or flyte.connectors groups")
    else:
        rows = [
            [
                p.group,
                p.name,
                p.distribution,
                p.version,
                p.status.value,
                p.error.splitlines()[0] if p.error else "",
            ]
            for p in plugins
        ]
        print(format_table(["GROUP", "NAME", "DISTRIBUTION", "VERSION", "STATUS", "ERROR"], rows))
        if args.verbose:
            for p in plugins:
                if p.traceback:
                    print(f"\n{p.label}:\n{p.traceback.rstrip()}")
    broken = [p for p in plugins if p.status in (PluginStatus.FAILED, PluginStatus.INCOMPATIBLE)]
    return 1 if args.strict and broken else 0
