"""Moving bytes: whole small documents, streamed files, and many files at once with a bound.

A local path is read and written directly; anything else goes through the fsspec filesystem of
its store (:mod:`._filesystems`). Nothing half-written is ever left where a reader would take it
for whole: a local file is written beside its target and renamed into place, and an object-store
write that fails is discarded (S3 publishes a multipart upload only when it completes).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import IO, Any

from flyte._storage._errors import storage_error
from flyte._storage._filesystems import filesystem
from flyte._storage._paths import is_local, join, local_path, protocol, relative_parts

__all__ = [
    "CHUNK_BYTES",
    "MAX_CONCURRENT_TRANSFERS",
    "PARTS_AT_ONCE",
    "copy_files",
    "copy_folder",
    "exists",
    "get_file",
    "list_files",
    "open_reader",
    "open_writer",
    "put_file",
    "read_bytes",
    "write_bytes",
]

#: The part size of a streamed transfer of one file.
CHUNK_BYTES = 8 * 2**20
#: How many parts of one file an upload sends at once. Its memory stays under about
#: ``3 * CHUNK_BYTES * PARTS_AT_ONCE`` (48 MiB) whatever the file's size: botocore holds a copy
#: of each part it sends. A download streams, holding next to nothing.
PARTS_AT_ONCE = 2
#: How many files move at once when many do (a folder's upload or download).
MAX_CONCURRENT_TRANSFERS = 32
#: What bounds the memory of s3fs's put_file (its default holds 10 parts of 50 MiB at once).
_S3_UPLOAD = {"chunksize": CHUNK_BYTES, "max_concurrency": PARTS_AT_ONCE}
#: A download is one GET streamed to disk in 64 KiB reads: s3fs's default, concurrent ranged
#: GETs, assembles parts in memory (10 of 50 MiB) and is slower against a busy server.
_S3_DOWNLOAD = {"max_concurrency": 1}


def read_bytes(uri: str) -> bytes:
    """The content of the local path or URI ``uri``; raises :class:`StorageError`."""
    try:
        if is_local(uri):
            with open(local_path(uri), "rb") as f:
                return f.read()
        data: bytes = filesystem(uri).cat_file(uri)
        return data
    except Exception as exc:
        raise storage_error("read", uri, exc) from exc


def write_bytes(uri: str, data: bytes) -> None:
    """Write ``data`` to the local path or URI ``uri``, making folders as needed."""
    try:
        with open_writer(uri) as f:
            f.write(data)
    except Exception as exc:
        raise storage_error("write", uri, exc) from exc


def exists(uri: str) -> bool:
    """Whether a file or folder is at ``uri``."""
    try:
        if is_local(uri):
            return os.path.exists(local_path(uri))
        fs = filesystem(uri)
        fs.invalidate_cache()  # another process may have written since the last look
        return bool(fs.exists(uri))
    except Exception as exc:
        raise storage_error("check", uri, exc) from exc


@contextmanager
def open_reader(uri: str) -> Iterator[IO[bytes]]:
    """A binary file object reading ``uri`` as a stream (an object store's, block by block)."""
    try:
        f = open(local_path(uri), "rb") if is_local(uri) else filesystem(uri).open(uri, "rb")  # noqa: SIM115
    except Exception as exc:
        raise storage_error("read", uri, exc) from exc
    with f:
        yield f


@contextmanager
def open_writer(uri: str) -> Iterator[IO[bytes]]:
    """A binary file object writing ``uri`` as a stream; what it wrote appears only if the block
    ends without an exception (otherwise it is discarded, and the exception goes on)."""
    if is_local(uri):
        path = local_path(uri)
        partial = f"{path}.{uuid.uuid4().hex[:8]}.part"
        try:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            f = open(partial, "wb")  # noqa: SIM115
        except Exception as exc:
            raise storage_error("write", uri, exc) from exc
        try:
            with f:
                yield f
        except BaseException:
            _remove(partial)
            raise
        try:
            os.replace(partial, path)
        except Exception as exc:
            _remove(partial)
            raise storage_error("write", uri, exc) from exc
        return
    try:
        remote = filesystem(uri).open(uri, "wb")
    except Exception as exc:
        raise storage_error("write", uri, exc) from exc
    try:
        yield remote
    except BaseException:
        # fsspec's own __exit__ would close, which commits what was written so far.
        _discard(remote)
        raise
    try:
        remote.close()
    except Exception as exc:
        _discard(remote)
        raise storage_error("write", uri, exc) from exc


def put_file(source: str, uri: str) -> None:
    """Upload the local file ``source`` to ``uri``, streamed in :data:`CHUNK_BYTES` parts."""
    try:
        if not os.path.isfile(source):
            raise FileNotFoundError(f"no file at {source}")
        if is_local(uri):
            _copy_local(source, local_path(uri))
            return
        filesystem(uri).put_file(source, uri, **_s3_options(uri, _S3_UPLOAD))
    except Exception as exc:
        raise storage_error("upload to", uri, exc) from exc


def get_file(uri: str, target: str) -> None:
    """Download ``uri`` to the local path ``target``, streamed; ``target`` appears whole or not at all."""
    try:
        if is_local(uri):
            _copy_local(local_path(uri), target)
            return
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        partial = f"{target}.{uuid.uuid4().hex[:8]}.part"
        try:
            filesystem(uri).get_file(uri, partial, **_s3_options(uri, _S3_DOWNLOAD))
            os.replace(partial, target)
        finally:
            _remove(partial)
    except Exception as exc:
        raise storage_error("download", uri, exc) from exc


def copy_files(
    pairs: Sequence[tuple[str, str]], *, max_concurrency: int = MAX_CONCURRENT_TRANSFERS
) -> None:
    """Copy each (source, target) pair, at most ``max_concurrency`` at a time.

    Every pair goes the same way: local to local, local to one store, or one store to local.
    Through an asynchronous store (s3fs, gcsfs, adlfs) the copies run as one batch on fsspec's
    event loop, ``max_concurrency`` at a time; through another, on as many threads. Local copies
    (into a new folder of the local store) run one after the other: the disk, not Python, is
    their bound, and threads only add to it.
    """
    if not pairs:
        return
    sources, targets = [s for s, _ in pairs], [t for _, t in pairs]
    upload, download = not is_local(targets[0]), not is_local(sources[0])
    remote = targets[0] if upload else sources[0] if download else ""
    where = remote or targets[0]
    try:
        fs = filesystem(remote) if remote else None
        if fs is not None and getattr(fs, "async_impl", False):
            if upload:
                fs.put(sources, targets, batch_size=max_concurrency)
            else:
                for folder in {os.path.dirname(target) for target in targets}:
                    os.makedirs(folder or ".", exist_ok=True)
                fs.get(sources, targets, batch_size=max_concurrency)
            return
        if not (upload or download):
            _copy_tree(pairs)
            return
        import concurrent.futures

        one = put_file if upload else get_file
        workers = max(1, min(max_concurrency, len(pairs)))
        with concurrent.futures.ThreadPoolExecutor(workers, "flyte-transfer") as pool:
            for done in pool.map(lambda pair: one(*pair), pairs):
                del done
    except Exception as exc:
        raise storage_error("copy files to" if upload else "copy files from", where, exc) from exc


def copy_folder(
    source: str, target: str, *, max_concurrency: int = MAX_CONCURRENT_TRANSFERS
) -> None:
    """Copy every file under the folder or prefix ``source`` to the same place under ``target``,
    as :func:`copy_files` copies (one side local, ``max_concurrency`` at a time)."""
    pairs = [(f, join(target, *relative_parts(f, source))) for f in list_files(source)]
    copy_files(pairs, max_concurrency=max_concurrency)


def list_files(uri: str) -> list[str]:
    """Every file under the folder or prefix ``uri``, at any depth, as full paths or URIs,
    sorted; ``[uri]`` when ``uri`` is a file itself."""
    try:
        if is_local(uri):
            root = local_path(uri)
            if os.path.isfile(root):
                return [root]
            if not os.path.isdir(root):
                raise FileNotFoundError(f"no folder at {root}")
            return sorted(
                os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names
            )
        fs = filesystem(uri)
        # Another process (a task's container, flytekit) may have written since the last look.
        fs.invalidate_cache()
        if fs.isfile(uri):
            return [uri]
        return sorted(fs.unstrip_protocol(p) for p in fs.find(uri.rstrip("/") + "/"))
    except Exception as exc:
        raise storage_error("list", uri, exc) from exc


def _s3_options(uri: str, options: dict[str, int]) -> dict[str, int]:
    return options if protocol(uri) in ("s3", "s3a") else {}


def _copy_tree(pairs: Sequence[tuple[str, str]]) -> None:
    """Copy files into folders that are new: made once each, files written in place (a folder
    half copied is never handed on, since the caller raises)."""
    targets = [local_path(t) for _, t in pairs]
    for folder in sorted({os.path.dirname(t) for t in targets}):
        os.makedirs(folder or ".", exist_ok=True)
    for (source, _), target in zip(pairs, targets, strict=True):
        shutil.copyfile(local_path(source), target)


def _copy_local(source: str, target: str) -> None:
    """Copy a local file, streamed by the OS; the target appears whole or not at all."""
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    partial = f"{target}.{uuid.uuid4().hex[:8]}.part"
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    finally:
        _remove(partial)


def _remove(path: str) -> None:
    with suppress(FileNotFoundError):
        os.remove(path)


def _discard(f: Any) -> None:
    # Discarding is cleanup: the failure that called for it is the one to report.
    with suppress(Exception):
        f.discard()
    # Marked closed, or fsspec's __del__ would close it, publishing what was discarded.
    with suppress(Exception):
        f.closed = True
