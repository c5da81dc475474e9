"""The transformers of ``flyte.io``'s File and Dir: flytekit's FlyteFile and FlyteDirectory blobs.

A file's literal type is ``blob{format, dimensionality: SINGLE}``, a folder's the same with
``MULTIPART``; the literal is ``scalar.blob{metadata.type, uri}``. The format comes from the
declared type (``File[TypeVar("csv")]``), as flytekit takes it. Union variants are tagged with
flytekit's transformer names, ``FlyteFilePath`` and ``FlyteDirectory``.
"""

from __future__ import annotations

from typing import Any, ForwardRef, TypeVar, get_args

from flyteidl.core import literals_pb2, types_pb2

from flyte._storage import StorageError
from flyte.errors import TypeTransformerFailedError
from flyte.io._dir import Dir
from flyte.io._file import File
from flyte.io._stored import in_store
from flyte.io._threads import in_thread
from flyte.types._errors import mismatch
from flyte.types._transformer import TypeTransformer

__all__ = ["DirTransformer", "FileTransformer", "format_of"]

_SINGLE = types_pb2.BlobType.BlobDimensionality.SINGLE
_MULTIPART = types_pb2.BlobType.BlobDimensionality.MULTIPART


def format_of(python_type: Any) -> str:
    """The format ``File[TypeVar("csv")]``, ``File["csv"]`` or ``Dir[...]`` declares; ``""``."""
    args = get_args(python_type)
    if not args:
        return ""
    arg = args[0]
    if isinstance(arg, TypeVar):
        return arg.__name__
    if isinstance(arg, ForwardRef):
        return arg.__forward_arg__
    return arg if isinstance(arg, str) else ""


class _BlobTransformer(TypeTransformer[Any]):
    """What File and Dir share: the blob's literal type, the upload, the reading of a literal."""

    dimensionality: int = _SINGLE
    kind: type[File[Any]] | type[Dir[Any]] = File

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """``blob{format, dimensionality}``."""
        blob = types_pb2.BlobType(format=format_of(t), dimensionality=self.dimensionality)
        return types_pb2.LiteralType(blob=blob)

    def assert_type(self, t: Any, v: Any) -> None:
        """A value of the kind, or a path of one."""
        if not isinstance(v, (self.kind, str)):
            raise mismatch(t, v)

    async def to_literal(
        self, python_val: Any, python_type: Any, expected: types_pb2.LiteralType
    ) -> literals_pb2.Literal:
        """The blob literal of ``python_val``, uploaded first if it is only on this machine."""
        if isinstance(python_val, str):
            python_val = self.kind(python_val)
        self.assert_type(python_type, python_val)
        try:
            uri = await in_thread(python_val._uri_in_store)
        except StorageError as exc:
            raise TypeTransformerFailedError(str(exc)) from exc
        blob_type = self.get_literal_type(python_type).blob
        blob = literals_pb2.Blob(metadata=literals_pb2.BlobMetadata(type=blob_type), uri=uri)
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(blob=blob))

    async def to_python_value(self, lv: literals_pb2.Literal, expected_python_type: Any) -> Any:
        """A reference to the blob's data: nothing is downloaded."""
        if lv.WhichOneof("value") != "scalar" or lv.scalar.WhichOneof("value") != "blob":
            raise TypeTransformerFailedError(
                f"expected a blob literal for {self.kind.__name__}, got {lv.WhichOneof('value')}"
            )
        blob = lv.scalar.blob
        if blob.metadata.type.dimensionality != self.dimensionality:
            other = "a folder (multipart)" if self.dimensionality == _SINGLE else "a single file"
            raise TypeTransformerFailedError(
                f"the blob at {blob.uri} is {other}, not a {self.kind.__name__}"
            )
        fmt = blob.metadata.type.format or format_of(expected_python_type)
        made = self.kind(blob.uri, format=fmt)
        made._in_store = in_store(blob.uri)
        return made

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """The kind, with the literal type's format as a TypeVar when it has one."""
        fmt = literal_type.blob.format
        kind: Any = self.kind
        return kind[TypeVar(fmt)] if fmt else kind


class FileTransformer(_BlobTransformer):
    """flyte.io.File as flytekit's FlyteFile blob."""

    dimensionality = _SINGLE
    kind = File

    def __init__(self) -> None:
        super().__init__(name="FlyteFilePath", t=File)


class DirTransformer(_BlobTransformer):
    """flyte.io.Dir as flytekit's FlyteDirectory blob (multipart)."""

    dimensionality = _MULTIPART
    kind = Dir

    def __init__(self) -> None:
        super().__init__(name="FlyteDirectory", t=Dir)
