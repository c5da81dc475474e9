"""Files, folders and dataframes in object storage: flyte-core beside the floor, flytekit and flyte-sdk.

    python benchmarks/bench_io.py [--runs 3] [--baseline-runs 1] [--scale 1.0] [--no-baselines]
                                  [--stores local,s3] [--cases frame,file,dir]

Each case runs on two stores: a local folder, and an S3-compatible server on loopback (moto's
server mode, started here by ``flyte.testing.s3_server``; every SDK reaches it through the same
``FLYTE_AWS_*`` variables). Each measurement is a process of its own (``_io_worker.py``), so
that one case's memory does not weigh on the next; its figure is the best of ``--runs`` runs
(``--baseline-runs`` for flytekit and flyte-sdk; one run of a file or a folder on S3, whose
pace the server sets), with the highest peak growth of resident memory of a run (the first,
where memory grows). Each SDK makes its store's client before the clock starts.

- ``frame``: a pandas DataFrame of 1,000,000 rows x 5 columns written as a task output and read
  as the next task's input. The floor is pyarrow's ``write_table``/``read_table`` with fsspec's
  ``put``/``get``, by hand. Target: flyte-core at most 1.2x the floor.
- ``file``: one 1 GiB file uploaded, then downloaded. The floor is fsspec's own
  ``put_file``/``get_file``. Targets: flyte-core at most 1.1x the floor each way, and a peak
  memory growth under 64 MiB.
- ``dir``: a folder of 10,000 files of 1 KiB uploaded, then downloaded. The floor is fsspec's
  ``put``/``get`` of the folder. Target: flyte-core at least 5x faster than flytekit.
- imports: ``import flyte`` and ``import flyte.io`` against ``import flyteidl.core.literals_pb2``,
  and the dataframe libraries either loads (target: none).

flytekit 1.16.31 and flyte-sdk 2.12.1 run in their own bench-only venvs (with pandas and
pyarrow), on this Python where they support it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baselines import add_comparison_options, interpreters, run_in
from _table import judge, print_table
from bench_import import FLYTEIDL_MODULE, import_cost

WORKER = Path(__file__).resolve().parent / "_io_worker.py"
DIRECTIONS = {
    "frame": ("write", "read"),
    "file": ("upload", "download"),
    "dir": ("upload", "download"),
}
DATAFRAME_LIBRARIES = ("pandas", "pyarrow", "polars", "numpy")


def measure(
    python: str, sdk: str, case: str, prefix: str, data: str, runs: int
) -> dict[str, dict[str, float]]:
    """One worker process: per direction, its best seconds and peak memory growth (MiB)."""
    args = [sdk, case, prefix, data, str(runs)]
    if python == sys.executable:
        out = subprocess.run(
            [python, str(WORKER), *args], capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            raise RuntimeError(f"{sdk} {case} failed:\n{out.stderr}")
        text = out.stdout
    else:
        text = run_in(python, WORKER.read_text(), *args)
    result: dict[str, dict[str, float]] = json.loads(text.strip().splitlines()[-1])
    return result


@contextmanager
def prepared(case: str, scale: float) -> Iterator[tuple[str, str]]:
    """The case's input (a path, or the row count) and how it reads in a title."""
    if case == "frame":
        rows = int(1_000_000 * scale)
        yield str(rows), f"a pandas DataFrame of {rows:,} rows x 5 columns"
        return
    folder = tempfile.mkdtemp(prefix="bench-io-data-")
    try:
        if case == "file":
            size = int(2**30 * scale)
            path = os.path.join(folder, "big.bin")
            with open(path, "wb") as f:
                for _ in range(size // 2**20):
                    f.write(os.urandom(2**20))
                f.write(os.urandom(size % 2**20))
            yield path, f"one file of {size / 2**20:,.0f} MiB"
        else:
            count = int(10_000 * scale)
            root = os.path.join(folder, "tree")
            for i in range(count):
                sub = os.path.join(root, f"part-{i % 100:02d}")
                os.makedirs(sub, exist_ok=True)
                with open(os.path.join(sub, f"{i}.bin"), "wb") as f:
                    f.write(os.urandom(1024))
            yield root, f"a folder of {count:,} files of 1 KiB"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clear(prefix: str) -> None:
    """Remove everything under the raw-data prefix."""
    if "://" not in prefix:
        shutil.rmtree(prefix, ignore_errors=True)
        return
    from flyte._storage._filesystems import filesystem

    fs = filesystem(prefix)
    if fs.exists(prefix):
        fs.rm(prefix, recursive=True)


def targets(case: str, direction: str, results: dict[str, dict[str, float]]) -> list[str]:
    """The target lines of one table, judged."""
    core = results.get("flyte-core")
    if core is None:
        return []
    lines = []
    if case == "frame" and "floor" in results:
        ratio = core["seconds"] / results["floor"]["seconds"]
        lines.append(f"flyte-core / floor = {ratio:.2f}; {judge(ratio, '<=', 1.2, 'x')}")
    if case == "file":
        if "floor" in results:
            ratio = core["seconds"] / results["floor"]["seconds"]
            lines.append(f"flyte-core / floor = {ratio:.2f}; {judge(ratio, '<=', 1.1, 'x')}")
        peak = core["peak_mb"]
        lines.append(
            f"flyte-core peak memory growth {peak:.0f} MiB; {judge(peak, '<', 64, ' MiB')}"
        )
    if case == "dir" and "flytekit" in results:
        ratio = core["seconds"] / results["flytekit"]["seconds"]
        lines.append(f"flyte-core / flytekit = {ratio:.2f}; {judge(ratio, '<=', 0.2, 'x')}")
    return lines


def run_case(
    case: str,
    stores: dict[str, str],
    scale: float,
    runs: int,
    baseline_runs: int,
    interpreters: dict[str, tuple[str, str]],
) -> None:
    """Measure ``case`` on every store with every SDK, and print a table per store and direction."""
    with prepared(case, scale) as (data, what):
        for store, prefix in stores.items():
            measured: dict[str, dict[str, dict[str, float]]] = {}
            labels: dict[str, str] = {}
            for sdk, (label, python) in interpreters.items():
                count = runs if sdk in ("floor", "flyte-core") else baseline_runs
                if store == "s3" and case != "frame":
                    # The loopback server, not the client, sets the pace of these: one run.
                    count = 1
                try:
                    measured[sdk] = measure(python, sdk, case, prefix, data, count)
                except RuntimeError as exc:
                    print(f"\nnote: {label} could not run {case} on {store}: {str(exc)[-400:]}")
                    continue
                finally:
                    clear(prefix)  # the server holds what it stores in memory
                labels[sdk] = label
            for direction in DIRECTIONS[case]:
                results = {sdk: m[direction] for sdk, m in measured.items()}
                rows = [
                    (labels[sdk], r["seconds"] * 1000, f"peak +{r['peak_mb']:.0f} MiB")
                    for sdk, r in results.items()
                ]
                if "floor" not in results:
                    continue
                print_table(f"{case} {direction}: {what}, store {store}", rows, labels["floor"])
                for line in targets(case, direction, results):
                    print(line)


def imports(runs: int) -> None:
    """``import flyte`` and ``import flyte.io`` against flyteidl, and the libraries they load."""
    python = sys.executable
    yardstick = import_cost(python, FLYTEIDL_MODULE, runs)
    rows = [(FLYTEIDL_MODULE, yardstick, "the yardstick")]
    for statement in ("import flyte", "import flyte.io"):
        rows.append((statement, import_cost(python, statement, runs), ""))
    print_table("imports (ms over `python -c pass`)", rows, FLYTEIDL_MODULE)
    code = f"import sys, flyte, flyte.io; print(sorted(set({DATAFRAME_LIBRARIES!r}) & set(sys.modules)))"
    loaded = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    found = json.loads(loaded.stdout.strip().replace("'", '"'))
    print(
        f"dataframe libraries loaded by import flyte.io: {found or 'none'}; {judge(len(found), '==', 0)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_comparison_options(parser)
    parser.add_argument("--stores", default="local,s3", help="local, s3 or both")
    parser.add_argument("--cases", default="frame,file,dir", help="frame, file, dir, imports")
    parser.add_argument("--import-runs", type=int, default=20, help="processes per import figure")
    args = parser.parse_args()
    sdks = interpreters(args)
    from flyte.testing import s3_server

    cases = [c for c in args.cases.split(",") if c]
    with tempfile.TemporaryDirectory(prefix="bench-io-") as local, s3_server("bench") as server:
        everywhere = {"local": os.path.join(local, "raw"), "s3": server.uri("raw")}
        stores = {name: everywhere[name] for name in args.stores.split(",") if name}
        for case in cases:
            if case == "imports":
                imports(args.import_runs)
            else:
                run_case(case, stores, args.scale, args.runs, args.baseline_runs, sdks)
    if "imports" not in cases:
        imports(args.import_runs)


if __name__ == "__main__":
    main()
