"""Code bundles: the same tree gives the same bytes, and what is not source stays out."""

from __future__ import annotations

import hashlib
import os
import tarfile
from pathlib import Path

from flyte._serialize import build_code_bundle
from flyte._serialize._bundle import source_files


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
