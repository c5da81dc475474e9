"""The seam for dataframe plugins: encoders, decoders, and where they read and write.

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    from flyte.io.extend import (DataFrameEncoder, DataFrameTransformerEngine, dataset_literal,
                                 new_dataset_path, write_dataset)

    class PandasToParquet(DataFrameEncoder[pd.DataFrame]):
        def __init__(self):
            super().__init__(pd.DataFrame, None, "parquet")      # every store, parquet

        async def encode(self, dataframe, structured_dataset_type):
            uri = dataframe.uri or new_dataset_path()
            with write_dataset(uri) as folder:                  # published at uri when whole
                pq.write_table(pa.Table.from_pandas(dataframe.val), f"{folder}/00000")
            return dataset_literal(uri, structured_dataset_type)

    def register():                                              # the plugin's entry point
        DataFrameTransformerEngine.register(PandasToParquet())

Handlers are keyed by (Python type, protocol, format), as flyte-sdk's are. A plugin declares a
zero-argument callable that registers them under the ``flyte.transformers`` entry points; it is
called on the first miss (a task that declares the type, a ``DataFrame`` opened as it).
"""

from flyte.io._datasets import (
    dataset_files,
    dataset_literal,
    declared_columns,
    new_dataset_path,
    read_dataset,
    require_columns,
    write_dataset,
)
from flyte.io._handlers import DataFrameDecoder, DataFrameEncoder
from flyte.types._dataframes import DataFrameTransformerEngine

__all__ = [
    "DataFrameDecoder",
    "DataFrameEncoder",
    "DataFrameTransformerEngine",
    "dataset_files",
    "dataset_literal",
    "declared_columns",
    "new_dataset_path",
    "read_dataset",
    "require_columns",
    "write_dataset",
]
