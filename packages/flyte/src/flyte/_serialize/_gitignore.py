"""``.gitignore`` rules, read and matched exactly as git (2.39) reads and matches them.

A file is read as git's ``dir.c`` reads it: a line starting with ``#`` is a comment (``\\#`` is
a pattern), a trailing ``\\r`` and trailing spaces are dropped unless a space is escaped
(``foo\\ ``), ``!`` negates (``\\!`` is a pattern), a trailing ``/`` matches folders only, and a
pattern with a ``/`` before its end is relative to the folder of its file, one without matches
a name at any depth. Patterns are git's ``wildmatch``: ``*``, ``?``, ``[...]`` classes (ranges,
``!``/``^``, ``[:alpha:]`` and the other names), ``\\`` escapes and ``**`` (between slashes:
any number of folders), matched on the bytes of a path. Each pattern becomes a regular
expression that matches what wildmatch matches, and each file's are compiled once, together.

The last matching rule decides, a deeper file's over a shallower one's and any ``.gitignore``'s
over ``info/exclude``'s. A folder that is ignored is not entered by whoever walks the tree, so
nothing in it can be re-included, as in git.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass
from pathlib import Path

__all__ = ["IgnoreRule", "IgnoreRules", "repository_of"]

_SLASH, _BACKSLASH, _STAR, _QUESTION = ord("/"), ord("\\"), ord("*"), ord("?")
_OPEN, _CLOSE, _COLON, _DASH = ord("["), ord("]"), ord(":"), ord("-")
#: The bytes git's ``is_glob_special`` names: the literal part of a pattern ends at the first.
_GLOB_SPECIAL = frozenset(b"*?[\\")


def _bytes(characters: str) -> frozenset[int]:
    return frozenset(characters.encode())


#: ``[:name:]`` classes with git's own ctype table (ASCII only; ``space`` is ``\t\n\r`` and space).
_NAMED_CLASSES = {
    b"alnum": _bytes(string.ascii_letters + string.digits),
    b"alpha": _bytes(string.ascii_letters),
    b"blank": _bytes(" \t"),
    b"cntrl": frozenset([*range(32), 127]),
    b"digit": _bytes(string.digits),
    b"graph": frozenset(range(33, 127)),
    b"lower": _bytes(string.ascii_lowercase),
    b"print": frozenset(range(32, 127)),
    b"punct": _bytes(string.punctuation),
    b"space": _bytes(" \t\n\r"),
    b"upper": _bytes(string.ascii_uppercase),
    b"xdigit": _bytes(string.hexdigits),
}


@dataclass(frozen=True)
class IgnoreRule:
    """One pattern of one ignore file: where it was written, and the paths it matches."""

    pattern: str  #: the pattern as written (after trailing spaces are dropped)
    source: str  #: ``FILE:LINE``
    negated: bool  #: a ``!`` pattern: it re-includes what it matches
    directory_only: bool  #: a pattern with a trailing ``/``: it matches folders only
    regex: bytes  #: matches the paths, from the repository's top, that the pattern matches


class _IgnoreFile:
    """The rules of one ignore file, compiled into one expression for folders and one for files.

    Each is an alternation of the rules, last first, one group each: the first alternative that
    matches (the group ``lastindex`` names) is the file's last matching rule, which decides.
    """

    def __init__(self, rules: list[IgnoreRule]) -> None:
        self._for_folders = self._compile(rules)
        self._for_files = self._compile([r for r in rules if not r.directory_only])

    @staticmethod
    def _compile(rules: list[IgnoreRule]) -> tuple[re.Pattern[bytes] | None, list[IgnoreRule]]:
        rules = rules[::-1]
        if not rules:
            return None, rules
        return re.compile(b"|".join(b"(" + r.regex + b")" for r in rules), re.DOTALL), rules

    def rule_for(self, path: bytes, is_dir: bool) -> IgnoreRule | None:
        regex, rules = self._for_folders if is_dir else self._for_files
        found = regex.fullmatch(path) if regex is not None else None
        return rules[found.lastindex - 1] if found is not None and found.lastindex else None


class IgnoreRules:
    """The ignore files met so far on the way down a tree, in the order git weighs them."""

    def __init__(self, files: tuple[_IgnoreFile, ...] = ()) -> None:
        self._files = files

    def with_file(
        self, path: str | bytes | os.PathLike[str], base: bytes, *, follow_symlinks: bool = False
    ) -> IgnoreRules:
        """These rules plus those of the ignore file ``path``, whose patterns are relative to ``base``.

        ``base`` is the folder the file applies to, from the repository's top (posix bytes, empty
        for the top). As git does, a ``.gitignore`` that is a symbolic link is not read (pass
        ``follow_symlinks`` for ``info/exclude``, which git reads wherever it points).
        """
        try:
            fd = os.open(path, os.O_RDONLY | (0 if follow_symlinks else os.O_NOFOLLOW))
            with os.fdopen(fd, "rb") as file:
                data = file.read()
        except OSError:  # absent, a folder, a link, unreadable: git reads nothing from it either
            return self
        rules = _parse(data, base + b"/" if base else b"", os.fsdecode(path))
        return IgnoreRules((*self._files, _IgnoreFile(rules))) if rules else self

    def rule_for(self, path: bytes, is_dir: bool) -> IgnoreRule | None:
        """The rule that decides ``path`` (posix bytes from the repository's top), or None."""
        for file in reversed(self._files):
            rule = file.rule_for(path, is_dir)
            if rule is not None:
                return rule
        return None

    def ignores(self, path: bytes, is_dir: bool) -> bool:
        """Whether ``path`` (posix bytes from the repository's top) is ignored, its folders aside."""
        rule = self.rule_for(path, is_dir)
        return rule is not None and not rule.negated


def repository_of(folder: Path) -> tuple[Path, Path | None]:
    """The top of the git work tree holding ``folder``, and the ``info/exclude`` file git reads there.

    The top is the nearest folder, from ``folder`` up, that holds a ``.git`` (a folder, or the
    file of a linked worktree or submodule that names one). Outside a repository: ``folder``
    itself and None.
    """
    for top in (folder, *folder.parents):
        dot_git = top / ".git"
        if dot_git.is_dir():
            return top, _common_dir(dot_git) / "info" / "exclude"
        if dot_git.is_file():
            text = dot_git.read_text(errors="replace").strip()
            if not text.startswith("gitdir:"):
                return top, None
            return top, _common_dir(top / text[len("gitdir:") :].strip()) / "info" / "exclude"
    return folder, None


def _common_dir(git_dir: Path) -> Path:
    # A linked worktree's git folder names the main one in "commondir"; info/ lives there.
    commondir = git_dir / "commondir"
    if commondir.is_file():
        return git_dir / commondir.read_text(errors="replace").strip()
    return git_dir


def _parse(data: bytes, base: bytes, source: str) -> list[IgnoreRule]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    rules = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line or line.startswith(b"#"):
            continue
        if line.endswith(b"\r"):
            line = line[:-1]
        # git keeps each line as a C string: a NUL ends it.
        rule = _rule(_trim_trailing_spaces(line.partition(b"\0")[0]), base, f"{source}:{number}")
        if rule is not None:
            rules.append(rule)
    return rules


def _trim_trailing_spaces(line: bytes) -> bytes:
    last_space = None
    i = 0
    while i < len(line):
        if line[i] == 0x20:
            if last_space is None:
                last_space = i
        else:
            if line[i] == _BACKSLASH:
                i += 1
                if i == len(line):  # a trailing backslash: git trims nothing
                    return line
            last_space = None
        i += 1
    return line if last_space is None else line[:last_space]


def _rule(line: bytes, base: bytes, source: str) -> IgnoreRule | None:
    negated = line.startswith(b"!")
    pattern = line[1:] if negated else line
    directory_only = pattern.endswith(b"/")
    if directory_only:
        pattern = pattern[:-1]
    basename_only = b"/" not in pattern
    if basename_only:
        regex = _wildmatch(pattern)
    else:
        # git compares the literal part before the first wildcard as a string and hands only the
        # rest to wildmatch, so a "**" right after that part counts as at the pattern's start.
        literal = next((i for i, c in enumerate(pattern) if c in _GLOB_SPECIAL), len(pattern))
        if pattern.startswith(b"/"):
            pattern, literal = pattern[1:], literal - 1
        rest = _wildmatch(pattern[literal:])
        regex = None if rest is None else re.escape(pattern[:literal]) + rest
    if not pattern or regex is None:  # it can match nothing
        return None
    # A name without "/" matches at any depth below the file's folder (git only asks a file's
    # rules about paths below its folder); any other pattern is relative to that folder.
    where = b"(?:.*/)?" if basename_only else re.escape(base)
    return IgnoreRule(
        pattern=line.decode(errors="replace"),
        source=source,
        negated=negated,
        directory_only=directory_only,
        regex=where + regex,
    )


def _wildmatch(pattern: bytes) -> bytes | None:
    """A regular expression matching what git's wildmatch (``WM_PATHNAME``) matches, or None for nothing.

    Without ``WM_PATHNAME`` (a name without ``/``) the two differ only on ``/``, which a name
    does not hold, so this serves both.
    """
    out = []
    i, end = 0, len(pattern)
    while i < end:
        c = pattern[i]
        if c == _BACKSLASH:
            if i + 1 == end:  # escapes nothing: wildmatch matches no text
                return None
            out.append(re.escape(pattern[i + 1 : i + 2]))
            i += 2
        elif c == _QUESTION:
            out.append(b"[^/]")
            i += 1
        elif c == _STAR:
            stars = i
            while i < end and pattern[i] == _STAR:
                i += 1
            after = pattern[i : i + 2]
            whole_folders = (
                i - stars > 1
                and (stars == 0 or pattern[stars - 1] == _SLASH)
                and (i == end or after[:1] == b"/" or after == b"\\/")
            )
            if not whole_folders:
                out.append(b"[^/]*")
            elif after[:1] == b"/":  # "**/": no folder, or any number of them
                out.append(b"(?:.*/)?")
                i += 1
            else:
                out.append(b".*")
        elif c == _OPEN:
            parsed = _character_class(pattern, i)
            if parsed is None:
                return None
            members, i = parsed
            out.append(b"[" + b"".join(b"\\x%02x" % m for m in sorted(members)) + b"]")
        else:
            out.append(re.escape(pattern[i : i + 1]))
            i += 1
    return b"".join(out)


def _character_class(pattern: bytes, i: int) -> tuple[frozenset[int], int] | None:
    """The bytes the ``[...]`` at ``pattern[i]`` matches and the index after it, as wildmatch reads it.

    None if it matches nothing: unclosed, an unknown ``[:name:]``, or no byte left in it.
    """

    def at(k: int) -> int:
        return pattern[k] if k < len(pattern) else 0

    i += 1
    negated = at(i) in b"!^"
    if negated:
        i += 1
    members: set[int] = set()
    previous, c = 0, at(i)
    while True:
        if not c:
            return None
        if c == _BACKSLASH:
            i += 1
            c = at(i)
            if not c:
                return None
            members.add(c)
        elif c == _DASH and previous and at(i + 1) and at(i + 1) != _CLOSE:
            i += 1
            c = at(i)
            if c == _BACKSLASH:
                i += 1
                c = at(i)
                if not c:
                    return None
            members.update(range(previous, c + 1))
            c = 0  # a range is not the start of the next one
        elif c == _OPEN and at(i + 1) == _COLON:
            close = i + 2
            while at(close) and at(close) != _CLOSE:
                close += 1
            if not at(close):
                return None
            if close - (i + 2) < 1 or pattern[close - 1] != _COLON:
                members.add(_OPEN)  # no ":]": an ordinary "[", and the class goes on after it
            else:
                named = _NAMED_CLASSES.get(pattern[i + 2 : close - 1])
                if named is None:
                    return None
                members |= named
                c, i = 0, close
        else:
            members.add(c)
        previous = c
        i += 1
        c = at(i)
        if c == _CLOSE:
            break
    matched = frozenset(range(1, 256)) - members if negated else frozenset(members)
    matched -= {_SLASH}
    return (matched, i + 1) if matched else None
