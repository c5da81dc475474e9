"""Code bundles: the same tree gives the same bytes, and what is not source stays out."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import stat
import tarfile
from pathlib import Path

import pytest

from flyte._serialize import build_code_bundle
from flyte._serialize._bundle import CodeBundleError, extract_code_bundle, source_files


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_same_tree_gives_same_bytes_and_version(tmp_path: Path) -> None:
    files = {"app/tasks.py": "x = 1\n", "app/__init__.py": "", "README.md": "hi\n"}
    first = _tree(tmp_path / "a", files)
    second = _tree(tmp_path / "b", dict(reversed(files.items())))
    os.utime(second / "README.md", (1, 1))
    path_a, bundle_a = build_code_bundle(first, tmp_path / "out_a")
    path_b, bundle_b = build_code_bundle(second, tmp_path / "out_b")
    assert path_a.read_bytes() == path_b.read_bytes()
    assert bundle_a.computed_version == bundle_b.computed_version
    assert path_a.name == f"fast{bundle_a.computed_version}.tar.gz"


def test_a_changed_file_changes_the_version(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src", {"tasks.py": "x = 1\n"})
    _, before = build_code_bundle(root, tmp_path / "out")
    (root / "tasks.py").write_text("x = 2\n")
    _, after = build_code_bundle(root, tmp_path / "out")
    assert before.computed_version != after.computed_version


def test_version_control_caches_venvs_and_gitignored_files_stay_out(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "src",
        {
            "app/tasks.py": "",
            "app/__pycache__/tasks.cpython-311.pyc": "",
            "app/old.pyc": "",
            ".git/HEAD": "",
            ".venv/lib/x.py": "",
            "env/pyvenv.cfg": "",
            "env/lib/y.py": "",
            ".mypy_cache/x": "",
            "data/big.csv": "",
            "data/keep.csv": "",
            "logs/run.log": "",
            "app/secret.env": "",
            ".gitignore": "data/*.csv\n!data/keep.csv\nlogs/\n",
            "app/.gitignore": "*.env\n",
        },
    )
    assert source_files(root) == [
        ".gitignore",
        "app/.gitignore",
        "app/tasks.py",
        "data/keep.csv",
    ]


def test_bundle_unpacks_to_the_source_with_normalized_metadata(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src", {"pkg/mod.py": "print('hi')\n"})
    path, _ = build_code_bundle(root, tmp_path / "out")
    with tarfile.open(path, "r:gz") as tar:
        (member,) = tar.getmembers()
        assert (member.name, member.mtime, member.uid, member.uname) == ("pkg/mod.py", 0, 0, "")
        data = tar.extractfile(member).read()  # type: ignore[union-attr]
    assert hashlib.sha256(data).digest() == hashlib.sha256(b"print('hi')\n").digest()


def test_the_output_folder_inside_the_tree_is_left_out(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src", {"tasks.py": ""})
    build_code_bundle(root, root / "out")
    path, _ = build_code_bundle(root, root / "out")
    with tarfile.open(path, "r:gz") as tar:
        assert tar.getnames() == ["tasks.py"]


# Unpacking: a bundle holds regular files and folders only, and is refused whole otherwise.


def _tgz(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            if info.isreg():
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return gzip.compress(raw.getvalue())


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, link: str = "", **pax: str
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, 0o644
    info.pax_headers = pax
    return info


def _symlink_chain_escape(outside: Path) -> bytes:
    """CVE-2025-4517: symlinks whose resolved path outgrows PATH_MAX fool ``os.path.realpath``.

    ``escape`` looks (to realpath, which stops resolving past PATH_MAX) like a link to a folder
    inside dest, but the kernel follows every link and lands in ``outside``.
    """
    long_name, steps = "d" * 247, "abcdefghijklmnop"
    members, path = [], ""
    for step in steps:
        members.append((_member(os.path.join(path, long_name), tarfile.DIRTYPE), b""))
        members.append((_member(os.path.join(path, step), tarfile.SYMTYPE, long_name), b""))
        path = os.path.join(path, long_name)
    link = os.path.join(*steps, "l" * 254)
    members.append((_member(link, tarfile.SYMTYPE, "../" * len(steps)), b""))
    target = link + "/.." * (len(steps) + 1) + str(outside)
    members.append((_member("escape", tarfile.SYMTYPE, target), b""))
    members.append((_member("escape/pwned.py", tarfile.REGTYPE), b"pwned = True\n"))
    return _tgz(*members)


def _sparse_file() -> bytes:
    # A PAX 1.0 sparse file: a REGTYPE header whose data starts with the sparse map.
    sparse_map = b"1\n0\n5\n".ljust(512, b"\0")
    info = _member(
        "GNUSparseFile.0/data.bin",
        **{"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "data.bin"},
        **{"GNU.sparse.realsize": "5"},
    )
    return _tgz((info, sparse_map + b"hello"))


def _tree_of(folder: Path) -> set[str]:
    found = set()
    for parent, dirs, files in os.walk(folder):
        found.update(os.path.relpath(os.path.join(parent, n), folder) for n in dirs + files)
    return found


HOSTILE_BUNDLES = {
    "symlink chain past PATH_MAX": (
        lambda out: _symlink_chain_escape(out),
        "'a' is a symbolic link",
    ),
    "hard link": (
        lambda out: _tgz(
            (_member("secret", tarfile.LNKTYPE, str(out / "target")), b""),
            (_member("secret"), b"overwritten\n"),
        ),
        "'secret' is a hard link",
    ),
    "fifo": (lambda out: _tgz((_member("pipe", tarfile.FIFOTYPE), b"")), "'pipe' is a FIFO"),
    "device": (
        lambda out: _tgz((_member("disk", tarfile.BLKTYPE), b"")),
        "'disk' is a block device",
    ),
    "sparse file": (lambda out: _sparse_file(), "'data.bin' is a sparse file"),
    "dot-dot": (lambda out: _tgz((_member("../outside/x.py"), b"x = 1\n")), "has a '..' part"),
    "absolute name": (
        lambda out: _tgz((_member(str(out / "abs.py")), b"x = 1\n")),
        "has an absolute name",
    ),
    "file under a symlinked folder": (
        lambda out: _tgz(
            (_member("lib", tarfile.SYMTYPE, str(out)), b""),
            (_member("lib/x.py"), b"x = 1\n"),
        ),
        "'lib' is a symbolic link",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_BUNDLES))
def test_a_hostile_bundle_is_refused_whole_before_anything_is_written(
    case: str, tmp_path: Path
) -> None:
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (outside / "target").write_text("untouched\n")
    make, reason = HOSTILE_BUNDLES[case]
    archive = make(outside)
    (dest / "kept.py").write_text("kept = True\n")
    before = _tree_of(tmp_path)
    with pytest.raises(CodeBundleError, match=re.escape(reason)):
        extract_code_bundle(archive, dest)
    assert _tree_of(tmp_path) == before
    assert (outside / "target").read_text() == "untouched\n"


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([("pkg", tarfile.REGTYPE), ("pkg/x.py", tarfile.REGTYPE)], "'pkg/x.py' is under 'pkg'"),
        ([("pkg/x.py", tarfile.REGTYPE), ("pkg", tarfile.REGTYPE)], "'pkg/x.py' is under 'pkg'"),
        ([("pkg", tarfile.DIRTYPE), ("pkg", tarfile.REGTYPE)], "'pkg' is both a file and"),
        ([("kept.py", tarfile.DIRTYPE)], "would replace the file"),
        ([("folder", tarfile.REGTYPE)], "would replace the folder"),
    ],
)
def test_a_bundle_that_cannot_be_laid_out_in_dest_is_refused_whole(
    members: list[tuple[str, bytes]], reason: str, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    (dest / "folder").mkdir(parents=True)
    (dest / "kept.py").write_text("kept = True\n")
    archive = _tgz(*((_member("first.py"), b""),), *((_member(n, k), b"") for n, k in members))
    with pytest.raises(CodeBundleError, match=re.escape(reason)):
        extract_code_bundle(archive, dest)
    assert _tree_of(dest) == {"folder", "kept.py"}


def test_a_file_under_a_symlink_already_in_dest_that_leads_out_is_refused(tmp_path: Path) -> None:
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "lib").symlink_to(outside, target_is_directory=True)
    archive = _tgz((_member("app.py"), b"x = 1\n"), (_member("lib/x.py"), b"x = 1\n"))
    with pytest.raises(CodeBundleError, match=r"'lib/x.py' resolves to .*outside"):
        extract_code_bundle(archive, dest)
    assert _tree_of(tmp_path) == {"dest", "dest/lib", "outside"}


def test_a_bundle_written_by_build_code_bundle_unpacks_to_the_same_files(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "src", {"pkg/__init__.py": "", "pkg/mod.py": "x = 1\n", "run.sh": "#!/bin/sh\n"}
    )
    (root / "run.sh").chmod(0o775)
    path, _ = build_code_bundle(root, tmp_path / "out")
    dest = tmp_path / "dest"
    extract_code_bundle(path.read_bytes(), dest)
    assert _tree_of(dest) == {"pkg", "pkg/__init__.py", "pkg/mod.py", "run.sh"}
    assert (dest / "pkg" / "mod.py").read_text() == "x = 1\n"
    assert stat.S_IMODE((dest / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "pkg" / "mod.py").stat().st_mode) == 0o644


def test_folders_and_dot_entries_of_other_tools_unpack(tmp_path: Path) -> None:
    archive = _tgz(
        (_member(".", tarfile.DIRTYPE), b""),
        (_member("./pkg", tarfile.DIRTYPE), b""),
        (_member("./pkg/mod.py"), b"x = 1\n"),
    )
    extract_code_bundle(archive, tmp_path / "dest")
    assert (tmp_path / "dest" / "pkg" / "mod.py").read_text() == "x = 1\n"


def test_unpacking_replaces_a_link_in_dest_instead_of_writing_through_it(tmp_path: Path) -> None:
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (outside / "config.py").write_text("secret = 1\n")
    (dest / "config.py").symlink_to(outside / "config.py")
    os.link(outside / "config.py", dest / "hard.py")
    (dest / "data").symlink_to(outside, target_is_directory=True)
    members = [(_member(n), b"y\n") for n in ("hard.py", "data")]
    extract_code_bundle(_tgz((_member("config.py"), b"x = 1\n"), *members), dest)
    assert (outside / "config.py").read_text() == "secret = 1\n"
    assert not (dest / "config.py").is_symlink()
    assert (dest / "config.py").read_text() == "x = 1\n"
    assert (dest / "hard.py").read_text() == (dest / "data").read_text() == "y\n"
    assert _tree_of(outside) == {"config.py"}


def test_bytes_that_are_not_a_tar_gz_are_a_code_bundle_error(tmp_path: Path) -> None:
    with pytest.raises(CodeBundleError, match=r"not a \.tar\.gz"):
        extract_code_bundle(b"not a bundle", tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
