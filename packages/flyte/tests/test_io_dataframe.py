"""flyte.io.DataFrame and the seam flyte.io.extend, with a dataframe type of the test's own (rows
written as CSV), so that the core is tested without any dataframe library."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import types
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from flyteidl.core import literals_pb2, types_pb2

import flyte
from flyte.errors import TaskInputError, TypeTransformerFailedError
from flyte.io import DataFrame
from flyte.io.extend import (
    DataFrameDecoder,
    DataFrameEncoder,
    DataFrameTransformerEngine,
    dataset_files,
    dataset_literal,
    new_dataset_path,
    read_dataset,
    write_dataset,
)
from flyte.types import TypeEngine


class Rows(list):  # type: ignore[type-arg]
    """A toy dataframe: a list of dicts of strings."""


class RowChunk(list):  # type: ignore[type-arg]
    """A chunk of rows, for a decoder that streams."""


class RowsToCsv(DataFrameEncoder[Rows]):
    def __init__(self) -> None:
        super().__init__(Rows, None, "csv")

    async def encode(self, dataframe: DataFrame, structured_dataset_type: Any) -> Any:
        uri = dataframe.uri or new_dataset_path()
        rows: Rows = dataframe.val
        with (
            write_dataset(uri) as folder,
            open(os.path.join(folder, "00000"), "w", newline="") as f,
        ):
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return literals_pb2.StructuredDataset(uri=uri)


def _read(uri: str, columns: list[str]) -> list[dict[str, str]]:
    with read_dataset(uri) as path:
        target = os.path.join(path, "00000") if os.path.isdir(path) else path
        with open(target, newline="") as f:
            rows = list(csv.DictReader(f))
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing:
        raise ValueError(f"the dataset at {uri} has no column {missing[0]!r}")
    return [{c: r[c] for c in columns} if columns else r for r in rows]


class CsvToRows(DataFrameDecoder[Rows]):
    def __init__(self) -> None:
        super().__init__(Rows, None, "csv")

    async def decode(self, flyte_value: Any, current_task_metadata: Any) -> Rows:
        columns = [c.name for c in current_task_metadata.structured_dataset_type.columns]
        return Rows(_read(flyte_value.uri, columns))


class CsvToChunks(DataFrameDecoder[RowChunk]):
    def __init__(self) -> None:
        super().__init__(RowChunk, None, "csv")

    async def decode(self, flyte_value: Any, current_task_metadata: Any) -> AsyncIterator[RowChunk]:
        rows = _read(flyte_value.uri, [])

        async def chunks() -> AsyncIterator[RowChunk]:
            for i in range(0, len(rows), 2):
                yield RowChunk(rows[i : i + 2])

        return chunks()


def register_rows() -> None:
    """The test plugin's entry point: a callable that registers its handlers."""
    for handler in (RowsToCsv(), CsvToRows(), CsvToChunks()):
        DataFrameTransformerEngine.register(handler)


ROWS = Rows(
    [
        {"id": "1", "name": "a", "score": "0.5"},
        {"id": "2", "name": "b", "score": "0.25"},
        {"id": "3", "name": "c", "score": "1"},
    ]
)
Scores = Annotated[DataFrame, {"id": int, "score": float}]
env = flyte.TaskEnvironment(name="frames")


@pytest.fixture
def rows_registered() -> None:
    register_rows()


def test_literal_types_are_flytekits_structured_datasets() -> None:
    assert TypeEngine.to_literal_type(DataFrame) == types_pb2.LiteralType(
        structured_dataset_type=types_pb2.StructuredDatasetType()
    )
    columns = TypeEngine.to_literal_type(
        Annotated[DataFrame, {"id": int, "tags": list[str]}, "parquet"]
    )
    assert [c.name for c in columns.structured_dataset_type.columns] == ["id", "tags"]
    assert (
        columns.structured_dataset_type.columns[1].literal_type.collection_type.simple
        == types_pb2.STRING
    )
    assert columns.structured_dataset_type.format == "parquet"
    assert TypeEngine.guess_python_type(columns) is DataFrame
    union = TypeEngine.to_literal_type(DataFrame | None).union_type.variants
    assert union[0].structure.tag == "StructuredDataset Transformer"


