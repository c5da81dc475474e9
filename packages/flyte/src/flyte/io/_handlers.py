"""The abstract dataframe encoder and decoder that plugins implement (see :mod:`flyte.io.extend`).

An encoder writes a dataframe library's value (a ``pandas.DataFrame``, a ``pyarrow.Table``) to
the raw-data store and returns the StructuredDataset literal; a decoder reads one back. Both are
keyed by (Python type, protocol, format), as flyte-sdk names them: the protocol of the store
(``file``, ``s3``, ``gs``; None for every store fsspec reaches) and the storage format
(``parquet``).
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, ClassVar, TypeVar

from flyte.io._handler_registry import Handler

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, types_pb2

    from flyte.io._dataframe import DataFrame

__all__ = ["DataFrameDecoder", "DataFrameEncoder"]

T = TypeVar("T")


class DataFrameEncoder(Handler[T], abc.ABC):
    """Writes a dataframe of ``python_type`` to the store; subclasses give :meth:`encode`.

    class PandasToParquet(DataFrameEncoder[pd.DataFrame]):
        def __init__(self):
            super().__init__(pd.DataFrame, None, "parquet")

        async def encode(self, dataframe, structured_dataset_type):
            uri = dataframe.uri or flyte.io.extend.new_dataset_path()
            with flyte.io.extend.write_dataset(uri) as folder:
                ...  # write dataframe.val into folder
            return flyte.io.extend.dataset_literal(uri, structured_dataset_type)
    """

    kind: ClassVar[str] = "encoder"

    @abc.abstractmethod
    async def encode(
        self, dataframe: DataFrame, structured_dataset_type: types_pb2.StructuredDatasetType
    ) -> literals_pb2.StructuredDataset:
        """Write ``dataframe.val`` (to ``dataframe.uri`` when set, else a new path of the
        raw-data store) and return its literal; ``structured_dataset_type`` is the declared
        type (columns, format), for the literal's metadata."""


class DataFrameDecoder(Handler[T], abc.ABC):
    """Reads a StructuredDataset literal as ``python_type``; subclasses give :meth:`decode`."""

    kind: ClassVar[str] = "decoder"

    @abc.abstractmethod
    async def decode(
        self,
        flyte_value: literals_pb2.StructuredDataset,
        current_task_metadata: literals_pb2.StructuredDatasetMetadata,
    ) -> T | AsyncIterator[T]:
        """The dataset at ``flyte_value.uri`` as one value, or an async iterator of chunks.

        ``current_task_metadata`` holds the columns the reading task declares: read only
        those when there are any, and raise naming a declared column the data lacks.
        """
