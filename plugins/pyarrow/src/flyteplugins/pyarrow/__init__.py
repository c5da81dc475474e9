"""pyarrow for flyte's DataFrame: Tables and RecordBatch streams, written and read as parquet.

    import pyarrow as pa
    import flyte
    from flyte.io import DataFrame

    env = flyte.TaskEnvironment(name="arrow")

    @env.task
    def make() -> pa.Table:
        return pa.table({"id": [1, 2, 3], "score": [0.5, 0.25, 1.0]})

    @env.task
    async def top(scores: DataFrame) -> float:
        total = 0.0
        async for batch in scores.open(pa.RecordBatch).iter():   # streamed, batch by batch
            total = max(total, max(batch.column("score").to_pylist()))
        return total

    print(flyte.run(top, scores=flyte.run(make)))

The ``flyte.transformers`` entry point names :func:`register`: discovery calls it the first time
a task declares ``pa.Table`` or a DataFrame is opened as one. Importing this package registers
nothing.
"""

from flyteplugins.pyarrow.handlers import (
    ArrowToParquet,
    BatchToParquet,
    ParquetToArrow,
    ParquetToBatches,
    register,
)

__all__ = ["ArrowToParquet", "BatchToParquet", "ParquetToArrow", "ParquetToBatches", "register"]