def test_a_datasets_files_are_its_data_not_its_markers(tmp_path: Path) -> None:
    """A dataset is a file, or a folder of files at any depth; ``_SUCCESS``-like markers and
    hidden files (``.crc``) are not data."""
    for name in ["b/00001", "a/00000", "00002", "_SUCCESS", ".00000.crc", "b/_committed"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert dataset_files(str(tmp_path)) == [
        str(tmp_path / "00002"),
        str(tmp_path / "a" / "00000"),
        str(tmp_path / "b" / "00001"),
    ]
    assert dataset_files(str(tmp_path / "00002")) == [str(tmp_path / "00002")]


def test_an_encoders_literal_is_the_dataset_and_the_declared_type() -> None:
    declared = TypeEngine.to_literal_type(Annotated[DataFrame, {"id": int}, "csv"])
    literal = dataset_literal("s3://bucket/0123", declared.structured_dataset_type)
    assert literal == literals_pb2.StructuredDataset(
        uri="s3://bucket/0123",
        metadata=literals_pb2.StructuredDatasetMetadata(
            structured_dataset_type=declared.structured_dataset_type
        ),
    )


def test_a_column_of_an_unknown_type_is_named() -> None:
    with pytest.raises(TypeTransformerFailedError, match="the column 'when' is declared as"):
        TypeEngine.to_literal_type(Annotated[DataFrame, {"when": complex}])


@env.task
async def top_score(scores: Scores) -> str:
    assert scores.columns == ["id", "score"]
    rows = await scores.open(Rows).all()
    assert list(rows[0]) == ["id", "score"]  # only the declared columns were read
    return max(rows, key=lambda r: float(r["score"]))["id"]


@env.task
def pass_frame(df: DataFrame) -> DataFrame:
    return df


def test_a_frame_written_by_one_task_is_read_by_the_next(
    raw_prefix: str, rows_registered: None
) -> None:
    frame = flyte.run(pass_frame, df=DataFrame.from_df(ROWS))
    assert frame.uri.startswith(raw_prefix)
    assert frame.format == "csv"
    assert flyte.run(pass_frame, df=frame).uri == frame.uri  # in the store: never copied

    @env.task
    def make_rows() -> Rows:
        return ROWS

    literal = TypeEngine.to_literal_sync(flyte.run(make_rows), Rows)
    assert literal.scalar.structured_dataset.metadata.structured_dataset_type.format == "csv"
    assert flyte.run(top_score, scores=frame) == "3"


async def test_iter_reads_in_chunks_and_all_refuses_a_stream(
    raw_prefix: str, rows_registered: None
) -> None:
    literal = await TypeEngine.to_literal(DataFrame.from_df(ROWS), DataFrame)
    frame = await TypeEngine.to_python_value(literal, DataFrame)
    chunks = [chunk async for chunk in frame.open(RowChunk).iter()]
    assert [len(c) for c in chunks] == [2, 1]
    with pytest.raises(TypeTransformerFailedError, match=r"\.iter\(\)"):
        await frame.open(RowChunk).all()
    assert len(frame.open(Rows).all_sync()) == 3
    assert [len(c) for c in frame.open(RowChunk).iter_sync()] == [2, 1]  # a loop runs here


def test_a_declared_column_the_data_lacks_is_named(raw_prefix: str, rows_registered: None) -> None:
    frame = TypeEngine.to_python_value_sync(
        TypeEngine.to_literal_sync(DataFrame.from_df(ROWS), DataFrame),
        Annotated[DataFrame, {"id": int, "age": int}],
    )
    with pytest.raises(ValueError, match="has no column 'age'"):
        frame.open(Rows).all_sync()


def test_a_dataset_that_is_not_there_is_named_however_it_is_read(
    raw_prefix: str, rows_registered: None
) -> None:
    missing = new_dataset_path()
    frame = DataFrame.from_existing_remote(missing, format="csv")
    with pytest.raises(TypeTransformerFailedError, match=f"{missing}: it does not exist"):
        frame.open(Rows).all_sync()
    literal = TypeEngine.to_literal_sync(frame, DataFrame)
    with pytest.raises(TypeTransformerFailedError, match=f"{missing}: it does not exist"):
        TypeEngine.to_python_value_sync(literal, Rows)


def test_a_local_dataset_given_by_path_is_uploaded(
    raw_prefix: str, rows_registered: None, tmp_path: Path
) -> None:
    local = tmp_path / "scores.csv"
    local.write_text("id,score\n7,2.5\n")
    literal = TypeEngine.to_literal_sync(DataFrame(uri=str(local), format="csv"), DataFrame)
    assert literal.scalar.structured_dataset.uri.startswith(raw_prefix)
    frame = TypeEngine.to_python_value_sync(literal, DataFrame)
    assert frame.open(Rows).all_sync() == [{"id": "7", "score": "2.5"}]


def test_a_type_no_plugin_encodes_names_the_plugins_that_would() -> None:
    class Frame:
        pass

    Frame.__module__ = "pandas.core.frame"
    with pytest.raises(TaskInputError, match="pip install flyteplugins-pandas"):
        flyte.run(pass_frame, df=DataFrame.from_df(Frame()))

    with pytest.raises(
        TypeTransformerFailedError, match="flyteplugins-pandas encodes and decodes it"
    ):
        TypeEngine.to_literal_type(Frame)


def test_handlers_are_found_through_discovery_on_a_miss(
    make_dist: Any, raw_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = types.ModuleType("acme_rows")
    plugin.register = register_rows  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "acme_rows", plugin)
    make_dist("acme-rows", entry_points={"flyte.transformers": {"rows": "acme_rows:register"}})
    literal = TypeEngine.to_literal_sync(ROWS, Rows)  # a miss: the plugin registers its handlers
    assert TypeEngine.to_python_value_sync(literal, Rows) == ROWS


def test_importing_flyte_io_imports_no_dataframe_library() -> None:
    code = "import sys, flyte, flyte.io, flyte.io.extend, flyte.types; print(sorted({'pandas', 'pyarrow', 'polars', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
