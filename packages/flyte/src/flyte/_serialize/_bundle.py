"""Code bundles: a reproducible ``.tar.gz`` of the user's source tree, its content hash, and unpacking.

The same tree gives the same bytes on any machine: entries are sorted, owners, times and modes
are normalized, and gzip records no time or file name. The version hashes paths, modes and
contents (not the compressed bytes, which could differ between zlib releases).

A bundle holds regular files (and, from other tools, folders) only; unpacking refuses a bundle
that holds anything else, whole, before writing anything.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from flyte._progress import status
from flyte._serialize._gitignore import IgnoreRules, repository_of
from flyte.errors import FlyteError
from flyte.models import CodeBundle

__all__ = [
    "CodeBundleError",
    "build_code_bundle",
    "extract_code_bundle",
    "source_files",
    "write_tgz",
]


class CodeBundleError(FlyteError, ValueError):
    """A code bundle cannot be built (its folder is ignored, or would hold the output) or was refused.

    A bundle is refused when unpacked if it holds a member that is not a regular file or folder
    inside the destination; the message names the member and why.
    """


#: Folders that are never source: version control, caches, build output (``.git``, file or
#: folder, is never taken, as git never lists it).
_SKIPPED_DIRS = frozenset(
    {
        b".hg",
        b".svn",
        b"__pycache__",
        b".mypy_cache",
        b".pytest_cache",
        b".ruff_cache",
        b".hypothesis",
        b".nox",
        b".tox",
        b".venv",
        b"venv",
        b"node_modules",
        b".ipynb_checkpoints",
    }
)
_SKIPPED_SUFFIXES = (b".pyc", b".pyo")


def source_files(root: Path, leave_out: Iterable[Path] = ()) -> list[str]:
    """The files of the tree under ``root`` that belong in a bundle, as sorted posix paths.

    Leaves out what git ignores, exactly as git does: the patterns of every ``.gitignore`` from
    the repository's top (the nearest folder above ``root`` holding ``.git``) down, and of
    ``.git/info/exclude`` (not the user's own ``core.excludesFile``, which would make the bundle
    depend on who builds it). Also left out: version control folders, caches, virtual
    environments (any folder holding a ``pyvenv.cfg``), compiled Python, and the files or folders
    ``leave_out`` (where the bundle and the package are written). A symbolic link is never
    followed out of the tree: it is taken, as the content of the file it points to, only if that
    file is taken too.

    Raises:
        CodeBundleError: git ignores ``root`` itself, so a bundle of it would be empty; or a path
            to leave out is ``root`` itself.
    """
    root = root.resolve()
    rules, in_repository = _rules_above(root)
    left_out = set()
    for other in leave_out:
        if other.resolve() == root:
            raise CodeBundleError(
                f"{other} is the folder being bundled: what is written there would be bundled "
                f"by the next run; write into a folder inside it, or elsewhere"
            )
        with contextlib.suppress(ValueError):  # not inside the tree: nothing to leave out
            left_out.add(os.fsencode(other.resolve().relative_to(root).as_posix()))
    top = os.fsencode(root)
    files: set[bytes] = set()
    links: list[bytes] = []
    _walk(top, b"", in_repository, rules, left_out, files, links)
    for link in links:
        if os.path.relpath(os.path.realpath(os.path.join(top, link)), top) in files:
            files.add(link)
    return sorted(os.fsdecode(path) for path in files)


def _rules_above(root: Path) -> tuple[IgnoreRules, bytes]:
    """The ignore rules in force in ``root``, and its posix path from the repository's top."""
    top, info_exclude = repository_of(root)
    rules = IgnoreRules()
    if info_exclude is not None:
        rules = rules.with_file(info_exclude, b"", follow_symlinks=True)
    folder, relative = top, b""
    for part in root.relative_to(top).parts:
        rules = rules.with_file(folder / ".gitignore", relative)
        folder, relative = folder / part, (relative + b"/" if relative else b"") + os.fsencode(part)
        rule = rules.rule_for(relative, is_dir=True)
        if rule is not None and not rule.negated:
            raise CodeBundleError(
                f"git ignores {folder} ({rule.source}: {rule.pattern!r}), so a code bundle of it "
                f"would be empty; bundle a folder that git does not ignore (--root-dir)"
            )
    return rules, relative


def _walk(
    folder: bytes,
    relative: bytes,
    in_repository: bytes,
    rules: IgnoreRules,
    left_out: set[bytes],
    files: set[bytes],
    links: list[bytes],
) -> None:
    """Add the files under ``folder`` that no rule leaves out to ``files``, its links to ``links``.

    ``relative`` is the folder's path in the bundle, ``in_repository`` from the repository's top.
    """
    with os.scandir(folder) as scan:
        entries = list(scan)
    if any(entry.name == b".gitignore" for entry in entries):
        rules = rules.with_file(os.path.join(folder, b".gitignore"), in_repository)
    for entry in entries:
        path = relative + b"/" + entry.name if relative else entry.name
        path_in_repository = in_repository + b"/" + entry.name if in_repository else entry.name
        if entry.name == b".git" or path in left_out:
            continue
        is_dir = entry.is_dir(follow_symlinks=False)
        if is_dir and (entry.name in _SKIPPED_DIRS or os.path.exists(entry.path + b"/pyvenv.cfg")):
            continue
        if rules.ignores(path_in_repository, is_dir):
            continue
        if is_dir:
            _walk(entry.path, path, path_in_repository, rules, left_out, files, links)
        elif entry.is_symlink():
            links.append(path)
        elif entry.is_file(follow_symlinks=False) and not entry.name.endswith(_SKIPPED_SUFFIXES):
            files.add(path)


