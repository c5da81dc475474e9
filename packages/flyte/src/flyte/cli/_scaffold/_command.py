"""The ``new`` action of ``flyte plugins``: its arguments, and what it tells the author."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from flyte.cli._scaffold._names import NAME_RULE, ScaffoldError, plugin_names
from flyte.cli._scaffold._templates import KINDS, write_plugin

__all__ = ["add_parser"]


def add_parser(actions: Any) -> None:
    """Add ``new`` to the actions of ``flyte plugins``."""
    parser = actions.add_parser(
        "new",
        help="write a new plugin distribution from the project's plugin skeleton",
        description="Write DIR/NAME: a plugin distribution of the given kind, with its "
        "pyproject.toml and entry point, its package, a README with a usage example, and "
        "tests that use flyte.testing. It builds, installs and passes its tests as written.",
    )
    parser.add_argument("name", metavar="NAME", help=f"the plugin's name: {NAME_RULE}")
    parser.add_argument(
        "--kind",
        required=True,
        choices=list(KINDS),
        help="a type transformer, a task plugin, or a connector and its task",
    )
    parser.add_argument(
        "--dir", default=".", help="the folder to write the plugin's folder in (default: .)"
    )
    parser.add_argument(
        "--package", default=None, help="the import package (default: flyteplugins.<name>)"
    )
    parser.add_argument(
        "--distribution",
        default=None,
        help="the distribution's name (default: flyteplugins-<name>)",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        names = plugin_names(args.name, package=args.package, distribution=args.distribution)
        written = write_plugin(names, KINDS[args.kind], Path(args.dir))
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folder = _shown(Path(args.dir) / names.name)
    print(f"wrote {names.distribution}, a {args.kind} plugin, in {folder}:")
    for path in written:
        print(f"  {_shown(path)}")
    print("\nnext:")
    print(f"  cd {folder}")
    print("  pip install -e '.[test]'    # the plugin, editable, and pytest")
    print("  pytest                      # its tests")
    print(f"  flyte plugins               # {names.distribution} is listed as loaded")
    return 0


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is under it, else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)
