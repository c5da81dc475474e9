"""The ``flyte`` command: a subcommand per module, each adding its own parser."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from flyte.cli import _cache, _plugins, _run, _serialize, _serve
from flyte.errors import PluginLoadError

__all__ = ["main"]

_SUBCOMMANDS = (_cache, _plugins, _run, _serialize, _serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flyte`` command with ``argv`` (default: the process's arguments); return its exit code."""
    parser = _Parser(prog="flyte", description="The Flyte SDK command line.", quiet_default=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _SUBCOMMANDS:
        module.add_parser(commands)
    args = parser.parse_args(argv)
    if args.quiet:
        from flyte._progress import QUIET_ENV

        os.environ[QUIET_ENV] = "1"
    try:
        code: int = args.run(args)
    except PluginLoadError as exc:
        # Strict mode (FLYTE_PLUGINS_STRICT=1) stops at the first broken plugin; its message
        # names the plugin and the cause, so a traceback of discovery would only bury it.
        print(f"flyte {args.command}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`flyte plugins | head -1`): stop writing, without a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


class _Parser(argparse.ArgumentParser):
    """A parser whose command and every subcommand, however nested, take ``-q/--quiet``.

    Subparsers are made of the parent's class, so each level adds the option; below the top
    its default is left unset, so that ``flyte -q serve connector`` stays quiet.
    """

    def __init__(self, *args: Any, quiet_default: object = argparse.SUPPRESS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            default=quiet_default,
            help="draw no progress line",
        )


if __name__ == "__main__":
    sys.exit(main())
