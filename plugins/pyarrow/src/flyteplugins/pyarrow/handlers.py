"""pyarrow's Table and RecordBatch as parquet: the encoders and decoders, and their registration."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from flyteidl.core import literals_pb2, types_pb2

import pyarrow as pa
import pyarrow.parquet as pq
from flyte.io import PARQUET, DataFrame
from flyte.io.extend import (
    DataFrameDecoder,
    DataFrameEncoder,
    DataFrameTransformerEngine,
    dataset_files,
    dataset_literal,
    declared_columns,
    new_dataset_path,
    read_dataset,
    require_columns,
    write_dataset,
)

__all__ = [
    "ArrowToParquet",
    "BatchToParquet",
    "ParquetToArrow",
    "ParquetToBatches",
    "read_table",
    "register",
    "write_table",
]

#: The file a dataset's folder holds, named as flytekit names it.
PART = "00000"

T = TypeVar("T")


def write_table(
    table: pa.Table, uri: str, dataset_type: types_pb2.StructuredDatasetType
) -> literals_pb2.StructuredDataset:
    """Write ``table`` as the parquet dataset ``<uri>/00000``; return its literal."""
    with write_dataset(uri) as folder:
        pq.write_table(table, os.path.join(folder, PART))
    return dataset_literal(uri, dataset_type)


def read_table(
    dataset: literals_pb2.StructuredDataset, metadata: literals_pb2.StructuredDatasetMetadata
) -> pa.Table:
    """The parquet dataset (a file or a folder of files) as one Table, only the declared columns."""
    columns = declared_columns(metadata)
    with read_dataset(dataset.uri) as path:
        if columns:
            schema = pq.read_schema(dataset_files(path)[0])
            require_columns(dataset.uri, columns, schema.names)
        return pq.read_table(path, columns=columns or None)


class _ToParquet(DataFrameEncoder[T]):
    """A value of ``python_type``, made a Table by ``to_table`` and written as parquet."""

    def __init__(self, python_type: type[T], to_table: Callable[[T], pa.Table]) -> None:
        super().__init__(python_type, None, PARQUET)
        self._to_table = to_table

    async def encode(
        self, dataframe: DataFrame, structured_dataset_type: Any
    ) -> literals_pb2.StructuredDataset:
        """Write the value under ``dataframe.uri`` or a new path of the raw-data store."""
        table = self._to_table(dataframe.val)
        return write_table(table, dataframe.uri or new_dataset_path(), structured_dataset_type)


class ArrowToParquet(_ToParquet[pa.Table]):
    """A pyarrow Table, written as parquet to any store."""

    def __init__(self) -> None:
        super().__init__(pa.Table, lambda table: table)


class BatchToParquet(_ToParquet[pa.RecordBatch]):
    """A pyarrow RecordBatch, written as a one-batch parquet Table."""

    def __init__(self) -> None:
        super().__init__(pa.RecordBatch, lambda batch: pa.Table.from_batches([batch]))


class ParquetToArrow(DataFrameDecoder[pa.Table]):
    """A parquet dataset read whole as a pyarrow Table (only the declared columns)."""

    def __init__(self) -> None:
        super().__init__(pa.Table, None, PARQUET)

    async def decode(
        self,
        flyte_value: literals_pb2.StructuredDataset,
        current_task_metadata: literals_pb2.StructuredDatasetMetadata,
    ) -> pa.Table:
        """The Table."""
        return read_table(flyte_value, current_task_metadata)


class ParquetToBatches(DataFrameDecoder[pa.RecordBatch]):
    """A parquet dataset streamed as RecordBatches: ``df.open(pa.RecordBatch).iter()``."""

    def __init__(self, batch_size: int = 65536) -> None:
        super().__init__(pa.RecordBatch, None, PARQUET)
        self.batch_size = batch_size

    async def decode(
        self,
        flyte_value: literals_pb2.StructuredDataset,
        current_task_metadata: literals_pb2.StructuredDatasetMetadata,
    ) -> AsyncIterator[pa.RecordBatch]:
        """The batches, file after file, of at most ``batch_size`` rows."""
        columns = declared_columns(current_task_metadata)
        uri = flyte_value.uri

        async def batches() -> AsyncIterator[pa.RecordBatch]:
            with read_dataset(uri) as path:
                for part in dataset_files(path):
                    parquet = pq.ParquetFile(part)
                    if columns:
                        require_columns(uri, columns, parquet.schema_arrow.names)
                    for batch in parquet.iter_batches(
                        batch_size=self.batch_size, columns=columns or None
                    ):
                        yield batch

        return batches()


def register() -> None:
    """Register the encoders and decoders (the plugin's ``flyte.transformers`` entry point)."""
    for handler in (ArrowToParquet(), BatchToParquet(), ParquetToArrow(), ParquetToBatches()):
        DataFrameTransformerEngine.register(handler)
