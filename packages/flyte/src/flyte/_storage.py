"""Reading and writing the runtime's files: local paths directly, object-store URIs through fsspec."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flyte.errors import FlyteError

__all__ = ["StorageError", "join", "read_bytes", "write_bytes"]


class StorageError(FlyteError, OSError):
    """A file or URI could not be read or written."""


def _is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def _local(uri: str) -> Path:
    return Path(uri[len("file://") :] if uri.startswith("file://") else uri)


def join(prefix: str, name: str) -> str:
    """``name`` under the folder or URI prefix ``prefix``."""
    if _is_local(prefix):
        return os.path.join(prefix, name)
    return prefix.rstrip("/") + "/" + name


def read_bytes(uri: str) -> bytes:
    """The content of the local path or URI ``uri``; raises :class:`StorageError`."""
    try:
        if _is_local(uri):
            return _local(uri).read_bytes()
        with _fsspec().open(uri, "rb") as f:
            data: bytes = f.read()
            return data
    except StorageError:
        raise
    except Exception as exc:
        raise StorageError(f"cannot read {uri}: {type(exc).__name__}: {exc}") from exc


def write_bytes(uri: str, data: bytes) -> None:
    """Write ``data`` to the local path or URI ``uri``, making folders as needed."""
    try:
        if _is_local(uri):
            path = _local(uri)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        with _fsspec().open(uri, "wb") as f:
            f.write(data)
    except StorageError:
        raise
    except Exception as exc:
        raise StorageError(f"cannot write {uri}: {type(exc).__name__}: {exc}") from exc


def _fsspec() -> Any:
    try:
        import fsspec  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError as exc:
        raise StorageError(
            "object-store URIs need fsspec: pip install 'flyte-core[fsspec]' and the store's "
            "filesystem (s3fs for s3://, gcsfs for gs://, adlfs for abfs://)"
        ) from exc
    return fsspec
