"""pyarrow Tables and RecordBatches through tasks: parquet in a local folder and in an S3 bucket."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flyte
from flyte.io import DataFrame
from flyte.types import TypeEngine, TypeTransformerFailedError

TABLE = pa.table(
    {"id": [1, 2, 3, 4, 5], "name": list("abcde"), "score": [0.5, 0.25, 1.0, 2.0, 0.0]}
)
env = flyte.TaskEnvironment(name="arrow")


@env.task
def make() -> pa.Table:
    return TABLE


@env.task
def scores_only(table: Annotated[pa.Table, {"id": int, "score": float}]) -> list[str]:
    return table.column_names


@env.task
async def batch_sizes(frame: DataFrame) -> list[int]:
    return [len(batch) async for batch in frame.open(pa.RecordBatch).iter()]


def test_a_table_crosses_tasks_as_flytekits_parquet_dataset(raw_prefix: str) -> None:
    table = flyte.run(make)
    assert table.equals(TABLE)
    literal = TypeEngine.to_literal_sync(TABLE, pa.Table)
    dataset = literal.scalar.structured_dataset
    assert dataset.uri.startswith(raw_prefix)
    assert dataset.metadata.structured_dataset_type.format == "parquet"
    frame = TypeEngine.to_python_value_sync(literal, DataFrame)
    assert frame.open(pa.Table).all_sync().equals(TABLE)


def test_a_decoder_reads_only_the_declared_columns(raw_prefix: str) -> None:
    assert flyte.run(scores_only, table=TABLE) == ["id", "score"]


def test_record_batches_stream(raw_prefix: str) -> None:
    from flyte.io.extend import DataFrameTransformerEngine
    from flyteplugins.pyarrow import ParquetToBatches

    DataFrameTransformerEngine.register(ParquetToBatches(batch_size=2), override=True)
    assert flyte.run(batch_sizes, frame=DataFrame.from_df(TABLE)) == [2, 2, 1]
    batch = TABLE.to_batches()[0]
    literal = TypeEngine.to_literal_sync(batch, pa.RecordBatch)
    assert (
        TypeEngine.to_python_value_sync(literal, DataFrame).open(pa.Table).all_sync().equals(TABLE)
    )


def test_a_declared_column_the_data_lacks_is_named(raw_prefix: str) -> None:
    literal = TypeEngine.to_literal_sync(TABLE, pa.Table)
    with pytest.raises(
        TypeTransformerFailedError, match=r"no column 'age'.*it has 'id', 'name', 'score'"
    ):
        TypeEngine.to_python_value_sync(literal, Annotated[pa.Table, {"id": int, "age": int}])


def test_a_parquet_file_given_by_path_is_read(raw_prefix: str, tmp_path: Path) -> None:
    local = tmp_path / "given.parquet"
    pq.write_table(TABLE, local)
    frame = DataFrame(uri=str(local))
    literal = TypeEngine.to_literal_sync(frame, DataFrame)  # uploaded: it was only on this machine
    assert literal.scalar.structured_dataset.uri.startswith(raw_prefix)
    assert os.path.basename(literal.scalar.structured_dataset.uri) == "given.parquet"
    back = TypeEngine.to_python_value_sync(literal, Annotated[pa.Table, {"name": str}])
    assert back.column_names == ["name"]
