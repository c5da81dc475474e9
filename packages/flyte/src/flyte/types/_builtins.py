"""The built-in transformers, registered when ``flyte.types`` is imported.

Also which of them reads a literal type by its shape, for
:meth:`TypeEngine.guess_python_type` when no structure tag names a transformer.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, Literal, Union

from flyteidl.core import types_pb2

from flyte.io._dataframe import DataFrame
from flyte.io._dir import Dir
from flyte.io._file import File
from flyte.types._collections import DictTransformer, ListTransformer
from flyte.types._dataframes import ENGINE, dataframe_reference, missing_plugin_hint
from flyte.types._engine import _transformers, add_miss_hint, add_shape_reader
from flyte.types._enums import EnumTransformer, LiteralTypeTransformer
from flyte.types._io import DirTransformer, FileTransformer
from flyte.types._keys import DATACLASS, PICKLED, PYDANTIC_MODEL
from flyte.types._pickle import PickleTransformer
from flyte.types._primitives import (
    BoolTransformer,
    BytesTransformer,
    DatetimeTransformer,
    DateTransformer,
    FloatTransformer,
    IntTransformer,
    NoneTransformer,
    StrTransformer,
    TimedeltaTransformer,
)
from flyte.types._references import add_reference
from flyte.types._structs import DataclassTransformer, PydanticTransformer, TupleTransformer
from flyte.types._transformer import TypeTransformer
from flyte.types._union import UnionTransformer

__all__ = ["register_builtins", "transformer_for_shape"]

_INT = IntTransformer()
_FLOAT = FloatTransformer()
_STR = StrTransformer()
_BOOL = BoolTransformer()
_DATETIME = DatetimeTransformer()
_DURATION = TimedeltaTransformer()
_NONE = NoneTransformer()
_BYTES = BytesTransformer()
_LIST = ListTransformer()
_DICT = DictTransformer()
_UNION = UnionTransformer()
_ENUM = EnumTransformer()
_LITERAL = LiteralTypeTransformer()
_DATACLASS = DataclassTransformer()
_TUPLE = TupleTransformer()
_FILE = FileTransformer()
_DIR = DirTransformer()

_BY_KEY: dict[Any, TypeTransformer[Any]] = {
    bool: _BOOL,
    int: _INT,
    float: _FLOAT,
    str: _STR,
    bytes: _BYTES,
    type(None): _NONE,
    datetime.datetime: _DATETIME,
    datetime.date: DateTransformer(),
    datetime.timedelta: _DURATION,
    list: _LIST,
    dict: _DICT,
    tuple: _TUPLE,
    Union: _UNION,
    Literal: _LITERAL,
    enum.Enum: _ENUM,
    DATACLASS: _DATACLASS,
    PYDANTIC_MODEL: PydanticTransformer(),
    PICKLED: PickleTransformer(),
    File: _FILE,
    Dir: _DIR,
    DataFrame: ENGINE,
}

_SIMPLE: dict[int, TypeTransformer[Any]] = {
    types_pb2.SimpleType.INTEGER: _INT,
    types_pb2.SimpleType.FLOAT: _FLOAT,
    types_pb2.SimpleType.STRING: _STR,
    types_pb2.SimpleType.BOOLEAN: _BOOL,
    types_pb2.SimpleType.DATETIME: _DATETIME,
    types_pb2.SimpleType.DURATION: _DURATION,
    types_pb2.SimpleType.NONE: _NONE,
    types_pb2.SimpleType.BINARY: _BYTES,
}


def register_builtins() -> None:
    """Register every built-in transformer under its key (as user code: plugins defer to them)."""
    for key, transformer in _BY_KEY.items():
        _transformers.add(key, transformer)
    add_shape_reader(transformer_for_shape)
    add_miss_hint(missing_plugin_hint)
    add_reference(DataFrame, dataframe_reference)


def transformer_for_shape(literal_type: types_pb2.LiteralType) -> TypeTransformer[Any] | None:
    """The built-in transformer that reads a literal type of this shape, if any."""
    if "literal_values" in literal_type.annotation.annotations:
        return _LITERAL
    kind = literal_type.WhichOneof("type")
    if kind == "structured_dataset_type":
        return ENGINE
    if kind == "blob":
        return _DIR if literal_type.blob.dimensionality == types_pb2.BlobType.MULTIPART else _FILE
    if kind == "simple":
        if literal_type.simple == types_pb2.SimpleType.STRUCT:
            schema_type = literal_type.metadata.fields.get("type")
            if schema_type is not None and schema_type.string_value == "array":
                return _TUPLE
            return _DATACLASS if "properties" in literal_type.metadata.fields else _DICT
        return _SIMPLE.get(literal_type.simple)
    return {
        "collection_type": _LIST,
        "map_value_type": _DICT,
        "union_type": _UNION,
        "enum_type": _ENUM,
    }.get(kind or "")
