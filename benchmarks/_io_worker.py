"""One measurement of bench_io, in a process of its own: one SDK, one case, one store.

    python _io_worker.py SDK CASE PREFIX DATA RUNS

SDK is floor, flyte-core, flytekit or flyte-sdk; CASE is frame (a pandas DataFrame written as a
task output and read as the next task's input), file (one file uploaded and downloaded) or dir
(a folder of files uploaded and downloaded); PREFIX is the raw-data prefix (a folder or an
``s3://`` URI, the S3 server given by the FLYTE_AWS_* variables); DATA is the prepared input (a
file or folder; for frame, the number of rows). Prints one JSON line: per direction, the best
seconds of RUNS runs and the highest peak growth of resident memory (MiB) of a run.

This file is run by the baselines' interpreters too (as ``python -c``): it imports only what
the SDK it measures brings, and nothing of benchmarks/.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any


class PeakMemory:
    """The peak growth of this process's resident memory while the block runs, sampled."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def __enter__(self) -> PeakMemory:
        self.start = self.rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, self.rss() - self.start)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss() - self.start)


def timed(step: Callable[[], Any]) -> tuple[float, float, Any]:
    """Seconds, peak memory growth (MiB) and result of ``step()``."""
    with PeakMemory() as memory:
        start = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - start
    return seconds, memory.peak / 2**20, result


def fsspec_filesystem(prefix: str) -> Any:
    import fsspec

    if "://" not in prefix:
        return fsspec.filesystem("file", auto_mkdir=True)
    return fsspec.filesystem(
        "s3",
        key=os.environ["FLYTE_AWS_ACCESS_KEY_ID"],
        secret=os.environ["FLYTE_AWS_SECRET_ACCESS_KEY"],
        client_kwargs={"endpoint_url": os.environ["FLYTE_AWS_ENDPOINT"]},
    )


def make_frame(rows: int) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "id": np.arange(rows, dtype="int64"),
            "x": rng.random(rows),
            "y": rng.random(rows),
            "z": rng.integers(0, 1000, rows, dtype="int32"),
            "flag": rng.random(rows) > 0.5,
        }
    )


def scratch_folder(prefix: str) -> str:
    """A temporary folder for the SDK's downloads, removed when the worker ends."""
    import atexit

    folder = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def new_prefix_path(prefix: str, name: str = "") -> str:
    folder = prefix.rstrip("/") + "/" + uuid.uuid4().hex
    return folder + "/" + name if name else folder


# --- the floor: pyarrow and fsspec by hand -------------------------------------------------------


def floor(case: str, prefix: str, data: str) -> dict[str, Callable[[], Any]]:
    fs = fsspec_filesystem(prefix)
    fs.exists(prefix)  # the client, made before the clock starts (each SDK's is)
    scratch = scratch_folder("bench-floor-")
    state: dict[str, Any] = {}
    if case == "frame":
        import pyarrow as pa
        import pyarrow.parquet as pq

        frame = make_frame(int(data))

        def write() -> None:
            local = os.path.join(scratch, uuid.uuid4().hex)
            os.mkdir(local)
            pq.write_table(pa.Table.from_pandas(frame), os.path.join(local, "00000"))
            state["uri"] = new_prefix_path(prefix)
            fs.put(local + "/", state["uri"], recursive=True)
            shutil.rmtree(local)

        def read() -> Any:
            local = os.path.join(scratch, uuid.uuid4().hex)
            fs.get(state["uri"] + "/", local + "/", recursive=True)
            out = pq.read_table(local).to_pandas()
            shutil.rmtree(local)
            return out

        return {"write": write, "read": read}
    if case == "file":

        def upload() -> None:
            state["uri"] = new_prefix_path(prefix, os.path.basename(data))
            fs.put_file(data, state["uri"])

        def download() -> None:
            fs.get_file(state["uri"], os.path.join(scratch, uuid.uuid4().hex))

        return {"upload": upload, "download": download}

    def upload_dir() -> None:
        state["uri"] = new_prefix_path(prefix)
        fs.put(data.rstrip("/") + "/", state["uri"], recursive=True)

    def download_dir() -> None:
        fs.get(state["uri"] + "/", os.path.join(scratch, uuid.uuid4().hex) + "/", recursive=True)

    return {"upload": upload_dir, "download": download_dir}


# --- flyte-core ----------------------------------------------------------------------------------


