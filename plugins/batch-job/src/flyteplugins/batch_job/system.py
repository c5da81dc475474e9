"""A small batch system: jobs are rows of a SQLite file that every process on the machine can see.

A job waits in its queue for ``queued_seconds``, runs for ``run_seconds``, then succeeds (or
fails with ``fail_with``). Its status is derived from those times whenever it is read, so no
worker process is needed, and any process reading the file sees the same job at the same
moment. A job can be made to fail (:meth:`BatchSystem.fail`) and deleted
(:meth:`BatchSystem.delete`), which cancels it.

The store is a folder, ``FLYTE_BATCH_JOB_DIR`` or a folder under the temporary directory.
Calls block briefly on SQLite: async callers run them in a thread.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyte.errors import FlyteError

__all__ = ["BatchJob", "BatchJobNotFoundError", "BatchSystem", "default_store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    spec TEXT NOT NULL,
    submitted_at REAL NOT NULL,
    queued_seconds REAL NOT NULL,
    run_seconds REAL NOT NULL,
    fail_with TEXT NOT NULL DEFAULT '',
    failed_at REAL,
    failure TEXT NOT NULL DEFAULT '',
    cancelled_at REAL
)
"""


class BatchJobNotFoundError(FlyteError, LookupError):
    """The batch system has no job of that id."""


def default_store() -> Path:
    """The store folder: ``FLYTE_BATCH_JOB_DIR``, else ``flyte-batch-job`` in the temp folder."""
    configured = os.environ.get("FLYTE_BATCH_JOB_DIR")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "flyte-batch-job"


@dataclass(frozen=True)
class BatchJob:
    """A job as read at ``now``: status ``queued``, ``running``, ``succeeded``, ``failed`` or ``cancelled``."""

    job_id: str
    queue: str
    spec: dict[str, Any]
    status: str
    message: str
    submitted_at: float
    started_at: float
    ended_at: float

    @property
    def result(self) -> str:
        """What a succeeded job produced: a line naming the job and the inputs it processed."""
        inputs = json.dumps(self.spec, sort_keys=True)
        return f"job {self.job_id} on queue '{self.queue}' processed {inputs}"

    def history(self, now: float) -> list[str]:
        """The job's log: one line per transition that has happened by ``now``."""
        lines = [f"{self.submitted_at:.3f} submitted to queue '{self.queue}'"]
        if self.status == "cancelled" and self.ended_at < self.started_at:
            return [*lines, f"{self.ended_at:.3f} cancelled while queued"]
        if now >= self.started_at:
            lines.append(f"{self.started_at:.3f} running")
        if self.status in ("succeeded", "failed", "cancelled"):
            lines.append(f"{self.ended_at:.3f} {self.status}: {self.message}")
        return lines


class BatchSystem:
    """The jobs stored under ``store`` (a folder; see :func:`default_store`)."""

    def __init__(self, store: str | Path | None = None) -> None:
        self.store = Path(store) if store else default_store()
        self.store.mkdir(parents=True, exist_ok=True)
        self.path = self.store / "jobs.sqlite3"
        with self._connect() as db:
            # WAL lets readers in other processes see jobs while one process writes.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short-lived connection per call: safe across threads and processes alike.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def submit(
        self,
        queue: str,
        spec: dict[str, Any],
        *,
        queued_seconds: float = 0.5,
        run_seconds: float = 1.0,
        fail_with: str = "",
    ) -> BatchJob:
        """Queue a job for ``spec`` (a JSON-representable dict); return it."""
        job_id = uuid.uuid4().hex[:12]
        with self._connect() as db:
            db.execute(
                "INSERT INTO jobs (job_id, queue, spec, submitted_at, queued_seconds, run_seconds,"
                " fail_with) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    queue,
                    json.dumps(spec, sort_keys=True, default=str),
                    time.time(),
                    queued_seconds,
                    run_seconds,
                    fail_with,
                ),
            )
        return self.job(job_id)

    def job(self, job_id: str) -> BatchJob:
        """The job as it stands now; :class:`BatchJobNotFoundError` for an unknown id."""
        with self._connect() as db:
            row = db.execute(
                "SELECT queue, spec, submitted_at, queued_seconds, run_seconds, fail_with,"
                " failed_at, failure, cancelled_at FROM jobs WHERE job_id = ?",
                (job_id,),
            ).fetchone()
        if row is None:
            raise BatchJobNotFoundError(f"the batch system at {self.store} has no job '{job_id}'")
        queue, spec, submitted, queued, run, fail_with, failed_at, failure, cancelled_at = row
        started, finished = submitted + queued, submitted + queued + run
        now = time.time()
        status, message, ended = "queued", "", 0.0
        if cancelled_at is not None and (failed_at is None or cancelled_at < failed_at):
            status, message, ended = "cancelled", "deleted by its owner", cancelled_at
        elif failed_at is not None:
            status, message, ended = "failed", failure, failed_at
        elif now >= finished:
            status, ended = ("failed", finished) if fail_with else ("succeeded", finished)
            message = fail_with or "done"
        elif now >= started:
            status = "running"
        return BatchJob(job_id, queue, json.loads(spec), status, message, submitted, started, ended)

    def fail(self, job_id: str, message: str) -> None:
        """Make a job that has not ended fail now with ``message``."""
        self._end(job_id, "failed_at = ?, failure = ?", (time.time(), message))

    def delete(self, job_id: str) -> None:
        """Cancel the job; a job that has ended stays as it ended."""
        self._end(job_id, "cancelled_at = ?", (time.time(),))

    def _end(self, job_id: str, assignments: str, values: tuple[Any, ...]) -> None:
        if self.job(job_id).status in ("queued", "running"):
            with self._connect() as db:
                db.execute(f"UPDATE jobs SET {assignments} WHERE job_id = ?", (*values, job_id))

    def jobs(self) -> list[BatchJob]:
        """Every job, oldest first."""
        with self._connect() as db:
            ids = [r[0] for r in db.execute("SELECT job_id FROM jobs ORDER BY submitted_at")]
        return [self.job(job_id) for job_id in ids]
