"""Where an encoder writes a dataset and a decoder reads one: a local folder or file, always.

    with write_dataset(uri) as folder:           # write files into ``folder``; published at uri
        pq.write_table(table, os.path.join(folder, "00000"))

    with read_dataset(uri) as path:              # a local file or folder holding the data
        table = pq.read_table(path, columns=["id"])
        first = dataset_files(path)[0]           # its data files, markers (_SUCCESS) left out

In the local store the data is written beside its place and moved there whole; in an object
store it is written to a temporary folder and uploaded, its files concurrently, or downloaded
for reading and removed after. This is how a library that reads and writes local paths
(pyarrow, pandas) meets every store, at the cost of fsspec's own ``put`` and ``get``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, types_pb2

from flyte import _storage
from flyte.errors import TypeTransformerFailedError

__all__ = [
    "dataset_files",
    "dataset_literal",
    "declared_columns",
    "new_dataset_path",
    "read_dataset",
    "require_columns",
    "write_dataset",
]


def new_dataset_path() -> str:
    """A new folder of the raw-data store for one dataset (``<prefix>/<32 hex>``, as flytekit)."""
    return _storage.new_path()


@contextmanager
def write_dataset(uri: str) -> Iterator[str]:
    """A local folder to write a dataset's files into; they appear at ``uri`` when the block
    ends without an exception, and nowhere otherwise."""
    if _storage.is_local(uri):
        target = _storage.local_path(uri)
        parent = os.path.dirname(os.path.abspath(target))
        os.makedirs(parent, exist_ok=True)
        partial = os.path.join(parent, f".{os.path.basename(target)}.{uuid.uuid4().hex[:8]}.part")
        os.mkdir(partial)
        try:
            yield partial
            os.replace(partial, target)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return
    with tempfile.TemporaryDirectory(prefix="flyte-dataset-") as folder:
        yield folder
        _storage.copy_folder(folder, uri)


@contextmanager
def read_dataset(uri: str) -> Iterator[str]:
    """The local file or folder holding the dataset at ``uri`` for the block (a download,
    removed after, when ``uri`` is in an object store)."""
    if _storage.is_local(uri):
        path = _storage.local_path(uri)
        if not os.path.exists(path):
            raise _storage.StorageError(f"cannot read the dataset at {uri}: it does not exist")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="flyte-dataset-") as folder:
        files = _storage.list_files(uri)
        root = uri.rstrip("/")
        if not files:
            raise _storage.StorageError(f"cannot read the dataset at {uri}: it does not exist")
        if files == [root]:  # a single object, not a folder
            local = os.path.join(folder, _storage.basename(root))
            _storage.get_file(root, local)
            yield local
            return
        pairs = [(f, os.path.join(folder, *_storage.relative_parts(f, root))) for f in files]
        _storage.copy_files(pairs)
        yield folder


def dataset_files(path: str) -> list[str]:
    """The data files of the local dataset at ``path``: the file itself, or the files of the
    folder at any depth, sorted, but for markers and hidden files (``_SUCCESS``, ``.crc``)."""
    if os.path.isfile(path):
        return [path]
    return sorted(
        os.path.join(folder, name)
        for folder, _, names in os.walk(path)
        for name in names
        if not name.startswith((".", "_"))
    )


def dataset_literal(
    uri: str, structured_dataset_type: types_pb2.StructuredDatasetType
) -> literals_pb2.StructuredDataset:
    """The literal of the dataset written at ``uri``, of the declared type (what an encoder
    returns)."""
    from flyteidl.core import literals_pb2

    metadata = literals_pb2.StructuredDatasetMetadata(
        structured_dataset_type=structured_dataset_type
    )
    return literals_pb2.StructuredDataset(uri=uri, metadata=metadata)


def declared_columns(metadata: literals_pb2.StructuredDatasetMetadata) -> list[str]:
    """The column names a reading task declares (a decoder reads only these); empty: all."""
    return [c.name for c in metadata.structured_dataset_type.columns]


def require_columns(uri: str, declared: Iterable[str], present: Iterable[str]) -> None:
    """Raise :class:`TypeTransformerFailedError` naming a declared column the data lacks."""
    have = list(present)
    missing = [c for c in declared if c not in have]
    if missing:
        raise TypeTransformerFailedError(
            f"the dataset at {uri} has no column {', '.join(map(repr, missing))}, which the task "
            f"declares; it has {', '.join(map(repr, have)) or 'no columns'}: fix the declared "
            f"columns (Annotated[DataFrame, {{...}}]) or the data"
        )
