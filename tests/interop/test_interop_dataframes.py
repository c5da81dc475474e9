"""DataFrames cross between flytekit 1.16 and flyte-core through one S3 bucket, both ways.

flytekit's StructuredDataset and ``pd.DataFrame`` against flyte-core's DataFrame and
``pd.DataFrame`` (through flyteplugins-pandas, and read back as ``pa.Table`` through
flyteplugins-pyarrow): the literal types are identical, column annotations included; the
literals are identical apart from the random part of the generated path; each SDK reads what the
other wrote, only the declared columns.
"""

# ruff: noqa: E402, UP045 - flytekit is imported only where it is installed; Optional is what users write

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Optional

import pytest

if TYPE_CHECKING:
    from conftest import Kit

flytekit = pytest.importorskip("flytekit")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

from flyteidl.core import literals_pb2
from flytekit import kwtypes
from flytekit.types.structured import StructuredDataset

from flyte.io import DataFrame
from flyte.types import TypeEngine

FRAME = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"], "score": [0.5, 2.0, 1.0]})


@dataclasses.dataclass
class KitResult:
    label: str
    table: StructuredDataset


@dataclasses.dataclass
class Result:
    label: str
    table: DataFrame


TYPE_PAIRS = [
    (StructuredDataset, DataFrame),
    (
        Annotated[StructuredDataset, kwtypes(id=int, score=float)],
        Annotated[DataFrame, {"id": int, "score": float}],
    ),
    (
        Annotated[StructuredDataset, kwtypes(tags=list[str]), "parquet"],
        Annotated[DataFrame, {"tags": list[str]}, "parquet"],
    ),
    (pd.DataFrame, pd.DataFrame),
    (
        Annotated[pd.DataFrame, kwtypes(id=int, name=str)],
        Annotated[pd.DataFrame, {"id": int, "name": str}],
    ),
    (Optional[StructuredDataset], Optional[DataFrame]),
    (list[pd.DataFrame], list[pd.DataFrame]),
    (KitResult, Result),
]


@pytest.mark.parametrize(("kit_type", "our_type"), TYPE_PAIRS, ids=repr)
def test_the_literal_type_is_flytekits(kit_type: Any, our_type: Any, kit: Kit) -> None:
    kit.assert_same_literal_type(kit_type, our_type)


@pytest.mark.parametrize(
    "python_type",
    [pd.DataFrame, Annotated[pd.DataFrame, {"id": int, "name": str}]],
    ids=["plain", "columns"],
)
def test_a_pandas_frame_has_the_same_literal_in_both(
    bucket: str, python_type: Any, kit: Kit, without_random: Callable[[literals_pb2.Literal], bytes]
) -> None:
    kit_type = (
        python_type
        if python_type is pd.DataFrame
        else Annotated[pd.DataFrame, kwtypes(id=int, name=str)]
    )
    theirs = kit.to_literal(FRAME, kit_type)
    ours = TypeEngine.to_literal_sync(FRAME, python_type)
    assert ours.scalar.structured_dataset.uri.startswith(bucket + "/")
    assert without_random(ours) == without_random(theirs)


def test_flyte_reads_what_flytekit_wrote(bucket: str, kit: Kit) -> None:
    theirs = kit.to_literal(FRAME, pd.DataFrame)
    pd.testing.assert_frame_equal(TypeEngine.to_python_value_sync(theirs, pd.DataFrame), FRAME)
    frame = TypeEngine.to_python_value_sync(theirs, Annotated[DataFrame, {"name": str}])
    assert frame.open(pa.Table).all_sync().column_names == ["name"]
    wrapped = kit.to_literal(StructuredDataset(dataframe=FRAME), StructuredDataset)
    assert TypeEngine.to_python_value_sync(wrapped, pd.DataFrame).score.sum() == 3.5


def test_flytekit_reads_what_flyte_wrote(bucket: str, kit: Kit) -> None:
    ours = TypeEngine.to_literal_sync(FRAME, pd.DataFrame)
    pd.testing.assert_frame_equal(kit.to_python(ours, pd.DataFrame), FRAME)
    table = TypeEngine.to_literal_sync(pa.table({"id": [4, 5]}), pa.Table)
    dataset = kit.to_python(table, Annotated[StructuredDataset, kwtypes(id=int)])
    assert dataset.open(pd.DataFrame).all().id.tolist() == [4, 5]


def test_a_dataframe_inside_a_dataclass_crosses_both_ways(bucket: str, kit: Kit) -> None:
    theirs = kit.to_literal(KitResult("q", StructuredDataset(dataframe=FRAME)), KitResult)
    result = TypeEngine.to_python_value_sync(theirs, Result)
    assert result.table.open(pd.DataFrame).all_sync().name.tolist() == ["a", "b", "c"]
    ours = TypeEngine.to_literal_sync(Result("q", DataFrame.from_df(FRAME)), Result)
    kit_result = kit.to_python(ours, KitResult)
    assert kit_result.table.open(pd.DataFrame).all().id.tolist() == [1, 2, 3]
