"""SIGTERM cancels the running connector tasks, so that their jobs are deleted before the process ends.

A process stopped with SIGTERM would otherwise die at once and leave its jobs running on the
external system. While at least one connector task runs in the main thread's event loop, and
the program has not set its own SIGTERM handler, SIGTERM cancels those tasks; the handler is
removed when the last of them ends. Ctrl-C needs nothing here: ``asyncio.run`` already turns it
into a cancellation of the main task.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cancel_on_sigterm"]

_running: dict[asyncio.AbstractEventLoop, set[asyncio.Task[object]]] = {}


@contextmanager
def cancel_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM cancels the current task (and every other one in a block)."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is None or not _may_handle(loop):
        yield
        return
    tasks = _running.setdefault(loop, set())
    if not tasks:
        try:
            loop.add_signal_handler(signal.SIGTERM, _cancel_all, loop)
        except (NotImplementedError, RuntimeError):
            # An event loop without signal support (Windows' proactor) runs unprotected.
            del _running[loop]
            yield
            return
    tasks.add(task)
    try:
        yield
    finally:
        tasks.discard(task)
        if not tasks:
            del _running[loop]
            loop.remove_signal_handler(signal.SIGTERM)


def _may_handle(loop: asyncio.AbstractEventLoop) -> bool:
    if loop in _running:
        return True
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return False
    # A handler the program set itself is the program's policy; leave it alone.
    return signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    for task in list(_running.get(loop, ())):
        task.cancel()
