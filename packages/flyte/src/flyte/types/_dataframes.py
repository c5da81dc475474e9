"""The DataFrame transformer: any dataframe type a plugin handles, as flytekit's StructuredDataset.

The literal type is ``structured_dataset_type{columns, format}``: the columns a task declares
(``Annotated[DataFrame, {"id": int, "score": float}]``, the same for a library's type), written
as flytekit writes ``kwtypes``, and the format (``""`` unless declared). The literal is
``scalar.structured_dataset{uri, metadata}`` with the encoder's format (``parquet``). Encoders
and decoders (:mod:`flyte.io._handlers`) do the writing and reading; this transformer chooses
them by the value's type, the store's protocol and the format, and is registered for every type
a handler is registered for. Union variants are tagged ``StructuredDataset Transformer``, as
flytekit's.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import AsyncIterator
from typing import Annotated, Any, get_args, get_origin

from flyteidl.core import literals_pb2, types_pb2

from flyte import _storage
from flyte.errors import TypeTransformerFailedError
from flyte.io._dataframe import PARQUET, DataFrame
from flyte.io._datasets import dataset_literal
from flyte.io._dir import Dir
from flyte.io._file import File
from flyte.io._handler_registry import handlers, plugins_for
from flyte.io._handlers import DataFrameDecoder, DataFrameEncoder
from flyte.io._stored import in_store
from flyte.io._threads import in_thread, run_in_loop
from flyte.types._engine import TypeEngine
from flyte.types._references import Reference
from flyte.types._transformer import TypeTransformer

__all__ = [
    "ENGINE",
    "DataFrameTransformerEngine",
    "annotation_of",
    "dataframe_reference",
    "missing_plugin_hint",
]

_COLUMN_TYPES: dict[Any, types_pb2.LiteralType] = {
    int: types_pb2.LiteralType(simple=types_pb2.INTEGER),
    float: types_pb2.LiteralType(simple=types_pb2.FLOAT),
    str: types_pb2.LiteralType(simple=types_pb2.STRING),
    bool: types_pb2.LiteralType(simple=types_pb2.BOOLEAN),
    datetime.datetime: types_pb2.LiteralType(simple=types_pb2.DATETIME),
    datetime.date: types_pb2.LiteralType(simple=types_pb2.DATETIME),
    datetime.timedelta: types_pb2.LiteralType(simple=types_pb2.DURATION),
}


def annotation_of(python_type: Any) -> tuple[Any, dict[str, Any], str]:
    """The dataframe type, its declared columns (flattened as flytekit does: ``a.b``) and format."""
    if get_origin(python_type) is not Annotated:
        return python_type, {}, ""
    base, *marks = get_args(python_type)
    columns: dict[str, Any] = {}
    fmt = ""
    for mark in marks:
        if isinstance(mark, dict):
            columns.update(_flatten(mark))
        elif isinstance(mark, str):
            fmt = mark
    return base, columns, fmt


def _flatten(columns: dict[str, Any], parent: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, column_type in columns.items():
        key = f"{parent}.{name}" if parent else str(name)
        if isinstance(column_type, dict):
            flat.update(_flatten(column_type, key))
        else:
            flat[key] = column_type
    return flat


def _column_type(name: str, column_type: Any) -> types_pb2.LiteralType:
    if column_type in _COLUMN_TYPES:
        copy = types_pb2.LiteralType()
        copy.CopyFrom(_COLUMN_TYPES[column_type])
        return copy
    origin, args = get_origin(column_type), get_args(column_type)
    if origin is list and args:
        return types_pb2.LiteralType(collection_type=_column_type(name, args[0]))
    if origin is dict and len(args) == 2:
        return types_pb2.LiteralType(map_value_type=_column_type(name, args[1]))
    raise TypeTransformerFailedError(
        f"the column {name!r} is declared as {getattr(column_type, '__qualname__', column_type)}: "
        f"a column is int, float, str, bool, datetime, date, timedelta, or a list or dict of them"
    )


def _dataset_type(python_type: Any) -> types_pb2.StructuredDatasetType:
    _, columns, fmt = annotation_of(python_type)
    return types_pb2.StructuredDatasetType(
        columns=[
            types_pb2.StructuredDatasetType.DatasetColumn(
                name=name, literal_type=_column_type(name, t)
            )
            for name, t in columns.items()
        ],
        format=fmt,
    )


class DataFrameTransformerEngine(TypeTransformer[DataFrame]):
    """Converts DataFrame and every dataframe type a handler is registered for.

    Register encoders and decoders with :meth:`register`; plugins do it from a callable they
    declare under ``flyte.transformers``, found on the first miss.
    """

    def __init__(self) -> None:
        super().__init__(name="StructuredDataset Transformer", t=DataFrame)

    @classmethod
    def register(
        cls,
        handler: DataFrameEncoder[Any] | DataFrameDecoder[Any],
        default_for_type: bool = False,
        override: bool = False,
        default_format_for_type: bool = False,
        default_storage_for_type: bool = False,
    ) -> None:
        """Register an encoder or decoder under (its Python type, protocol, format), and this
        transformer for its Python type.

        The first format registered for a type is the one a value is written in when no format
        is declared; the ``default_*`` flags are accepted for flyte-sdk's signature. Raises
        :class:`flyte.errors.RegistrationError` when user code registers a taken key again
        without ``override``.
        """
        handlers.add_handler(handler, override=override)
        TypeEngine.register_additional_type(ENGINE, handler.python_type)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """``structured_dataset_type`` with the declared columns and format."""
        return types_pb2.LiteralType(structured_dataset_type=_dataset_type(t))

    def assert_type(self, t: Any, v: Any) -> None:
        """Any value: the encoder that handles its type decides."""

    async def to_literal(
        self, python_val: Any, python_type: Any, expected: types_pb2.LiteralType
    ) -> literals_pb2.Literal:
        """The StructuredDataset literal of ``python_val``: encoded by its type's encoder, or,
        for a DataFrame already in a store, its reference (never copied)."""
        declared = types_pb2.StructuredDatasetType()
        if expected.HasField("structured_dataset_type"):
            declared.CopyFrom(expected.structured_dataset_type)
        else:
            declared.CopyFrom(_dataset_type(python_type))
        if isinstance(python_val, DataFrame) and python_val.val is None:
            return _scalar(await in_thread(_reference, python_val, declared))
        frame = python_val if isinstance(python_val, DataFrame) else DataFrame.from_df(python_val)
        where = frame._uri or _storage.raw_data_prefix()
        encoder = handlers.find(
            "encoder", type(frame.val), _storage.protocol(where), declared.format
        )
        try:
            dataset = await encoder.encode(frame, declared)  # type: ignore[attr-defined]
        except _storage.StorageError as exc:
            raise TypeTransformerFailedError(str(exc)) from exc
        if not dataset.metadata.HasField("structured_dataset_type"):
            dataset.metadata.structured_dataset_type.CopyFrom(declared)
        if encoder.supported_format:
            dataset.metadata.structured_dataset_type.format = encoder.supported_format
        frame._literal, frame._in_store = dataset, True
        return _scalar(dataset)

    async def to_python_value(self, lv: literals_pb2.Literal, expected_python_type: Any) -> Any:
        """A DataFrame reference (nothing read), or, for a library's type, the decoded value."""
        if (
            lv.WhichOneof("value") != "scalar"
            or lv.scalar.WhichOneof("value") != "structured_dataset"
        ):
            raise TypeTransformerFailedError(
                f"expected a structured_dataset literal, got {lv.WhichOneof('value')}"
            )
        incoming = lv.scalar.structured_dataset
        base, columns, _ = annotation_of(expected_python_type)
        current = types_pb2.StructuredDatasetType()
        current.CopyFrom(incoming.metadata.structured_dataset_type)
        if columns:
            del current.columns[:]
            current.columns.extend(_dataset_type(expected_python_type).columns)
        metadata = literals_pb2.StructuredDatasetMetadata(structured_dataset_type=current)
        if isinstance(base, type) and issubclass(base, DataFrame):
            frame = base(uri=incoming.uri, format=current.format)
            frame._literal, frame._metadata = incoming, metadata
            frame._in_store = in_store(incoming.uri)
            return frame
        result = await handlers.decode(base, incoming, metadata)
        if isinstance(result, AsyncIterator):
            raise TypeTransformerFailedError(
                f"the decoder of {getattr(base, '__qualname__', base)} reads chunks: declare the "
                f"input as flyte.io.DataFrame and read it with .iter()"
            )
        return result

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """DataFrame: which library's type wrote the data is not in the literal type."""
        return DataFrame


