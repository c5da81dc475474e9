"""pandas for flyte's DataFrame: frames written and read as parquet through pyarrow, in any store.

    from typing import Annotated

    import pandas as pd
    import flyte
    from flyte.io import DataFrame

    env = flyte.TaskEnvironment(name="pandas")

    @env.task
    def load() -> pd.DataFrame:
        return pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"], "score": [0.5, 2.0, 1.0]})

    @env.task
    def best(scores: Annotated[pd.DataFrame, {"name": str, "score": float}]) -> list[str]:
        return scores[scores.score > 0.75].name.tolist()        # only the declared columns read

    print(flyte.run(best, scores=flyte.run(load)))

The ``flyte.transformers`` entry point names :func:`register`: discovery calls it the first time
a task declares ``pd.DataFrame`` or a DataFrame is opened as one. Importing this package
registers nothing.
"""

from flyteplugins.pandas.handlers import PandasToParquet, ParquetToPandas, register

__all__ = ["PandasToParquet", "ParquetToPandas", "register"]
