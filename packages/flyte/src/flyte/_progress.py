"""A live status line on stderr for long work: a code bundle, connector jobs, many tasks.

The line is redrawn in place, at most ten times a second, and only when stderr is a terminal:
piped or captured output, and runs with ``FLYTE_QUIET=1`` (what ``flyte --quiet`` sets), get no
status line. Lines that must stay (a connector's log links) go through :meth:`StatusLine.note`,
which prints them above the live line in every case.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

__all__ = ["QUIET_ENV", "StatusLine", "status"]

#: Set to 1 to silence every status line (``flyte --quiet`` sets it).
QUIET_ENV = "FLYTE_QUIET"

_MIN_REDRAW_SECONDS = 0.1


class StatusLine:
    """One line of stderr that shows the state of long work and is redrawn as it changes."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._width = 0
        self._drawn_at = 0.0
        self._lock = threading.Lock()

    @property
    def stream(self) -> TextIO:
        """Where the line is drawn: the stream given, or the current ``sys.stderr``."""
        return self._stream or sys.stderr

    def enabled(self) -> bool:
        """Whether a live line is drawn: stderr is a terminal and quiet is off."""
        if os.environ.get(QUIET_ENV, "") not in ("", "0"):
            return False
        try:
            return self.stream.isatty()
        except ValueError:  # a closed stream
            return False

    def show(self, text: str, *, force: bool = False) -> None:
        """Draw ``text`` as the live line; skipped when the last redraw was very recent."""
        if not self.enabled():
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._drawn_at < _MIN_REDRAW_SECONDS:
                return
            self._drawn_at = now
            padding = " " * max(0, self._width - len(text))
            self.stream.write(f"\r{text}{padding}")
            self.stream.flush()
            self._width = len(text)

    def clear(self) -> None:
        """Erase the live line, leaving the cursor at the start of an empty line."""
        with self._lock:
            self._erase()

    def note(self, text: str) -> None:
        """Print ``text`` as a line of its own (always, terminal or not), above the live line."""
        with self._lock:
            self._erase()
            self.stream.write(f"{text}\n")
            self.stream.flush()

    def _erase(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
        self._drawn_at = 0.0  # the next line is new work: draw it at once


#: The process's status line on stderr.
status = StatusLine()