def _reference(
    frame: DataFrame, declared: types_pb2.StructuredDatasetType
) -> literals_pb2.StructuredDataset:
    """The literal of a DataFrame that holds no dataframe: uploaded first if only local."""
    uri = frame.uri
    if not uri:
        raise TypeTransformerFailedError(
            "a DataFrame needs a dataframe (DataFrame.from_df) or data in a store "
            "(DataFrame.from_existing_remote)"
        )
    stored = frame._in_store or in_store(uri)
    if frame._literal is not None and stored:
        return frame._literal
    if not stored:
        uri = _upload(uri)
    dataset_type = types_pb2.StructuredDatasetType()
    dataset_type.CopyFrom(declared)
    dataset_type.format = declared.format or frame.format or PARQUET
    return dataset_literal(uri, dataset_type)


def _upload(local: str) -> str:
    """Upload a local dataset (a file or a folder) to a new path of the raw-data store."""
    source = _storage.local_path(local)
    kind: type[File[Any]] | type[Dir[Any]] = Dir if os.path.isdir(source) else File
    return kind.from_local_sync(source).path


def _scalar(dataset: literals_pb2.StructuredDataset) -> literals_pb2.Literal:
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(structured_dataset=dataset))


def missing_plugin_hint(python_type: Any) -> str:
    """For a library's dataframe type with no transformer: the plugin that handles it."""
    base = annotation_of(python_type)[0]
    plugin = plugins_for(base)
    return f"; {plugin} encodes and decodes it: pip install {plugin}" if plugin else ""


