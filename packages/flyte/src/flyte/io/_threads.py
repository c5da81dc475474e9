"""Running the storage layer's blocking calls from coroutines, on a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["in_thread"]

R = TypeVar("R")


async def in_thread(func: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """``func(*args, **kwargs)`` on a worker thread, with the caller's context (``flyte.ctx()``)."""
    # Imported here: asyncio costs `import flyte.io` tens of milliseconds, and only a coroutine
    # that already runs on an event loop gets this far.
    import asyncio

    return await asyncio.to_thread(func, *args, **kwargs)
