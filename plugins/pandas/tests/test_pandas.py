"""pandas DataFrames through tasks: parquet in a local folder and in an S3 bucket, as flytekit lays
it out; only the declared columns read; the command line takes a parquet file."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Annotated

import pandas as pd
import pytest

import flyte
from flyte.io import DataFrame
from flyte.types import TypeEngine, TypeTransformerFailedError

FRAME = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"], "score": [0.5, 2.0, 1.0]})
env = flyte.TaskEnvironment(name="pandas")


@env.task
def load() -> pd.DataFrame:
    return FRAME


@env.task
def best(scores: Annotated[pd.DataFrame, {"name": str, "score": float}]) -> list[str]:
    assert list(scores.columns) == ["name", "score"]
    return scores[scores.score > 0.75].name.tolist()


@env.task
async def count(frame: DataFrame) -> int:
    return len(await frame.open(pd.DataFrame).all())


def test_a_frame_crosses_tasks_as_flytekits_parquet_dataset(raw_prefix: str) -> None:
    frame = flyte.run(load)
    pd.testing.assert_frame_equal(frame, FRAME)
    literal = TypeEngine.to_literal_sync(FRAME, pd.DataFrame)
    dataset = literal.scalar.structured_dataset
    assert re.fullmatch(re.escape(raw_prefix) + r"/[0-9a-f]{32}", dataset.uri)
    assert dataset.metadata.structured_dataset_type.format == "parquet"
    assert flyte.run(count, frame=TypeEngine.to_python_value_sync(literal, DataFrame)) == 3


def test_a_decoder_reads_only_the_declared_columns(raw_prefix: str) -> None:
    assert flyte.run(best, scores=FRAME) == ["b", "c"]


def test_a_declared_column_the_data_lacks_is_named(raw_prefix: str) -> None:
    literal = TypeEngine.to_literal_sync(FRAME, pd.DataFrame)
    with pytest.raises(TypeTransformerFailedError, match="no column 'age'"):
        TypeEngine.to_python_value_sync(literal, Annotated[pd.DataFrame, {"age": int}])


def test_the_command_line_takes_a_parquet_file(
    raw_prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flyte.cli import main

    tasks = tmp_path / f"frames_{uuid.uuid4().hex[:8]}.py"  # a module name of its own per run
    tasks.write_text(
        "from typing import Annotated\n"
        "import pandas as pd\n"
        "import flyte\n"
        "env = flyte.TaskEnvironment(name='cli_frames')\n"
        "@env.task\n"
        "def best(scores: Annotated[pd.DataFrame, {'name': str, 'score': float}]) -> list[str]:\n"
        "    return scores[scores.score > 0.75].name.tolist()\n"
    )
    local = tmp_path / "scores.parquet"
    FRAME.to_parquet(local)
    assert main(["run", "--local", str(tasks), "best", "--scores", str(local)]) == 0
    assert capsys.readouterr().out == 'o0: ["b", "c"]\n'
    assert os.path.exists(local)


@flyte.workflow
def best_scores() -> tuple[list[str], int]:
    frame = load()
    return best(scores=frame), count(frame=frame)


def test_a_frame_crosses_workflow_nodes_by_reference(raw_prefix: str) -> None:
    assert flyte.run(best_scores) == (["b", "c"], 3)
