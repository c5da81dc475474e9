"""Code bundles: a reproducible ``.tar.gz`` of the user's source tree and its content hash.

The same tree gives the same bytes on any machine: entries are sorted, owners, times and modes
are normalized, and gzip records no time or file name. The version hashes paths, modes and
contents (not the compressed bytes, which could differ between zlib releases).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from flyte._progress import status
from flyte._serialize._gitignore import IgnoreRules
from flyte.models import CodeBundle

__all__ = ["build_code_bundle", "source_files", "write_tgz"]

#: Folders that are never source: version control, caches, build output.
_SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".nox",
        ".tox",
        ".venv",
        "venv",
        "node_modules",
        ".ipynb_checkpoints",
    }
)
_SKIPPED_SUFFIXES = (".pyc", ".pyo")


def source_files(root: Path, exclude: Path | None = None) -> list[str]:
    """The files of the tree under ``root`` that belong in a bundle, as sorted posix paths.

    Leaves out version control folders, caches, virtual environments (any folder holding a
    ``pyvenv.cfg``), compiled Python, what the tree's ``.gitignore`` files exclude, and the
    folder ``exclude`` (where the bundle is written).
    """
    rules = IgnoreRules().with_file(root / ".gitignore", "")
    return sorted(_walk(root, "", rules, exclude.resolve() if exclude else None))


def _walk(folder: Path, relative: str, rules: IgnoreRules, exclude: Path | None) -> Iterator[str]:
    with os.scandir(folder) as entries:
        for entry in entries:
            path = f"{relative}/{entry.name}" if relative else entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if rules.ignores(path, is_dir):
                continue
            if is_dir:
                child = Path(entry.path)
                if (
                    entry.name in _SKIPPED_DIRS
                    or (child / "pyvenv.cfg").exists()
                    or child.resolve() == exclude
                ):
                    continue
                yield from _walk(child, path, rules.with_file(child / ".gitignore", path), exclude)
            elif entry.is_file() and not entry.name.endswith(_SKIPPED_SUFFIXES):
                yield path


def build_code_bundle(
    root_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], destination: str = "."
) -> tuple[Path, CodeBundle]:
    """Write ``fast<version>.tar.gz`` of the tree under ``root_dir`` into ``out_dir``.

    Returns the file and its :class:`CodeBundle` (location: the file; ``computed_version``: the
    content hash).
    """
    root = Path(root_dir).resolve()
    digest = hashlib.sha256()
    entries = []
    live = status.enabled()
    size = 0
    for name in source_files(root, Path(out_dir)):
        path = root / name
        data = path.read_bytes()
        mode = 0o755 if os.access(path, os.X_OK) else 0o644
        entries.append((name, data, mode))
        digest.update(f"{name}\0{mode:o}\0{len(data)}\0".encode())
        digest.update(data)
        if live:
            size += len(data)
            status.show(f"code bundle of {root}: {len(entries)} files, {size / 1e6:.1f} MB")
    version = digest.hexdigest()[:32]
    target = Path(out_dir) / f"fast{version}.tar.gz"
    if live:
        status.show(f"code bundle of {root}: compressing {len(entries)} files", force=True)
    write_tgz(entries, target)
    status.clear()
    return target, CodeBundle(
        location=str(target), destination=destination, computed_version=version
    )


def write_tgz(entries: Iterable[tuple[str, bytes, int]], target: Path) -> None:
    """Write ``(name, data, mode)`` entries, in their order, as a reproducible ``.tar.gz``."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        target.open("wb") as out,
        gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as gz,
    ):
        gz.write(raw.getvalue())
