"""Crossing between coroutines and blocking code: the storage layer's blocking calls run from
coroutines on a worker thread, and coroutines run to the end from synchronous code."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["in_thread", "run_in_loop"]

R = TypeVar("R")


async def in_thread(func: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """``func(*args, **kwargs)`` on a worker thread, with the caller's context (``flyte.ctx()``)."""
    # Imported here: asyncio costs `import flyte.io` tens of milliseconds, and only a coroutine
    # that already runs on an event loop gets this far.
    import asyncio

    return await asyncio.to_thread(func, *args, **kwargs)


def run_in_loop(coro: Coroutine[Any, Any, R]) -> R:
    """Run ``coro`` to completion from synchronous code, inside a running event loop or not."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    # Called from a coroutine: a second loop cannot run in this thread, so it runs in another.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
