"""flyte-execute's SIGTERM: the run unwinds, and its failure is a recoverable ``Terminated``.

Where the main thread is when the signal arrives decides how the run is stopped:

- in the task's own code (a sync body, or any frame outside the event loop's machinery),
  :class:`Terminated` is raised there, as Ctrl-C raises ``KeyboardInterrupt``;
- inside asyncio (the loop waiting, or running a callback), the run's task is cancelled instead.
  An exception raised there could be caught by the loop's callback runner, which logs it and
  goes on, leaving the run's task never stepped again: the process would hang until killed.

Either way the run's cleanup runs (a connector task deletes its job). After the first SIGTERM,
and once the run is over, SIGTERM is ignored: it must not break off the cleanup or the document.
"""

from __future__ import annotations

import asyncio
import os
import selectors
import signal
import threading
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

__all__ = ["SigtermPolicy", "Terminated"]

T = TypeVar("T")

_MESSAGE = (
    "flyte-execute received SIGTERM while the task ran: the pod is being stopped "
    "(preempted, deleted, or past its deadline)"
)
_EVENT_LOOP_CODE = (os.path.dirname(asyncio.__file__) + os.sep, selectors.__file__)


class Terminated(BaseException):
    """SIGTERM arrived while the task ran; a BaseException, so that no ``except Exception``
    of the task's keeps it from ending the run."""


class SigtermPolicy:
    """Handles SIGTERM in the main thread, within its ``with`` block, until :meth:`run_over`.

    ``await policy.guard(coroutine)`` makes ``coroutine``'s task the one a SIGTERM inside the
    event loop cancels; :meth:`failure` reads what escaped the run.
    """

    def __init__(self) -> None:
        self._received = False
        self._task: asyncio.Task[Any] | None = None
        self._previous: Any = None

    def __enter__(self) -> SigtermPolicy:
        """Handle SIGTERM from now on (only the main thread may; elsewhere this does nothing)."""
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._terminate)
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Put back the SIGTERM handler that entering replaced."""
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None

    def run_over(self) -> None:
        """Ignore SIGTERM from now on: the run is over, its document is being written."""
        if self._previous is not None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)

    async def guard(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await ``coroutine`` as the task a SIGTERM inside the event loop cancels."""
        self._task = asyncio.current_task()
        return await coroutine

    def failure(self, exc: BaseException) -> Terminated | None:
        """The :class:`Terminated` that ``exc``, escaping the run, stands for, or None."""
        if isinstance(exc, Terminated):
            return exc
        if self._received and isinstance(exc, asyncio.CancelledError):
            return Terminated(_MESSAGE)
        return None

    def _terminate(self, signum: int, frame: FrameType | None) -> None:
        self.run_over()
        self._received = True
        task = self._task
        if task is not None and _in_event_loop(frame):
            if not task.done():
                task.get_loop().call_soon_threadsafe(task.cancel)
            return
        raise Terminated(_MESSAGE)


def _in_event_loop(frame: FrameType | None) -> bool:
    return frame is not None and frame.f_code.co_filename.startswith(_EVENT_LOOP_CODE)
