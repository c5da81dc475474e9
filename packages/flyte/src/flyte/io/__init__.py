"""Data that lives in object storage: files, folders and dataframes, passed between tasks by reference.

    from flyte.io import Dir, File

    @env.task
    async def clean(raw: File) -> File:
        async with raw.open("r") as fh:                  # streamed; nothing downloaded whole
            header = fh.readline()
        return await File.from_local("clean.csv")       # uploaded under the raw-data prefix

Values live in a store (the execution's raw-data prefix: a local folder by default, ``s3://``,
``gs://``, ``abfs://`` with the extras ``flyte-core[s3]``, ``[gcs]``, ``[abfs]``) and travel as
references. Their literals are flytekit 1.16's (FlyteFile and FlyteDirectory blobs,
StructuredDataset), so the two SDKs read each other's values. ``DataFrame`` holds a table of any
library a plugin handles (``flyteplugins-pandas``, ``flyteplugins-pyarrow``; write one with
:mod:`flyte.io.extend`). Importing this package imports no dataframe library.
"""

from flyte.io._dataframe import PARQUET, DataFrame
from flyte.io._dir import Dir
from flyte.io._file import File

__all__ = ["PARQUET", "DataFrame", "Dir", "File"]
