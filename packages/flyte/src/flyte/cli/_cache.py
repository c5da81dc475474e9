"""``flyte cache clear``: empty the local cache of cached tasks' outputs."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    """Add ``cache`` to the ``flyte`` command."""
    parser = commands.add_parser(
        "cache",
        help="the local cache of cached tasks' outputs",
        description="Local runs keep the outputs of tasks declared with cache in a SQLite file "
        "of the user's cache folder, and reuse them for the same inputs.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    clear = actions.add_parser("clear", help="remove every entry of the local cache")
    clear.set_defaults(run=_clear)


def _clear(args: argparse.Namespace) -> int:
    from flyte._runtime._cache import LocalCache, cache_path

    cache = LocalCache(cache_path())
    removed = cache.clear()
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {cache.path}")
    return 0
