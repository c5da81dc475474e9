"""SIGTERM cancels the running connector tasks, so that their jobs are deleted before the process ends.

A process stopped with SIGTERM would otherwise die at once and leave its jobs running on the
external system. While at least one connector task runs in the main thread's event loop, SIGTERM
cancels those tasks, unless the program set a SIGTERM handler of its own; the handler is removed
when the last of them ends. From Python 3.11, ``asyncio.run`` turns Ctrl-C into a cancellation of
the main task by itself; before, Ctrl-C raises KeyboardInterrupt wherever the code happens to be,
possibly inside the polling loop, so there SIGINT is handled the same way as SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cancel_on_sigterm"]

#: Each signal handled, with the handler it must still have for us to take it over.
_SIGNALS: dict[int, object] = {signal.SIGTERM: signal.SIG_DFL}
if sys.version_info < (3, 11):
    _SIGNALS[signal.SIGINT] = signal.default_int_handler

#: The connector tasks running in each loop, and the signals the loop handles for them.
_running: dict[asyncio.AbstractEventLoop, tuple[set[asyncio.Task[object]], list[int]]] = {}


@contextmanager
def cancel_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM cancels the current task (and every other one in a block)."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    if loop not in _running:
        _running[loop] = (set(), _take_over(loop))
    tasks, handled = _running[loop]
    tasks.add(task)
    try:
        yield
    finally:
        tasks.discard(task)
        if not tasks:
            del _running[loop]
            for signum in handled:
                loop.remove_signal_handler(signum)


def _take_over(loop: asyncio.AbstractEventLoop) -> list[int]:
    handled = []
    for signum, expected in _SIGNALS.items():
        # A handler the program set itself is the program's policy; leave it alone.
        if signal.getsignal(signum) is not expected:
            continue
        try:
            loop.add_signal_handler(signum, _cancel_all, loop)
        except (NotImplementedError, RuntimeError):
            # An event loop without signal support (Windows' proactor) runs unprotected.
            continue
        handled.append(signum)
    return handled


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    for task in list(_running.get(loop, ((), []))[0]):
        task.cancel()
