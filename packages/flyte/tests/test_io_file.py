"""flyte.io.File and Dir: flytekit's blob literals, tasks passing them through a local folder and
through a real S3-compatible server on loopback (moto), streamed and never copied twice."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from flyteidl.core import literals_pb2, types_pb2

import flyte
from flyte import _storage
from flyte.errors import TaskInputError
from flyte.io import Dir, File
from flyte.types import TypeEngine

env = flyte.TaskEnvironment(name="io")
CSV = TypeVar("csv")


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "scores.csv"
    path.parent.mkdir()
    path.write_text("id,score\n1,0.5\n2,0.25\n")
    return path


def test_literal_types_are_flytekits_blobs() -> None:
    assert TypeEngine.to_literal_type(File) == types_pb2.LiteralType(blob=types_pb2.BlobType())
    assert TypeEngine.to_literal_type(File[CSV]) == types_pb2.LiteralType(
        blob=types_pb2.BlobType(format="csv")
    )
    assert TypeEngine.to_literal_type(Dir["csv"]) == types_pb2.LiteralType(
        blob=types_pb2.BlobType(format="csv", dimensionality=types_pb2.BlobType.MULTIPART)
    )
    assert TypeEngine.guess_python_type(TypeEngine.to_literal_type(File)) is File
    assert TypeEngine.guess_python_type(TypeEngine.to_literal_type(Dir)) is Dir
    guessed = TypeEngine.guess_python_type(TypeEngine.to_literal_type(File[CSV]))
    assert TypeEngine.to_literal_type(guessed).blob.format == "csv"
    union = TypeEngine.to_literal_type(File | None).union_type.variants
    assert [v.structure.tag for v in union] == ["FlyteFilePath", "none"]


@env.task
async def write_scores(source: str) -> File[CSV]:
    return await File.from_local(source)


@env.task
async def read_header(f: File[CSV]) -> str:
    assert f._downloaded is None  # a reference: nothing was downloaded to get here
    async with f.open("r") as fh:
        return str(fh.readline().strip())


@env.task
def pass_on(f: File) -> File:
    return f


def test_a_file_written_by_one_task_is_read_by_the_next(raw_prefix: str, csv_file: Path) -> None:
    f = flyte.run(write_scores, source=str(csv_file))
    assert f.path.startswith(raw_prefix)
    assert f.path.endswith("/scores.csv")
    assert f.format == "csv"
    assert flyte.run(read_header, f=f) == "id,score"
    assert flyte.run(pass_on, f=f).path == f.path  # already in the store: never copied


def test_a_local_file_is_uploaded_when_it_becomes_a_literal(
    raw_prefix: str, csv_file: Path
) -> None:
    literal = TypeEngine.to_literal_sync(File(csv_file), File[CSV])
    uri = literal.scalar.blob.uri
    assert uri.startswith(raw_prefix)
    assert literal.scalar.blob.metadata.type.format == "csv"
    assert _storage.read_bytes(uri) == csv_file.read_bytes()
    assert flyte.run(read_header, f=File(csv_file)) == "id,score"


def test_download_streams_to_a_local_path_and_exists_says_where(
    raw_prefix: str, csv_file: Path, tmp_path: Path
) -> None:
    f = File.from_local_sync(csv_file)
    assert f.exists_sync()
    local = f.download_sync(tmp_path / "copy.csv")
    assert Path(local).read_text() == csv_file.read_text()
    assert not File.from_existing_remote(_storage.new_path("missing.csv")).exists_sync()


async def test_a_new_remote_file_is_written_streamed_and_published_whole(raw_prefix: str) -> None:
    f = File.new_remote("log.txt")
    async with f.open("w") as fh:
        fh.write("line 1\n")
    assert await f.exists()
    with f.open_sync("rb") as fh:
        assert fh.read() == b"line 1\n"
    broken = File.new_remote("broken.txt")
    with pytest.raises(RuntimeError, match="midway"):  # noqa: PT012
        async with broken.open("wb") as fh:
            fh.write(b"x" * 1000)
            raise RuntimeError("midway")
    assert not await broken.exists()


def test_a_new_remote_folder_is_filled_and_referenced_again_without_a_copy(
    raw_prefix: str, csv_file: Path
) -> None:
    d: Dir[CSV] = Dir.new_remote("scores", format="csv")
    assert d.path.startswith(raw_prefix + "/")
    assert d.path.endswith("/scores")
    File.from_local_sync(csv_file, d.path + "/a.csv")
    again: Dir[CSV] = Dir.from_existing_remote(d.path, format="csv")
    assert type(again) is Dir
    assert again == d
    assert again != File(d.path, format="csv")
    assert [f.path for f in again.list_files_sync()] == [d.path + "/a.csv"]
    literal = TypeEngine.to_literal_sync(again, Dir[CSV])
    assert literal.scalar.blob.uri == d.path  # a reference: passed on, not uploaded again
    assert (
        TypeEngine.to_literal_sync(
            File.from_existing_remote(d.path + "/a.csv"), File
        ).scalar.blob.uri
        == d.path + "/a.csv"
    )


@env.task
async def make_tree(root: str) -> Dir:
    return await Dir.from_local(root, max_concurrency=3)


@env.task
async def tree_listing(d: Dir) -> list[str]:
    return [f.path[len(d.path.rstrip("/")) + 1 :] async for f in d.walk()]


def test_a_folder_crosses_tasks_and_lists_without_downloading(
    raw_prefix: str, tmp_path: Path
) -> None:
    root = tmp_path / "tree"
    names = ["a.txt", "b/c.txt", "b/d/e.txt"]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    d = flyte.run(make_tree, root=str(root))
    assert d.path.startswith(raw_prefix)
    listed = flyte.run(tree_listing, d=d)
    assert [p.replace(os.sep, "/") for p in listed] == names
    local = d.download_sync(tmp_path / "back", max_concurrency=2)
    assert sorted(str(p.relative_to(local)) for p in Path(local).rglob("*.txt")) == names
    assert (Path(local) / "b" / "d" / "e.txt").read_text() == "b/d/e.txt"


def test_files_and_folders_are_values_equal_by_path_and_format() -> None:
    assert File("s3://b/k.csv", format="csv") == File("s3://b/k.csv", format="csv")
    assert File("s3://b/k.csv") != File("s3://b/k.csv", format="csv")
    assert File("s3://b/k") != Dir("s3://b/k")  # the same path, not the same value
    assert len({Dir("s3://b/d"), Dir("s3://b/d"), File("s3://b/d")}) == 2
    assert repr(File("s3://b/k.csv", format="csv")) == "File('s3://b/k.csv', format='csv')"
    assert repr(Dir("s3://b/d")) == "Dir('s3://b/d')"


def test_a_download_is_made_once_and_a_local_value_is_not_copied(
    raw_prefix: str, csv_file: Path
) -> None:
    assert File(csv_file).download_sync() == str(csv_file)
    assert Dir(csv_file.parent).download_sync() == str(csv_file.parent)
    f = File.from_local_sync(csv_file)
    first = f.download_sync()
    assert first != str(csv_file)
    assert Path(first).read_text() == csv_file.read_text()
    assert f.download_sync() == first
    d = Dir.from_local_sync(csv_file.parent)
    folder = d.download_sync()
    assert d.download_sync() == folder
    assert (Path(folder) / "scores.csv").read_text() == csv_file.read_text()


@env.task
def count_files(files: list[File], named: dict[str, File], maybe: File | None) -> int:
    return len(files) + len(named) + (maybe is not None)


def test_files_inside_lists_dicts_and_optionals(raw_prefix: str, csv_file: Path) -> None:
    f = File(csv_file)
    assert flyte.run(count_files, files=[f, f], named={"x": f}, maybe=None) == 3
    assert flyte.run(count_files, files=[], named={}, maybe=f) == 1


def test_a_local_path_that_does_not_exist_names_the_input(raw_prefix: str, tmp_path: Path) -> None:
    with pytest.raises(TaskInputError, match=r"'f'.*missing\.csv.*does not exist"):
        flyte.run(read_header, f=File(tmp_path / "missing.csv"))


def test_a_folder_literal_is_not_read_as_a_file() -> None:
    literal = literals_pb2.Literal(
        scalar=literals_pb2.Scalar(
            blob=literals_pb2.Blob(
                uri="s3://b/d",
                metadata=literals_pb2.BlobMetadata(
                    type=types_pb2.BlobType(dimensionality=types_pb2.BlobType.MULTIPART)
                ),
            )
        )
    )
    with pytest.raises(Exception, match="is a folder"):
        TypeEngine.to_python_value_sync(literal, File)


CLI_TASKS = """
import flyte
from flyte.io import Dir, File