def flyte_core(case: str, prefix: str, data: str) -> dict[str, Callable[[], Any]]:
    os.environ["FLYTE_RAW_OUTPUT_DATA_PREFIX"] = prefix
    from flyte import _storage
    from flyte.io import Dir, File
    from flyte.types import TypeEngine

    _storage.exists(prefix)  # the client, made before the clock starts

    scratch = scratch_folder("bench-core-")
    state: dict[str, Any] = {}
    if case == "frame":
        import pandas as pd

        frame = make_frame(int(data))

        def write() -> None:
            state["literal"] = TypeEngine.to_literal_sync(frame, pd.DataFrame)

        def read() -> Any:
            return TypeEngine.to_python_value_sync(state["literal"], pd.DataFrame)

        return {"write": write, "read": read}
    kind: Any = File if case == "file" else Dir

    def upload() -> None:
        state["value"] = kind.from_local_sync(data)

    def download() -> None:
        state["value"].download_sync(os.path.join(scratch, uuid.uuid4().hex))

    return {"upload": upload, "download": download}


# --- flytekit 1.16 -------------------------------------------------------------------------------


def flytekit(case: str, prefix: str, data: str) -> dict[str, Callable[[], Any]]:
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.data_persistence import FileAccessProvider
    from flytekit.core.type_engine import TypeEngine

    scratch = scratch_folder("bench-kit-")
    provider = FileAccessProvider(local_sandbox_dir=scratch, raw_output_prefix=prefix)
    ctx = FlyteContextManager.current_context().with_file_access(provider).build()
    FlyteContextManager.push_context(ctx)
    provider.exists(prefix)  # the client, made before the clock starts
    state: dict[str, Any] = {}
    if case == "frame":
        import pandas as pd

        frame = make_frame(int(data))
        literal_type = TypeEngine.to_literal_type(pd.DataFrame)

        def write() -> None:
            state["literal"] = TypeEngine.to_literal(ctx, frame, pd.DataFrame, literal_type)

        def read() -> Any:
            return TypeEngine.to_python_value(ctx, state["literal"], pd.DataFrame)

        return {"write": write, "read": read}
    if case == "file":
        from flytekit.types.file import FlyteFile as Kind
    else:
        from flytekit.types.directory import FlyteDirectory as Kind
    literal_type = TypeEngine.to_literal_type(Kind)

    def upload() -> None:
        state["literal"] = TypeEngine.to_literal(ctx, Kind(data), Kind, literal_type)

    def download() -> None:
        value = TypeEngine.to_python_value(ctx, state["literal"], Kind)
        value.download()

    return {"upload": upload, "download": download}


# --- flyte-sdk 2.12 (PyPI's flyte) ---------------------------------------------------------------


def flyte_sdk(case: str, prefix: str, data: str) -> dict[str, Callable[[], Any]]:
    import flyte
    from flyte._context import internal_ctx
    from flyte.models import RawDataPath

    if "://" in prefix:
        from flyte.storage import S3

        flyte.init(storage=S3.auto())
    else:
        flyte.init()
    context = internal_ctx().new_raw_data_path(RawDataPath(path=prefix))
    context.__enter__()
    loop = asyncio.new_event_loop()
    from flyte import storage

    loop.run_until_complete(storage.exists(prefix))  # the client, made before the clock starts
    scratch = scratch_folder("bench-sdk-")
    state: dict[str, Any] = {}
    if case == "frame":
        import pandas as pd

        from flyte.types import TypeEngine

        frame = make_frame(int(data))
        literal_type = TypeEngine.to_literal_type(pd.DataFrame)

        def write() -> None:
            state["literal"] = loop.run_until_complete(
                TypeEngine.to_literal(frame, pd.DataFrame, literal_type)
            )

        def read() -> Any:
            return loop.run_until_complete(
                TypeEngine.to_python_value(state["literal"], pd.DataFrame)
            )

        return {"write": write, "read": read}
    from flyte.io import Dir, File

    kind: Any = File if case == "file" else Dir

    def upload() -> None:
        state["value"] = loop.run_until_complete(kind.from_local(data))

    def download() -> None:
        loop.run_until_complete(state["value"].download(os.path.join(scratch, uuid.uuid4().hex)))

    return {"upload": upload, "download": download}


SDKS = {"floor": floor, "flyte-core": flyte_core, "flytekit": flytekit, "flyte-sdk": flyte_sdk}


def main() -> None:
    sdk, case, prefix, data, runs = sys.argv[1:6]
    steps = SDKS[sdk](case, prefix, data)
    results: dict[str, dict[str, float]] = {}
    for _ in range(int(runs)):
        for direction, step in steps.items():  # in order: a download reads what the upload wrote
            seconds, peak, _ = timed(step)
            # The best time, and the highest peak: the first run is the one whose memory grows.
            best = results.setdefault(direction, {"seconds": seconds, "peak_mb": peak})
            best["seconds"] = min(best["seconds"], seconds)
            best["peak_mb"] = max(best["peak_mb"], peak)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
