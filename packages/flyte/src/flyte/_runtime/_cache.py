"""The local cache: a task declared with ``cache`` reuses its earlier outputs in local runs.

An entry is keyed as a backend's data catalog keys one: the task's name and cache version, its
interface, and its input literals (those named in the cache's ``ignored_inputs`` left out), so an
entry is never used across a change of the interface or the version. Entries are rows of a
SQLite file in the user's cache folder (``$XDG_CACHE_HOME/flyte/local-cache.sqlite3``, by default
``~/.cache/flyte/``; ``FLYTE_LOCAL_CACHE_DIR`` moves it). ``FLYTE_LOCAL_CACHE=0`` and
``flyte run --local --no-cache`` switch it off; ``flyte cache clear`` empties it. Only local runs
use it: in a container, the backend's catalog caches.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flyteidl.core import literals_pb2, tasks_pb2

__all__ = ["LocalCache", "cache_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    task TEXT NOT NULL,
    version TEXT NOT NULL,
    outputs BLOB NOT NULL,
    created REAL NOT NULL
)
"""


def cache_path() -> Path:
    """The local cache's file: ``FLYTE_LOCAL_CACHE_DIR``, else the user's cache folder."""
    configured = os.environ.get("FLYTE_LOCAL_CACHE_DIR")
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        folder = Path(base) / "flyte"
    return folder / "local-cache.sqlite3"


class LocalCache:
    """The outputs of cached tasks' earlier local runs, in the SQLite file ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def default(cls) -> LocalCache | None:
        """The user's cache, or None when ``FLYTE_LOCAL_CACHE=0`` switches it off."""
        switch = os.environ.get("FLYTE_LOCAL_CACHE", "1").strip().lower()
        if switch in ("0", "false", "no", "off"):
            return None
        return cls(cache_path())

    def get(
        self, template: tasks_pb2.TaskTemplate, inputs: literals_pb2.LiteralMap
    ) -> literals_pb2.LiteralMap | None:
        """The outputs of an earlier run of the task on the same inputs, if it is cached."""
        key = _key(template, inputs)
        if key is None or not self.path.exists():
            return None
        with self._connect() as db:
            row = db.execute("SELECT outputs FROM entries WHERE key = ?", (key,)).fetchone()
        return None if row is None else literals_pb2.LiteralMap.FromString(row[0])

    def put(
        self,
        template: tasks_pb2.TaskTemplate,
        inputs: literals_pb2.LiteralMap,
        outputs: literals_pb2.LiteralMap,
    ) -> None:
        """Keep ``outputs`` as those of the task on ``inputs`` (when the task is cached)."""
        key = _key(template, inputs)
        if key is None:
            return
        data = outputs.SerializeToString(deterministic=True)
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO entries (key, task, version, outputs, created)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, template.id.name, template.metadata.discovery_version, data, time.time()),
            )

    def clear(self) -> int:
        """Remove every entry; return how many there were."""
        if not self.path.exists():
            return 0
        with self._connect() as db:
            (count,) = db.execute("SELECT COUNT(*) FROM entries").fetchone()
            db.execute("DELETE FROM entries")
        return int(count)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One short-lived connection per call: safe across threads and processes alike.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            yield db
        finally:
            db.close()


def _key(template: tasks_pb2.TaskTemplate, inputs: literals_pb2.LiteralMap) -> str | None:
    """The entry's key, or None for a task that is not cached."""
    metadata = template.metadata
    if not metadata.discoverable:
        return None
    ignored = set(metadata.cache_ignore_input_vars)
    kept = literals_pb2.LiteralMap(
        literals={n: v for n, v in inputs.literals.items() if n not in ignored}
    )
    digest = hashlib.sha256()
    for part in (
        template.id.name.encode(),
        template.metadata.discovery_version.encode(),
        template.interface.SerializeToString(deterministic=True),
        kept.SerializeToString(deterministic=True),
    ):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
