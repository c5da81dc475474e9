"""pandas' DataFrame as parquet, through pyarrow: the encoder, the decoder, their registration."""

from __future__ import annotations

import os
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from flyteidl.core import literals_pb2

import pandas as pd
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

__all__ = ["PandasToParquet", "ParquetToPandas", "register"]

#: The file a dataset's folder holds, named as flytekit names it.
PART = "00000"


class PandasToParquet(DataFrameEncoder[pd.DataFrame]):
    """A pandas DataFrame, written as parquet (``<uri>/00000``, as flytekit) to any store."""

    def __init__(self) -> None:
        super().__init__(pd.DataFrame, None, PARQUET)

    async def encode(
        self, dataframe: DataFrame, structured_dataset_type: Any
    ) -> literals_pb2.StructuredDataset:
        """Write the frame under ``dataframe.uri`` or a new path of the raw-data store."""
        uri = dataframe.uri or new_dataset_path()
        table = pa.Table.from_pandas(dataframe.val)
        with write_dataset(uri) as folder:
            pq.write_table(table, os.path.join(folder, PART))
        return dataset_literal(uri, structured_dataset_type)


class ParquetToPandas(DataFrameDecoder[pd.DataFrame]):
    """A parquet dataset (a file or a folder of them) read as one pandas DataFrame: only the
    columns the task declares."""

    def __init__(self) -> None:
        super().__init__(pd.DataFrame, None, PARQUET)

    async def decode(
        self,
        flyte_value: literals_pb2.StructuredDataset,
        current_task_metadata: literals_pb2.StructuredDatasetMetadata,
    ) -> pd.DataFrame:
        """The frame."""
        columns = declared_columns(current_task_metadata)
        with read_dataset(flyte_value.uri) as path:
            if columns:
                schema = pq.read_schema(dataset_files(path)[0])
                require_columns(flyte_value.uri, columns, schema.names)
            return pq.read_table(path, columns=columns or None).to_pandas()


def register() -> None:
    """Register the encoder and decoder (the plugin's ``flyte.transformers`` entry point)."""
    DataFrameTransformerEngine.register(PandasToParquet())
    DataFrameTransformerEngine.register(ParquetToPandas())
