"""SIGTERM cancels the running connector tasks, so that their jobs are deleted before the process ends.

A process stopped with SIGTERM would otherwise die at once and leave its jobs running on the
external system. While at least one connector task runs in the main thread's event loop, SIGTERM
cancels those tasks, unless the program set a SIGTERM handler of its own (``flyte-execute``
does: it unwinds the whole run, which deletes the jobs the same way); the handler is removed
when the last of them ends.

Ctrl-C is left as Python raises it, a KeyboardInterrupt, so that it reads as one everywhere: the
polling loop deletes its job on any exception that reaches it, and whoever drives the loop
cancels what is left before the interrupt goes on (``asyncio.run``, which from Python 3.11 also
turns the first Ctrl-C into a cancellation by itself, and ``flyte.run``).
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cancel_on_sigterm"]

#: Each signal handled, with the handler it must still have for us to take it over.
_SIGNALS: dict[int, object] = {signal.SIGTERM: signal.SIG_DFL}

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
