"""Where a value lives: a local path or an object-store URI, and how to name things under it."""

from __future__ import annotations

import os

__all__ = ["basename", "is_local", "join", "local_path", "protocol", "relative_parts"]


def is_local(uri: str) -> bool:
    """True for a path of this machine (``file://`` included), False for an object-store URI."""
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> str:
    """The path of a local ``uri``, without its ``file://``."""
    return uri[len("file://") :] if uri.startswith("file://") else uri


def protocol(uri: str) -> str:
    """The store's protocol: ``s3``, ``gs``, ``abfs``, ... or ``file`` for a local path."""
    return "file" if is_local(uri) else uri.split("://", 1)[0]


def join(prefix: str, *names: str) -> str:
    """``names`` under the folder or URI prefix ``prefix``."""
    if is_local(prefix):
        return os.path.join(prefix, *names)
    return "/".join([prefix.rstrip("/"), *names])


def basename(uri: str) -> str:
    """The last part of a path or URI, ignoring a trailing slash."""
    return (
        uri.rstrip("/").rsplit("/", 1)[-1]
        if not is_local(uri)
        else os.path.basename(os.path.normpath(local_path(uri)))
    )


def relative_parts(path: str, root: str) -> list[str]:
    """The parts of ``path`` below the folder or prefix ``root`` (``["b", "c.txt"]``)."""
    if is_local(path):
        return os.path.relpath(local_path(path), local_path(root)).split(os.sep)
    return path[len(root.rstrip("/")) + 1 :].split("/")
