"""The ``flyte`` command: a subcommand per module, each adding its own parser."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from flyte.cli import _plugins, _run, _serialize, _serve

__all__ = ["main"]

_SUBCOMMANDS = (_plugins, _run, _serialize, _serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flyte`` command with ``argv`` (default: the process's arguments); return its exit code."""
    parser = argparse.ArgumentParser(prog="flyte", description="The Flyte SDK command line.")
    _add_quiet(parser, default=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _SUBCOMMANDS:
        module.add_parser(commands)
    for subparser in commands.choices.values():
        _add_quiet(subparser, default=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quiet:
        from flyte._progress import QUIET_ENV

        os.environ[QUIET_ENV] = "1"
    code: int = args.run(args)
    return code


def _add_quiet(parser: argparse.ArgumentParser, default: object) -> None:
    # Accepted before and after the subcommand; a subcommand's default must not undo the former.
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="draw no progress line"
    )


if __name__ == "__main__":
    sys.exit(main())
