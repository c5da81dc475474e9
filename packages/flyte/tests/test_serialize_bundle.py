"""Code bundles: the same tree gives the same bytes, and what is not source stays out."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flyte._serialize._bundle import (
    CodeBundleError,
    build_code_bundle,
    extract_code_bundle,
    source_files,
)


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


# What the bundle takes: what git takes, from the repository's top down; links never lead out.

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git binary")


def _git(cwd: Path, *args: str) -> bytes:
    # No system or user configuration: no core.excludesFile of the machine's user.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(cwd))
    env.update(XDG_CONFIG_HOME=str(cwd / ".no-xdg"))
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=True)
    return done.stdout


def _repository(root: Path, files: dict[str, str | bytes], exclude: bytes = b"") -> Path:
    root.mkdir(parents=True)
    _git(root, "init", "-q", ".")
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_bytes(exclude)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def _git_takes(folder: Path) -> list[str]:
    """What git lists as untracked and not ignored under ``folder``, relative to it."""
    out = _git(folder, "ls-files", "--others", "--exclude-standard", "-z")
    return sorted(os.fsdecode(p) for p in out.split(b"\0") if p)


TRICKY_TOP_GITIGNORE = b"""# a comment, and a pattern that looks like one
\\#hash.txt
\\!bang.txt
trailing.txt   \n\
escaped\\ \n\
both\\ \\ \n\
tab.txt\t
*.env
!keep.env
/anchored.txt
docs/**/*.tmp
**/cache/
build/
!build/keep.txt
a?c.txt
[!x]yz.txt
[[:digit:]]n.txt
[a-c]r.txt
data/*
!data/sub/
logs/**
!logs/keep.log
\\[lit\\].txt
id_rsa
unclosed[ab
foo**/bar.txt
crlf.txt\r
"""

TRICKY_FILES: dict[str, str | bytes] = {
    ".gitignore": TRICKY_TOP_GITIGNORE,
    "app/.gitignore": "*.log\n!important.log\n/local.txt\nsub/\n\\ lead.txt\n!prod.env\n",
    **dict.fromkeys(
        [
            "#hash.txt", "!bang.txt", "bang.txt", "trailing.txt", "trailing.txt ", "escaped ",
            "escaped", "both  ", "both ", "tab.txt\t", "tab.txt", "prod.env", "anchored.txt",
            "docs/a.tmp", "docs/x/y/b.tmp", "docs/keep.txt", "lib/cache", "build/keep.txt",
            "abc.txt", "ac.txt", "ayz.txt", "xyz.txt", "1n.txt", "an.txt", "br.txt", "dr.txt",
            "data/x.csv", "data/sub/y.csv", "logs/a.log", "logs/keep.log", "logs/deep/keep.log",
            "[lit].txt", "l.txt", "unclosed[ab", "unclosedb", "fooX/deep/bar.txt", "crlf.txt",
            "app/tasks.py", "app/.env", "app/keep.env", "app/prod.env", "app/id_rsa",
            "app/anchored.txt", "app/docs/c.tmp", "app/cache/x.py", "app/x.log",
            "app/important.log", "app/local.txt", "app/deeper/local.txt", "app/sub/z.py",
            "app/deeper/sub/w.py", "app/ lead.txt", "app/secret.txt", "app/foo/bar.txt",
        ],
        "",
    ),
}  # fmt: skip


@needs_git
@pytest.mark.parametrize("folder", ["", "app"])
def test_the_bundle_takes_exactly_what_git_takes(folder: str, tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo", TRICKY_FILES, exclude=b"secret.txt\n")
    taken = source_files(repo / folder)
    assert taken == _git_takes(repo / folder)
    prefix = f"{folder}/" if folder else ""
    for secret in ("app/.env", "app/id_rsa", "app/secret.txt", "escaped ", "build/keep.txt"):
        if secret.startswith(prefix):
            assert secret[len(prefix) :] not in taken


@needs_git
def test_named_character_classes_match_the_bytes_git_matches(tmp_path: Path) -> None:
    names = [b"x" + bytes([b]) for b in range(1, 256) if b != ord("/")]
    files: dict[str, str | bytes] = {}
    for name in ("alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print"):
        files[f"{name}/.gitignore"] = f"x[[:{name}:]]\n"
    for name in ("punct", "space", "upper", "xdigit"):
        files[f"{name}/.gitignore"] = f"x[![:{name}:]]\n"
    for folder in list(files):
        files.update({os.fsdecode(folder.encode()[:-10] + n): b"" for n in names})
    repo = _repository(tmp_path / "repo", files)
    assert source_files(repo) == _git_takes(repo)


_PATTERN_PIECES = st.sampled_from(
    [
        *("a", "b", ".", "*", "**", "?", "/", "!", "#", " ", "\\", "\\ ", "[", "]", "-", "^", ":"),
        *("[a-b]", "[!a]", "[^b]", "[]a]", "[[:alpha:]]", "[[:space:]]", "[[:bad:]]", "\t", "\r"),
        *("é", "?é", "[!é]", "[a-é]"),  # git matches bytes: "?" is one byte of "é"
    ]
)
_PATTERNS = st.lists(_PATTERN_PIECES, max_size=6).map("".join)
_NAMES = st.text(alphabet="ab. !#[]\\*é\t\n", min_size=1, max_size=3).filter(
    lambda n: n not in (".", "..")
)
_PATHS = st.lists(_NAMES, min_size=1, max_size=3).map("/".join)


@needs_git
@settings(max_examples=80, deadline=None)
@given(paths=st.lists(_PATHS, min_size=1, max_size=10), data=st.data())
def test_the_bundle_takes_what_git_takes_for_any_patterns_and_paths(
    paths: list[str], data: st.DataObject
) -> None:
    files = {p for p in paths if not any(q.startswith(p + "/") for q in paths)}
    folders = sorted({str(Path(p).parent) for p in files} - {"."})
    ignore_files = {".gitignore": data.draw(st.lists(_PATTERNS, max_size=6), "top")}
    if folders:
        folder = data.draw(st.sampled_from(folders), "folder with a .gitignore")
        ignore_files[f"{folder}/.gitignore"] = data.draw(st.lists(_PATTERNS, max_size=6), "its")
    exclude = data.draw(st.lists(_PATTERNS, max_size=3), "info/exclude")
    root = data.draw(st.sampled_from(["", *folders]), "bundle root")
    with tempfile.TemporaryDirectory() as scratch:
        contents: dict[str, str | bytes] = dict.fromkeys(files, "")
        contents.update({k: "\n".join(v) for k, v in ignore_files.items()})
        repo = _repository(Path(scratch) / "repo", contents, "\n".join(exclude).encode())
        expected = _git_takes(repo / root)
        try:
            taken = source_files(repo / root)
        except CodeBundleError:  # the bundle's root is ignored: git takes nothing in it
            taken = []
        assert taken == expected


def test_a_gitignore_above_the_bundle_root_keeps_secrets_out(tmp_path: Path) -> None:
    repo = _tree(
        tmp_path / "repo",
        {
            ".git/HEAD": "",
            ".gitignore": ".env\nid_rsa\n",
            "app/tasks.py": "",
            "app/.env": "TOKEN=1\n",
            "app/id_rsa": "-----BEGIN-----\n",
        },
    )
    assert source_files(repo / "app") == ["tasks.py"]


def test_a_bundle_root_that_git_ignores_is_refused(tmp_path: Path) -> None:
    repo = _tree(tmp_path / "repo", {".git/HEAD": "", ".gitignore": "# build\nscratch/\n"})
    _tree(repo / "scratch", {"tasks.py": ""})
    with pytest.raises(CodeBundleError, match=r"\.gitignore:2: 'scratch/'"):
        source_files(repo / "scratch")


def test_a_symlink_is_bundled_only_as_a_file_the_bundle_takes(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("outside secret\n")
    root = _tree(
        tmp_path / "app",
        {"tasks.py": "", "real.txt": "real\n", ".env": "TOKEN=1\n", ".gitignore": ".env\n"},
    )
    (root / "sub").mkdir()
    (root / "inside.txt").symlink_to("real.txt")
    (root / "to_env").symlink_to(".env")
    (root / "to_outside").symlink_to("../outside.txt")
    (root / "to_absolute").symlink_to(tmp_path / "outside.txt")
    (root / "to_folder").symlink_to("sub", target_is_directory=True)
    (root / "dangling").symlink_to("nowhere")
    assert source_files(root) == [".gitignore", "inside.txt", "real.txt", "tasks.py"]
    path, _ = build_code_bundle(root, tmp_path / "out")
    with tarfile.open(path, "r:gz") as tar:
        member = tar.extractfile("inside.txt")
        assert member is not None
        assert member.read() == b"real\n"


def test_a_gitignore_that_is_a_symlink_is_not_read_as_git_does_not(tmp_path: Path) -> None:
    root = _tree(tmp_path / "app", {"rules": "*.py\n", "sub/tasks.py": ""})
    (root / "sub" / ".gitignore").symlink_to("../rules")
    assert "sub/tasks.py" in source_files(root)


@needs_git
def test_a_linked_worktree_reads_the_main_repositorys_info_exclude(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo", {}, exclude=b"secret.txt\n")
    _git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
    )
    _git(repo, "worktree", "add", "-q", str(tmp_path / "wt"))
    _tree(tmp_path / "wt", {"tasks.py": "", "secret.txt": "TOKEN=1\n"})
    assert source_files(tmp_path / "wt") == _git_takes(tmp_path / "wt") == ["tasks.py"]


def test_writing_the_bundle_into_the_bundled_folder_itself_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src", {"tasks.py": ""})
    with pytest.raises(CodeBundleError, match="is the folder being bundled"):
        build_code_bundle(root, root)
    assert sorted(p.name for p in root.iterdir()) == ["tasks.py"]
