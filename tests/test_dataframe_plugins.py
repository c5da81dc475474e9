"""The two dataframe plugins together, as installed wheels: a pandas frame written by one task is
read as a pyarrow Table by the next, and the reverse."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    from typing import Annotated

    import pandas as pd
    import pyarrow as pa

    import flyte
    from flyte.io import DataFrame

    env = flyte.TaskEnvironment(name="mixed")


    @env.task
    def scores() -> pd.DataFrame:
        return pd.DataFrame({"id": [1, 2, 3], "score": [0.5, 2.0, 1.0]})


    @env.task
    def top(table: Annotated[pa.Table, {"score": float}]) -> float:
        assert table.column_names == ["score"]
        return max(table.column("score").to_pylist())


    @env.task
    def as_arrow() -> pa.Table:
        return pa.table({"id": [7, 8]})


    @env.task
    async def as_pandas(frame: DataFrame) -> int:
        return int((await frame.open(pd.DataFrame).all()).id.sum())


    print(flyte.run(top, table=flyte.run(scores)), flyte.run(as_pandas, frame=DataFrame.from_df(flyte.run(as_arrow))))
    """
)


def test_a_pandas_frame_is_read_as_an_arrow_table_and_back(tmp_path: Path) -> None:
    script = tmp_path / "mixed.py"
    script.write_text(SCRIPT)
    env_vars = {"FLYTE_RAW_OUTPUT_DATA_PREFIX": str(tmp_path / "raw"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env_vars, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2.0 15"
