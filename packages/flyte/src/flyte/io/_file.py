"""``flyte.io.File``: a file that tasks pass by reference, its bytes in the raw-data store."""

from __future__ import annotations

import os
from typing import Generic, TypeVar

from flyte import _storage
from flyte.io._opened import Opened, text_or_binary
from flyte.io._stored import Stored
from flyte.io._threads import in_thread

__all__ = ["File"]

T = TypeVar("T")


class File(Stored, Generic[T]):
    """A file passed between tasks by reference: a task's output, another task's input.

        @env.task
        async def write() -> File:
            return await File.from_local("report.csv")      # uploaded now, under the raw-data prefix

        @env.task
        async def read(f: File) -> str:
            async with f.open("r") as fh:                   # streamed from the store
                return fh.readline()

    ``path`` is where the bytes are: an object-store URI or a local path. A file of this
    machine that is not in the raw-data store yet (``File("data.csv")``, a command-line input)
    is uploaded when it becomes a literal; one already in a store is never copied, and nothing is
    downloaded until the task asks (:meth:`open`, :meth:`download`). ``File[TypeVar("csv")]``
    (or ``File["csv"]``) declares the format, as flytekit's ``FlyteFile[TypeVar("csv")]`` does.
    Its literal is flytekit's FlyteFile blob, so the two SDKs pass files to each other.
    """

    _kind = "File"

    @classmethod
    async def from_local(
        cls, local_path: str | os.PathLike[str], remote_destination: str = "", *, format: str = ""
    ) -> File[T]:
        """Upload the local file ``local_path`` now, streamed, to ``remote_destination`` or a new
        path of the raw-data store; raises :class:`StorageError` naming a path that is not there."""
        return await in_thread(cls.from_local_sync, local_path, remote_destination, format=format)

    @classmethod
    def from_local_sync(
        cls, local_path: str | os.PathLike[str], remote_destination: str = "", *, format: str = ""
    ) -> File[T]:
        """:meth:`from_local` for code that is not a coroutine."""
        source = os.fspath(local_path)
        target = remote_destination or _storage.new_path(os.path.basename(source))
        _storage.put_file(source, target)
        return cls._stored(target, format)

    def open(self, mode: str = "rb") -> Opened:
        """The file, streamed: ``async with f.open() as fh`` or ``with f.open() as fh``.

        Modes: ``rb`` and ``r`` (UTF-8) read, block by block, from the downloaded copy if there
        is one, else from the store; ``wb`` and ``w`` write, in parts, and publish the file only
        when the block ends without an exception. The file object's own calls block: read in
        chunks (``fh.read(2**20)``) rather than whole.
        """
        text = text_or_binary(mode)
        if mode.startswith("r"):
            source = self._downloaded or self.path
            return Opened(lambda: _storage.open_reader(source), text)
        return Opened(lambda: _storage.open_writer(self.path), text)

    def open_sync(self, mode: str = "rb") -> Opened:
        """:meth:`open`, named for code that is not a coroutine (``with f.open_sync() as fh``)."""
        return self.open(mode)

    async def download(self, local_path: str | os.PathLike[str] | None = None) -> str:
        """Download the file, streamed, and return its local path (see :meth:`download_sync`)."""
        return await in_thread(self.download_sync, local_path)

    def download_sync(self, local_path: str | os.PathLike[str] | None = None) -> str:
        """Download the file to ``local_path`` (a new temporary folder by default); return where.

        A file already on this machine is not copied unless ``local_path`` asks for a copy.
        """
        return self._download(local_path, lambda target: _storage.get_file(self.path, target))

    async def exists(self) -> bool:
        """Whether the file is there."""
        return await in_thread(self.exists_sync)

    def _upload(self) -> str:
        return File.from_local_sync(self.path).path
