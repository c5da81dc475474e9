"""What :class:`~flyte.io.File` and :class:`~flyte.io.Dir` share: a value passed by reference.

The value is a ``path`` (an object-store URI or a local path) and a ``format``. A path of this
machine that is not in the raw-data store yet is uploaded when the value becomes a literal; one
already in a store is passed on as it is, and nothing is downloaded until the task asks.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from typing import ClassVar, TypeVar

from flyte import _storage
from flyte._context import default_raw_data_prefix

__all__ = ["Stored", "in_store"]

S = TypeVar("S", bound="Stored")


class Stored:
    """A value whose data is at ``path``; subclasses say how it is uploaded (:meth:`_upload`)."""

    #: The public class's name: what ``repr`` shows, and what two values must share to be equal
    #: (a File never equals a Dir of the same path).
    _kind: ClassVar[str] = ""

    def __init__(self, path: str | os.PathLike[str], *, format: str = "") -> None:
        self.path = os.fspath(path)
        self.format = format
        # Whether ``path`` is already the value's place in a store: passed on as it is.
        self._in_store = not _storage.is_local(self.path)
        self._downloaded: str | None = None

    def exists_sync(self) -> bool:
        """:meth:`exists` for code that is not a coroutine."""
        return _storage.exists(self.path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stored) or other._kind != self._kind:
            return NotImplemented
        return (self.path, self.format) == (other.path, other.format)

    def __hash__(self) -> int:
        return hash((self.path, self.format))

    def __repr__(self) -> str:
        fmt = f", format={self.format!r}" if self.format else ""
        return f"{self._kind}({self.path!r}{fmt})"

    @classmethod
    def from_existing_remote(cls: type[S], remote_path: str, *, format: str = "") -> S:
        """A reference to a file or folder already in a store (or on a shared disk): nothing is
        copied."""
        return cls._stored(remote_path, format)

    @classmethod
    def new_remote(cls: type[S], name: str = "", *, format: str = "") -> S:
        """A new, empty place in the raw-data store: a File to write with ``open("wb")``, a Dir
        to put files in with ``File.from_local(path, d.path + "/name")``."""
        return cls._stored(_storage.new_path(name or uuid.uuid4().hex), format)

    @classmethod
    def _stored(cls: type[S], path: str, format: str) -> S:
        made = cls(path, format=format)
        made._in_store = True
        return made

    def _uri_in_store(self) -> str:
        """The value's place in a store, uploaded there first if it is only on this machine."""
        if self._in_store or in_store(self.path):
            return self.path
        self.path, self._in_store = self._upload(), True
        return self.path

    def _upload(self) -> str:
        """Upload the local ``path`` to a new place of the raw-data store, and return it."""
        raise NotImplementedError(f"{type(self).__name__} does not say how it is uploaded")

    def _download(
        self, local_path: str | os.PathLike[str] | None, fetch: Callable[[str], None]
    ) -> str:
        """Download with ``fetch(target)`` to ``local_path`` (a new temporary folder by
        default); return where. A value already on this machine, or downloaded before, is not
        copied again unless ``local_path`` asks for a copy."""
        if local_path is None:
            if _storage.is_local(self.path):
                return _storage.local_path(self.path)
            if self._downloaded is not None:
                return self._downloaded
            folder = tempfile.mkdtemp(prefix="flyte-download-")
            target = os.path.join(folder, _storage.basename(self.path))
        else:
            target = os.fspath(local_path)
        fetch(target)
        self._downloaded = target
        return target


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
