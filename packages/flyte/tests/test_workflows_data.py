"""Files and folders as workflow nodes' inputs and outputs: passed by reference from node to node,
mapped over, cached by their literal, in a local folder and in a real S3-compatible store."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TypeVar

import flyte
from flyte import _storage
from flyte.io import Dir, File

env = flyte.TaskEnvironment(name="wfdata")
CSV = TypeVar("csv")


@env.task
async def split_lines(text: str) -> Dir:
    folder = Path(tempfile.mkdtemp())
    for i, line in enumerate(text.splitlines()):
        (folder / f"{i}.csv").write_text(f"{line}\n")
    return await Dir.from_local(folder)


@env.task
async def files_of(d: Dir) -> list[File[CSV]]:
    return await d.list_files()


@env.task
async def first_line(f: File[CSV]) -> str:
    assert f._downloaded is None  # a reference: nothing was downloaded to get here
    async with f.open("r") as fh:
        return str(fh.readline().strip())


@env.task
def joined(lines: list[str]) -> str:
    return "|".join(sorted(lines))


@flyte.workflow
def by_line(text: str) -> tuple[str, Dir]:
    folder = split_lines(text=text)
    lines = flyte.map(first_line, f=files_of(d=folder), concurrency=2)
    return joined(lines=lines), folder


def test_a_folder_and_its_files_cross_nodes_and_a_map_by_reference(raw_prefix: str) -> None:
    text, folder = flyte.run(by_line, text="tue\nmon\nwed")
    assert text == "mon|tue|wed"
    assert folder.path.startswith(raw_prefix)
    assert sorted(Path(f.path).name for f in folder.list_files_sync()) == [
        "0.csv",
        "1.csv",
        "2.csv",
    ]


reads: list[str] = []


@env.task(cache="1")
async def size(f: File) -> int:
    reads.append(f.path)
    async with f.open("rb") as fh:
        return len(fh.read())


@flyte.workflow
def sized(f: File) -> int:
    return size(f=f)


def test_a_cached_node_is_keyed_on_the_files_reference(raw_prefix: str, tmp_path: Path) -> None:
    data = tmp_path / "data.bin"
    data.write_bytes(b"x" * 1000)
    stored = File.from_local_sync(data, _storage.join(raw_prefix, "inputs", "data.bin"))
    other = File.from_local_sync(data, _storage.join(raw_prefix, "inputs", "copy.bin"))
    reads.clear()
    assert flyte.run(sized, f=File.from_existing_remote(stored.path)) == 1000
    assert flyte.run(sized, f=File.from_existing_remote(stored.path)) == 1000
    assert reads == [stored.path]  # the second run was a hit: same reference, same literal
    assert flyte.run(sized, f=other) == 1000
    assert reads == [stored.path, other.path]