_SCHEMA = {
    "title": "StructuredDataset",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "uri": {"default": None, "anyOf": [{"type": "string"}, {"type": "null"}]},
        "file_format": {"default": "", "anyOf": [{"type": "string"}, {"type": "null"}]},
    },
}


def dataframe_reference(python_type: Any) -> Reference:
    """A DataFrame inside a dataclass, as flytekit writes a StructuredDataset there."""

    def encode(value: Any) -> Any:
        if not isinstance(value, DataFrame):
            raise TypeError(f"expected a DataFrame, got {type(value).__name__}")
        literal = run_in_loop(
            ENGINE.to_literal(value, python_type, ENGINE.get_literal_type(python_type))
        )
        dataset = literal.scalar.structured_dataset
        return {"uri": dataset.uri, "file_format": dataset.metadata.structured_dataset_type.format}

    def decode(value: Any) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get("uri"), str):
            raise TypeError(
                f"expected {{'uri': URI, 'file_format': ...}} for a DataFrame, got {value!r}"
            )
        frame = DataFrame(uri=value["uri"], format=value.get("file_format") or PARQUET)
        frame._in_store = in_store(value["uri"])
        return frame

    return Reference(encode, decode, _SCHEMA)


#: The one DataFrame transformer, registered for DataFrame and every handled dataframe type.
ENGINE = DataFrameTransformerEngine()
