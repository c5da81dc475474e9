"""The fsspec filesystem of each store, made once per protocol and configuration."""

from __future__ import annotations

import threading
from typing import Any

from flyte._storage._config import storage_options
from flyte._storage._errors import StorageError, missing_filesystem
from flyte._storage._paths import protocol

__all__ = ["filesystem", "fsspec_module"]

_made: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def fsspec_module() -> Any:
    """fsspec itself; raises :class:`StorageError` naming the extra that installs it."""
    try:
        import fsspec  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError as exc:
        raise StorageError(
            "object-store URIs need fsspec: pip install 'flyte-core[s3]' (or [gcs], [abfs]), "
            "which installs fsspec and the store's filesystem"
        ) from exc
    return fsspec


def filesystem(uri: str) -> Any:
    """The fsspec filesystem that serves ``uri``, configured from the environment (see
    :mod:`._config`); the same object while the configuration stays the same.

    Raises :class:`StorageError` when the store's filesystem is not installed.
    """
    scheme = protocol(uri)
    options = storage_options(scheme)
    key = (scheme, repr(sorted(options.items())))
    with _lock:
        found = _made.get(key)
        if found is not None:
            return found
    fsspec = fsspec_module()
    try:
        made = fsspec.filesystem(scheme, **options)
    except ImportError as exc:
        raise missing_filesystem(uri) from exc
    except ValueError as exc:  # fsspec: "Protocol not known"
        raise StorageError(f"cannot reach {uri}: no filesystem serves {scheme}:// ({exc})") from exc
    with _lock:
        return _made.setdefault(key, made)
