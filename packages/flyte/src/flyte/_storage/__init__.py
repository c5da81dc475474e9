"""The storage layer, at the bottom of flyte: local paths directly, object stores through fsspec.

    from flyte import _storage

    _storage.write_bytes("s3://bucket/run/outputs.pb", data)      # small documents, whole
    _storage.put_file("data.csv", _storage.new_path("data.csv"))  # streamed, in parts
    _storage.copy_files(pairs, max_concurrency=32)                # many files, a bounded number at once
    _storage.copy_folder("images/", _storage.new_path())          # a folder's files, their layout kept
    with _storage.open_reader("s3://bucket/k.csv") as f: ...       # a stream, block by block

The stores: a local folder, ``s3://`` (extra ``flyte-core[s3]``, s3fs), ``gs://`` (``[gcs]``,
gcsfs), ``abfs://`` (``[abfs]``, adlfs), configured by the environment variables flytekit reads
(:mod:`._config`). Every failure is a :class:`StorageError` naming the path and the way out.
"""

from flyte._storage._errors import StorageError
from flyte._storage._paths import basename, is_local, join, local_path, protocol, relative_parts
from flyte._storage._raw_data import new_path, raw_data_prefix
from flyte._storage._transfer import (
    CHUNK_BYTES,
    MAX_CONCURRENT_TRANSFERS,
    PARTS_AT_ONCE,
    copy_files,
    copy_folder,
    exists,
    get_file,
    list_files,
    open_reader,
    open_writer,
    put_file,
    read_bytes,
    write_bytes,
)

__all__ = [
    "CHUNK_BYTES",
    "MAX_CONCURRENT_TRANSFERS",
    "PARTS_AT_ONCE",
    "StorageError",
    "basename",
    "copy_files",
    "copy_folder",
    "exists",
    "get_file",
    "is_local",
    "join",
    "list_files",
    "local_path",
    "new_path",
    "open_reader",
    "open_writer",
    "protocol",
    "put_file",
    "raw_data_prefix",
    "read_bytes",
    "relative_parts",
    "write_bytes",
]
