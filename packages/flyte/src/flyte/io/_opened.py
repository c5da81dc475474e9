"""An opened file that a task may use with ``with`` or ``async with``, binary or text."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import IO, Any

from flyte.io._threads import in_thread

__all__ = ["Opened", "text_or_binary"]


def text_or_binary(mode: str) -> bool:
    """True for a text mode (``r``, ``w``); raises ``ValueError`` for a mode files do not take."""
    if mode not in ("rb", "wb", "r", "w"):
        raise ValueError(f"a file opens as 'rb', 'wb', 'r' or 'w', not {mode!r}")
    return "b" not in mode


class Opened:
    """The file ``open`` gives: a context manager, sync and async, over a binary stream.

    In text mode the stream is read or written as UTF-8. A stream being written is published
    only when the block ends without an exception.
    """

    def __init__(self, stream: Callable[[], AbstractContextManager[IO[bytes]]], text: bool) -> None:
        self._stream = stream
        self._text = text
        self._context: AbstractContextManager[IO[bytes]] | None = None
        self._wrapper: io.TextIOWrapper | None = None

    def __enter__(self) -> Any:
        self._context = self._stream()
        binary = self._context.__enter__()
        if not self._text:
            return binary
        self._wrapper = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        return self._wrapper

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        assert self._context is not None, "the file was not opened"
        if self._wrapper is not None:
            # The stream underneath is closed (or discarded) by its own context, not the wrapper.
            if kind is None:
                self._wrapper.flush()
            self._wrapper.detach()
        return self._context.__exit__(kind, exc, traceback)

    async def __aenter__(self) -> Any:
        return await in_thread(self.__enter__)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        return await in_thread(self.__exit__, kind, exc, traceback)
