"""The ``flyte`` command: a subcommand per module, each adding its own parser."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from flyte.cli import _plugins, _run, _serialize, _serve

__all__ = ["main"]

_SUBCOMMANDS = (_plugins, _run, _serialize, _serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flyte`` command with ``argv`` (default: the process's arguments); return its exit code."""
    parser = argparse.ArgumentParser(prog="flyte", description="The Flyte SDK command line.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _SUBCOMMANDS:
        module.add_parser(commands)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
