"""The storage layer against a local folder and a real S3-compatible server on loopback (moto)."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

import flyte
from flyte import _storage
from flyte._storage import StorageError
from flyte.testing import S3Server

Store = Callable[[str], str]


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """Where a test writes: a local folder, or a bucket of the S3 test server."""
    if request.param == "local":
        return lambda name: str(tmp_path / "store" / name)
    server: S3Server = request.getfixturevalue("s3_store")
    return server.uri


def test_documents_round_trip(store: Store) -> None:
    _storage.write_bytes(store("run/outputs.pb"), b"\x00literal")
    assert _storage.read_bytes(store("run/outputs.pb")) == b"\x00literal"
    assert _storage.exists(store("run/outputs.pb"))
    assert not _storage.exists(store("run/nothing.pb"))


def test_a_file_is_uploaded_and_downloaded_whole(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "data.csv"
    source.write_bytes(os.urandom(3 * 2**20 + 7))
    _storage.put_file(str(source), store("raw/data.csv"))
    target = tmp_path / "back" / "data.csv"
    _storage.get_file(store("raw/data.csv"), str(target))
    assert target.read_bytes() == source.read_bytes()
    assert list(target.parent.iterdir()) == [target]  # no .part file left behind


def test_a_write_cut_off_midway_leaves_nothing(store: Store) -> None:
    uri = store("half/written.bin")
    with pytest.raises(RuntimeError, match="cut off"), _storage.open_writer(uri) as f:  # noqa: PT012
        f.write(b"x" * 2**20)
        raise RuntimeError("cut off")
    assert not _storage.exists(uri)


def test_many_files_move_concurrently_and_list_back(store: Store, tmp_path: Path) -> None:
    sources = []
    for i in range(60):
        path = tmp_path / "in" / f"part-{i // 10}" / f"{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"file {i}")
        sources.append(str(path))
    targets = [store(f"many/{os.path.relpath(s, tmp_path / 'in')}") for s in sources]
    _storage.copy_files(list(zip(sources, targets, strict=True)), max_concurrency=4)
    assert _storage.list_files(store("many")) == sorted(targets)
    back = [str(tmp_path / "out" / os.path.relpath(s, tmp_path / "in")) for s in sources]
    _storage.copy_files(list(zip(targets, back, strict=True)), max_concurrency=4)
    assert [Path(b).read_text() for b in back] == [f"file {i}" for i in range(60)]


def test_a_folder_is_copied_into_a_store_and_back_with_its_layout(
    store: Store, tmp_path: Path
) -> None:
    names = ["a.txt", "b/c.txt", "b/d/e.txt"]
    for name in names:
        (tmp_path / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / name).write_text(name)
    _storage.copy_folder(str(tmp_path / "in"), store("tree"), max_concurrency=2)
    assert _storage.list_files(store("tree")) == [store(f"tree/{n}") for n in names]
    _storage.copy_folder(store("tree") + "/", str(tmp_path / "out"))
    assert [(tmp_path / "out" / n).read_text() for n in names] == names
    assert _storage.relative_parts(store("tree/b/d/e.txt"), store("tree")) == ["b", "d", "e.txt"]


def test_a_large_upload_and_download_are_streamed_with_a_bound(
    s3_store: S3Server, tmp_path: Path
) -> None:
    bound = 3 * _storage.CHUNK_BYTES * _storage.PARTS_AT_ONCE
    size = bound + 16 * 2**20 + 12345
    source = tmp_path / "big.bin"
    with source.open("wb") as f:
        for _ in range(size // 2**20):
            f.write(os.urandom(2**20))
        f.write(os.urandom(size % 2**20))
    uri = s3_store.uri("big.bin")
    _storage.put_file(str(source), uri)  # warm the client: its one-time setup is not the stream
    for move in (
        lambda: _storage.put_file(str(source), uri),
        lambda: _storage.get_file(uri, str(tmp_path / "back.bin")),
    ):
        tracemalloc.start()
        try:
            move()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < bound, f"peak {peak / 2**20:.1f} MiB for {size / 2**20:.0f}"
    assert (tmp_path / "back.bin").stat().st_size == size


def test_credentials_come_from_flytekits_variables(
    s3_store: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in (
        "FLYTE_AWS_ACCESS_KEY_ID",
        "FLYTE_AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(StorageError, match="FLYTE_AWS_ACCESS_KEY_ID") as caught:
        _storage.write_bytes(s3_store.uri("k.bin"), b"x")
    assert s3_store.uri("k.bin") in str(caught.value)


def test_a_bucket_that_does_not_exist_is_named(s3_store: S3Server) -> None:
    uri = "s3://no-such-bucket-here/k.bin"
    with pytest.raises(StorageError, match=f"cannot read {uri}: it does not exist") as caught:
        _storage.read_bytes(uri)
    assert isinstance(caught.value.__cause__, FileNotFoundError)


def test_a_local_file_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        _storage.put_file(str(tmp_path / "missing.csv"), str(tmp_path / "store" / "x.csv"))


def test_a_store_without_its_filesystem_names_the_extra() -> None:
    pytest.importorskip("fsspec")
    try:
        import gcsfs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("gcsfs is installed here")
    with pytest.raises(StorageError, match=r"pip install 'flyte-core\[gcs\]'"):
        _storage.read_bytes("gs://bucket/k.bin")


def test_an_unknown_protocol_is_named() -> None:
    pytest.importorskip("fsspec")
    with pytest.raises(StorageError, match="no filesystem serves nosuch://"):
        _storage.read_bytes("nosuch://bucket/k.bin")


def test_new_values_go_under_the_raw_data_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLYTE_RAW_OUTPUT_DATA_PREFIX", str(tmp_path / "raw"))
    path = _storage.new_path("data.csv")
    folder, name = os.path.split(path)
    assert name == "data.csv"
    assert os.path.dirname(folder) == str(tmp_path / "raw")
    assert len(os.path.basename(folder)) == 32  # flytekit's layout: prefix/<32 hex>/name

    env = flyte.TaskEnvironment(name="store")

    @env.task
    def where() -> str:
        context = flyte.ctx()
        assert context is not None
        return _storage.new_path("x") + " " + context.raw_data_prefix

    made, prefix = flyte.run(where).split(" ")
    assert made.startswith(prefix + os.sep)
    assert prefix.startswith(str(tmp_path / "raw"))
