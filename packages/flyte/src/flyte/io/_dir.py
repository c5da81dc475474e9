"""``flyte.io.Dir``: a folder that tasks pass by reference, its files in the raw-data store."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Generic, TypeVar

from flyte import _storage
from flyte.io._file import File
from flyte.io._stored import Stored
from flyte.io._threads import in_thread

__all__ = ["Dir"]

T = TypeVar("T")


class Dir(Stored, Generic[T]):
    """A folder passed between tasks by reference; its files move concurrently, with a bound.

        @env.task
        async def shoot() -> Dir:
            return await Dir.from_local("images/")         # every file uploaded, 32 at a time

        @env.task
        async def count(d: Dir) -> int:
            return len(await d.list_files())                # a listing: nothing is downloaded

    ``path`` is the folder's object-store prefix or local path. As for :class:`File`, a local
    folder not in the store yet is uploaded when it becomes a literal, one in a store is never
    copied, and ``Dir[TypeVar("csv")]`` declares its files' format. Its literal is flytekit's
    FlyteDirectory blob (multipart).
    """

    _kind = "Dir"

    @classmethod
    async def from_local(
        cls,
        local_path: str | os.PathLike[str],
        remote_destination: str = "",
        *,
        format: str = "",
        max_concurrency: int = _storage.MAX_CONCURRENT_TRANSFERS,
    ) -> Dir[T]:
        """Upload every file under ``local_path`` now, ``max_concurrency`` at a time, to
        ``remote_destination`` or a new folder of the raw-data store."""
        return await in_thread(
            cls.from_local_sync,
            local_path,
            remote_destination,
            format=format,
            max_concurrency=max_concurrency,
        )

    @classmethod
    def from_local_sync(
        cls,
        local_path: str | os.PathLike[str],
        remote_destination: str = "",
        *,
        format: str = "",
        max_concurrency: int = _storage.MAX_CONCURRENT_TRANSFERS,
    ) -> Dir[T]:
        """:meth:`from_local` for code that is not a coroutine."""
        source = os.path.abspath(os.fspath(local_path))
        target = remote_destination or _storage.new_path()
        _storage.copy_folder(source, target, max_concurrency=max_concurrency)
        return cls._stored(target, format)

    async def walk(self) -> AsyncIterator[File[T]]:
        """Every file in the folder, at any depth, in order of their paths (a listing; nothing
        is downloaded)."""
        for f in await self.list_files():
            yield f

    def walk_sync(self) -> Iterator[File[T]]:
        """:meth:`walk` for code that is not a coroutine."""
        yield from self.list_files_sync()

    async def list_files(self) -> list[File[T]]:
        """The folder's files, at any depth, as :class:`File` references."""
        return await in_thread(self.list_files_sync)

    def list_files_sync(self) -> list[File[T]]:
        """:meth:`list_files` for code that is not a coroutine."""
        files: list[File[T]] = []
        for path in _storage.list_files(self._downloaded or self.path):
            f: File[T] = File(path, format=self.format)
            f._in_store = self._in_store and self._downloaded is None
            files.append(f)
        return files

    async def download(
        self,
        local_path: str | os.PathLike[str] | None = None,
        *,
        max_concurrency: int = _storage.MAX_CONCURRENT_TRANSFERS,
    ) -> str:
        """Download every file, ``max_concurrency`` at a time; return the local folder."""
        return await in_thread(self.download_sync, local_path, max_concurrency=max_concurrency)

    def download_sync(
        self,
        local_path: str | os.PathLike[str] | None = None,
        *,
        max_concurrency: int = _storage.MAX_CONCURRENT_TRANSFERS,
    ) -> str:
        """:meth:`download` for code that is not a coroutine. A folder already on this machine
        is not copied unless ``local_path`` asks for a copy."""

        def fetch(target: str) -> None:
            _storage.copy_folder(self.path, target, max_concurrency=max_concurrency)
            os.makedirs(target, exist_ok=True)  # an empty folder is downloaded as one

        return self._download(local_path, fetch)

    async def exists(self) -> bool:
        """Whether the folder is there (an object-store prefix exists when a file is under it)."""
        return await in_thread(self.exists_sync)

    def _upload(self) -> str:
        return Dir.from_local_sync(self.path).path