def build_code_bundle(
    root_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    destination: str = ".",
    *,
    leave_out: Iterable[str | os.PathLike[str]] = (),
) -> tuple[Path, CodeBundle]:
    """Write ``fast<version>.tar.gz`` of the tree under ``root_dir`` into ``out_dir``.

    The bundle holds the :func:`source_files` of the tree, less ``out_dir`` and the files or
    folders ``leave_out``. Returns the file and its :class:`CodeBundle` (location: the file;
    ``computed_version``: the content hash).
    """
    root = Path(root_dir).resolve()
    digest = hashlib.sha256()
    entries = []
    live = status.enabled()
    size = 0
    for name in source_files(root, [Path(out_dir), *map(Path, leave_out)]):
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


#: What each refused member type is, in the refusal.
_MEMBER_KINDS = {
    tarfile.SYMTYPE: "a symbolic link",
    tarfile.LNKTYPE: "a hard link",
    tarfile.CHRTYPE: "a character device",
    tarfile.BLKTYPE: "a block device",
    tarfile.FIFOTYPE: "a FIFO",
    tarfile.CONTTYPE: "a contiguous file",
    tarfile.GNUTYPE_SPARSE: "a sparse file",
}


def extract_code_bundle(archive: bytes, dest: str | os.PathLike[str]) -> None:
    """Unpack the ``.tar.gz`` code bundle ``archive`` into the folder ``dest``.

    Every member is checked before anything is written: a member that is not a regular file or
    a folder (links, devices, FIFOs, sparse files), an absolute name, a ``..`` part, or a path
    that resolves outside ``dest`` (through a symbolic link already there) refuses the whole
    bundle. Files are written with mode 0o644, or 0o755 if the member is executable, each
    replacing what was at its path (a link there is replaced, never written through). Neither
    ``extractall`` nor tarfile's extraction filters are used, so this holds on every Python.

    Raises:
        CodeBundleError: the bundle is not a ``.tar.gz``, or a member is refused (named, with why).
    """
    root = os.path.realpath(dest)
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            plan = _plan(tar.getmembers(), root)
            os.makedirs(root, exist_ok=True)
            for target, member in plan:
                if member.isdir():
                    os.makedirs(target, mode=0o755, exist_ok=True)
                else:
                    _write_member(tar, member, target)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise CodeBundleError(f"the code bundle is not a .tar.gz: {exc}") from exc


def _plan(members: list[tarfile.TarInfo], root: str) -> list[tuple[str, tarfile.TarInfo]]:
    """Where each member goes under the real path ``root``; raises on the first refused member."""
    kinds: dict[str, bool] = {}  # member path -> is a folder
    folders = {"": root}  # member folder -> its real path, resolved once
    plan = []
    for member in members:
        parts = [p for p in member.name.split("/") if p not in ("", ".")]
        path = "/".join(parts)
        reason = _refusal(member, parts)
        if reason is None and kinds.get(path, member.isdir()) != member.isdir():
            reason = "is both a file and a folder in the bundle"
        if reason is None and path:
            target, reason = _target(parts, member.isdir(), root, folders)
            plan.append((target, member))
        if reason is not None:
            raise _refused(member.name, reason, root)
        kinds[path] = member.isdir()
    for path in kinds:
        parts = path.split("/")
        for end in range(1, len(parts)):
            if kinds.get("/".join(parts[:end])) is False:
                parent = "/".join(parts[:end])
                raise _refused(path, f"is under {parent!r}, which the bundle holds as a file", root)
    return plan


def _refused(name: str, reason: str, root: str) -> CodeBundleError:
    return CodeBundleError(
        f"refused the code bundle: its member {name!r} {reason}; a code bundle holds only files "
        f"and folders inside its destination, and nothing was unpacked into {root}"
    )


def _refusal(member: tarfile.TarInfo, parts: list[str]) -> str | None:
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE):
        return f"is {_MEMBER_KINDS.get(member.type, f'a member of type {member.type!r}')}"
    if member.sparse is not None:
        return "is a sparse file"
    if "\0" in member.name:
        return "has a NUL character in its name"
    if member.name.startswith("/"):
        return "has an absolute name"
    if ".." in parts:
        return "has a '..' part"
    if not parts and not member.isdir():
        return "names no file"
    return None


def _target(
    parts: list[str], is_dir: bool, root: str, folders: dict[str, str]
) -> tuple[str, str | None]:
    """The real path of a member and why it is refused (None: it is not)."""
    parent = "/".join(parts[:-1])
    if parent not in folders:
        folders[parent] = os.path.realpath(os.path.join(root, *parts[:-1]))
    real_parent = folders[parent]
    target = os.path.join(real_parent, parts[-1])
    if is_dir:
        target = os.path.realpath(target)
    if not _inside(real_parent, root) or not _inside(target, root):
        return target, f"resolves to {target}, outside {root}"
    if os.path.lexists(real_parent) and not os.path.isdir(real_parent):
        return target, f"is under {real_parent}, which is a file in the destination"
    if is_dir and os.path.lexists(target) and not os.path.isdir(target):
        return target, f"would replace the file {target} with a folder"
    if not is_dir and os.path.isdir(target) and not os.path.islink(target):
        return target, f"would replace the folder {target} with a file"
    return target, None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _write_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: str) -> None:
    # A new file renamed over the target replaces a link there instead of writing through it:
    # a hard or symbolic link already in dest may lead to a file outside it.
    folder = os.path.dirname(target)
    os.makedirs(folder, mode=0o755, exist_ok=True)
    source = tar.extractfile(member)
    assert source is not None  # a regular file always has content
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".bundle-")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out)
            os.fchmod(out.fileno(), 0o755 if member.mode & 0o111 else 0o644)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