env = flyte.TaskEnvironment(name="cli_io")


@env.task
async def head(data: File, where: Dir | None = None) -> str:
    async with data.open("r") as fh:
        first = fh.readline().strip()
    files = [] if where is None else await where.list_files()
    return f"{first} from {data.path} and {len(files)} files"
"""


@pytest.mark.parametrize("isolated", [False, True])
def test_the_command_line_takes_local_paths_and_uris(
    raw_prefix: str,
    csv_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    isolated: bool,
) -> None:
    from flyte.cli import main

    tasks = tmp_path / "io_tasks.py"
    tasks.write_text(CLI_TASKS)
    flags = ["--isolated"] if isolated else []
    argv = ["run", "--local", *flags, str(tasks), "head", "--data", str(csv_file)]
    assert main([*argv, "--where", str(csv_file.parent)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"o0: id,score from {raw_prefix}")  # uploaded when the run started
    assert out.endswith(" and 1 files\n")
    stored = File.from_local_sync(csv_file).path
    assert main([*argv[:-1], stored]) == 0
    assert capsys.readouterr().out == f"o0: id,score from {stored} and 0 files\n"


def test_the_command_line_names_a_path_that_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flyte.cli import main

    tasks = tmp_path / "io_tasks.py"
    tasks.write_text(CLI_TASKS)
    argv = ["run", "--local", str(tasks), "head", "--data", str(tmp_path / "nope.csv")]
    assert main(argv) == 1
    assert f"input 'data': cannot read '{tmp_path / 'nope.csv'}'" in capsys.readouterr().err


@dataclass
class Report:
    name: str
    data: File[CSV]
    pages: Dir
    appendix: File | None = None


@env.task
async def report_size(report: Report) -> int:
    assert report.data.format == "csv"
    local = await report.data.download()
    return Path(local).stat().st_size + len(await report.pages.list_files())


def test_files_and_folders_inside_a_dataclass(
    raw_prefix: str, csv_file: Path, tmp_path: Path
) -> None:
    lt = TypeEngine.to_literal_type(Report)
    assert lt.structure.dataclass_type["data"].blob.format == "csv"
    assert lt.metadata["properties"]["pages"]["title"] == "FlyteDirectory"
    report = Report("q1", File(csv_file), Dir(csv_file.parent))
    literal = TypeEngine.to_literal_sync(report, Report)
    back = TypeEngine.to_python_value_sync(literal, Report)
    assert back.data.path.startswith(raw_prefix)  # uploaded as the dataclass became a literal
    assert back.appendix is None
    assert flyte.run(report_size, report=back) == csv_file.stat().st_size + 1
