"""Files and folders cross between flytekit 1.16 and flyte-core through one S3 bucket, both ways.

The bucket is a real S3-compatible server on loopback (moto, the ``s3_store`` fixture of
flyte's pytest plugin), and both SDKs are configured by the same variables (``FLYTE_AWS_*``).
For every case the literal types are identical, the literals are identical apart from the
random part of generated paths, and each SDK reads what the other wrote.
"""

# ruff: noqa: E402, UP045 - flytekit is imported only where it is installed; Optional is what users write

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, TypeVar

import msgpack
import pytest

if TYPE_CHECKING:
    from conftest import Kit

flytekit = pytest.importorskip("flytekit")

from flyteidl.core import literals_pb2
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from flyte.io import Dir, File
from flyte.types import TypeEngine

CSV = TypeVar("csv")
RANDOM = re.compile(r"/[0-9a-f]{32}(/|$)")


@dataclasses.dataclass
class KitReport:
    name: str
    data: FlyteFile
    pages: FlyteDirectory


@dataclasses.dataclass
class Report:
    name: str
    data: File
    pages: Dir


TYPE_PAIRS = [
    (FlyteFile, File),
    (FlyteFile[CSV], File[CSV]),
    (FlyteDirectory, Dir),
    (FlyteDirectory[CSV], Dir[CSV]),
    (Optional[FlyteFile], Optional[File]),
    (list[FlyteFile], list[File]),
    (dict[str, FlyteDirectory], dict[str, Dir]),
    (KitReport, Report),
]


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "scores.csv"
    path.write_text("id,score\n1,0.5\n")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "pages"
    for name in ("a.txt", "sub/b.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    return root


@pytest.mark.parametrize(("kit_type", "our_type"), TYPE_PAIRS, ids=repr)
def test_the_literal_type_is_flytekits(kit_type: Any, our_type: Any, kit: Kit) -> None:
    kit.assert_same_literal_type(kit_type, our_type)


@pytest.mark.parametrize(("kit_type", "our_type"), TYPE_PAIRS[:4], ids=repr)
def test_a_guessed_type_reads_the_literal_type_back(kit_type: Any, our_type: Any, kit: Kit) -> None:
    literal_type = kit.literal_type(kit_type)
    guessed = TypeEngine.guess_python_type(literal_type)
    assert TypeEngine.to_literal_type(guessed) == literal_type


def test_an_uploaded_file_has_the_same_literal_in_both(
    bucket: str, csv_file: Path, kit: Kit, without_random: Callable[[literals_pb2.Literal], bytes]
) -> None:
    theirs = kit.to_literal(FlyteFile(str(csv_file)), FlyteFile[CSV])
    ours = TypeEngine.to_literal_sync(File(csv_file), File[CSV])
    assert ours.scalar.blob.uri.startswith(bucket + "/")
    assert without_random(ours) == without_random(theirs)


def test_an_uploaded_folder_has_the_same_literal_in_both(
    bucket: str, folder: Path, kit: Kit, without_random: Callable[[literals_pb2.Literal], bytes]
) -> None:
    theirs = kit.to_literal(FlyteDirectory(str(folder)), FlyteDirectory)
    ours = TypeEngine.to_literal_sync(Dir(folder), Dir)
    assert without_random(ours) == without_random(theirs)


def test_flyte_reads_a_file_flytekit_wrote(bucket: str, csv_file: Path, kit: Kit) -> None:
    literal = kit.to_literal(FlyteFile(str(csv_file)), FlyteFile[CSV])
    f = TypeEngine.to_python_value_sync(literal, File[CSV])
    assert f.format == "csv"
    with f.open_sync("r") as fh:
        assert fh.read() == csv_file.read_text()


def test_flytekit_reads_a_file_flyte_wrote(bucket: str, csv_file: Path, kit: Kit) -> None:
    literal = TypeEngine.to_literal_sync(File.from_local_sync(csv_file), File[CSV])
    f = kit.to_python(literal, FlyteFile[CSV])
    with open(f.download()) as fh:
        assert fh.read() == csv_file.read_text()


def test_folders_cross_both_ways(bucket: str, folder: Path, kit: Kit) -> None:
    theirs = kit.to_literal(FlyteDirectory(str(folder)), FlyteDirectory)
    d = TypeEngine.to_python_value_sync(theirs, Dir)
    names = sorted(f.path[len(d.path.rstrip("/")) + 1 :] for f in d.list_files_sync())
    assert names == ["a.txt", "sub/b.txt"]
    ours = TypeEngine.to_literal_sync(Dir.from_local_sync(folder), Dir)
    local = Path(kit.to_python(ours, FlyteDirectory).download())
    assert (local / "sub" / "b.txt").read_text() == "sub/b.txt"


def test_a_dataclass_of_files_crosses_both_ways(
    bucket: str, csv_file: Path, folder: Path, kit: Kit
) -> None:
    theirs = kit.to_literal(
        KitReport("q1", FlyteFile(str(csv_file)), FlyteDirectory(str(folder))), KitReport
    )
    ours = TypeEngine.to_literal_sync(Report("q1", File(csv_file), Dir(folder)), Report)

    def shape(literal: literals_pb2.Literal) -> dict[str, Any]:
        data = msgpack.unpackb(literal.scalar.binary.value)
        return {
            k: RANDOM.sub("/<random>", v["path"]) if isinstance(v, dict) else v
            for k, v in data.items()
        }

    assert shape(ours) == shape(theirs)
    report = TypeEngine.to_python_value_sync(theirs, Report)
    assert Path(report.data.download_sync()).read_text() == csv_file.read_text()
    kit_report = kit.to_python(ours, KitReport)
    with open(kit_report.data.download()) as fh:
        assert fh.read() == csv_file.read_text()


def test_a_reference_is_never_copied_by_either(bucket: str, csv_file: Path, kit: Kit) -> None:
    stored = File.from_local_sync(csv_file)
    ours = TypeEngine.to_literal_sync(stored, File)
    assert ours.scalar.blob.uri == stored.path
    theirs = kit.to_literal(kit.to_python(ours, FlyteFile), FlyteFile)
    assert theirs.scalar.blob.uri == stored.path
    assert TypeEngine.to_literal_sync(TypeEngine.to_python_value_sync(theirs, File), File) == ours
