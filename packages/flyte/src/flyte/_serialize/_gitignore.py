"""The subset of ``.gitignore`` semantics a code bundle needs: patterns, anchors, ``**``, ``!`` and ``dir/``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["IgnoreRules"]


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    negated: bool
    directory_only: bool


class IgnoreRules:
    """The rules of the ``.gitignore`` files met so far, each relative to its own folder."""

    def __init__(self, rules: tuple[tuple[str, _Rule], ...] = ()) -> None:
        self._rules = rules

    def with_file(self, gitignore: Path, base: str) -> IgnoreRules:
        """These rules plus those of ``gitignore``, which sits in the folder ``base`` (relative, posix)."""
        if not gitignore.is_file():
            return self
        added = [(base, r) for r in map(_parse, gitignore.read_text().splitlines()) if r]
        return IgnoreRules(self._rules + tuple(added)) if added else self

    def ignores(self, relative: str, is_dir: bool) -> bool:
        """Whether the path ``relative`` (posix, from the root) is ignored; the last match decides."""
        ignored = False
        for base, rule in self._rules:
            if rule.directory_only and not is_dir:
                continue
            if base:
                if not relative.startswith(base + "/"):
                    continue
                path = relative[len(base) + 1 :]
            else:
                path = relative
            if rule.regex.fullmatch(path):
                ignored = not rule.negated
        return ignored


def _parse(line: str) -> _Rule | None:
    line = line.rstrip()
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    if line.startswith("\\"):
        line = line[1:]
    directory_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line)
    regex = body if anchored else f"(?:.*/)?{body}"
    return _Rule(re.compile(regex), negated, directory_only)


def _translate(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)
