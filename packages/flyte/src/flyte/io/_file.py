"""``flyte.io.File``: a file that tasks pass by reference, its bytes in the raw-data store."""

from __future__ import annotations

import os
import tempfile
import uuid
from typing import Generic, TypeVar

from flyte import _storage
from flyte._context import default_raw_data_prefix
from flyte.io._opened import Opened, text_or_binary
from flyte.io._threads import in_thread

__all__ = ["File", "in_store", "local_download_folder"]

T = TypeVar("T")


class File(Generic[T]):
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

    def __init__(self, path: str | os.PathLike[str], *, format: str = "") -> None:
        self.path = os.fspath(path)
        self.format = format
        # Whether ``path`` is already the value's place in a store: passed on as it is.
        self._in_store = not _storage.is_local(self.path)
        self._downloaded: str | None = None

    @classmethod
    def from_existing_remote(cls, remote_path: str, *, format: str = "") -> File[T]:
        """A reference to a file already in a store (or on a shared disk): nothing is copied."""
        return cls._stored(remote_path, format)

    @classmethod
    def new_remote(cls, name: str = "", *, format: str = "") -> File[T]:
        """A new, empty place in the raw-data store, to write with ``open("wb")``."""
        return cls._stored(_storage.new_path(name or uuid.uuid4().hex), format)

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
        if local_path is None:
            if _storage.is_local(self.path):
                return _storage.local_path(self.path)
            if self._downloaded is not None:
                return self._downloaded
            target = os.path.join(local_download_folder(), _storage.basename(self.path))
        else:
            target = os.fspath(local_path)
        _storage.get_file(self.path, target)
        self._downloaded = target
        return target

    async def exists(self) -> bool:
        """Whether the file is there."""
        return await in_thread(self.exists_sync)

    def exists_sync(self) -> bool:
        """:meth:`exists` for code that is not a coroutine."""
        return _storage.exists(self.path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, File):
            return NotImplemented
        return (self.path, self.format) == (other.path, other.format)

    def __hash__(self) -> int:
        return hash((self.path, self.format))

    def __repr__(self) -> str:
        fmt = f", format={self.format!r}" if self.format else ""
        return f"File({self.path!r}{fmt})"

    @classmethod
    def _stored(cls, path: str, format: str) -> File[T]:
        made = cls(path, format=format)
        made._in_store = True
        return made

    def _uri_in_store(self) -> str:
        """The file's place in a store, uploaded there first if it is only on this machine."""
        if self._in_store or in_store(self.path):
            return self.path
        uploaded: File[T] = File.from_local_sync(self.path)
        self.path, self._in_store = uploaded.path, True
        return self.path


def in_store(path: str) -> bool:
    """Whether ``path`` is in a store already: an object-store URI, or a path under this
    machine's raw-data folder (a local run's outputs)."""
    if not _storage.is_local(path):
        return True
    where = os.path.abspath(_storage.local_path(path))
    for root in (_storage.raw_data_prefix(), default_raw_data_prefix()):
        if _storage.is_local(root) and where.startswith(
            os.path.abspath(_storage.local_path(root)) + os.sep
        ):
            return True
    return False


def local_download_folder() -> str:
    """A new folder for one download."""
    return tempfile.mkdtemp(prefix="flyte-download-")
