"""A task's docstring as flytekit reads it: short and long descriptions, and per-variable texts.

Two styles are read, as flytekit's parser reads them (it picks whichever style finds more):

- reST: ``:param x: text``, ``:return: text`` (continuation lines indented);
- Google: ``Args:`` (``Arguments``, ``Parameters``, ``Params``) entries ``x (int): text``, and a
  ``Returns:`` section, ``int: text`` or just ``text``.

The short description is the first line; the long one is what follows it, up to the first field
or section. A single return text describes every output, as flytekit shares it.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

__all__ = ["Docstring", "parse_docstring"]


@dataclass(frozen=True)
class Docstring:
    """What a docstring says: ``short`` and ``long`` descriptions, inputs' and outputs' texts.

    ``returns`` is keyed by output name, or by None for a text that names no output.
    """

    short: str | None = None
    long: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    returns: dict[str | None, str] = field(default_factory=dict)

    def output_descriptions(self, names: list[str]) -> dict[str, str]:
        """The text of each output in ``names``; one unnamed text is shared by all of them."""
        if len(self.returns) == 1:
            (text,) = self.returns.values()
            return dict.fromkeys(names, text)
        return {name: text for name, text in self.returns.items() if name is not None}


_PARAM_FIELDS = {"param", "parameter", "arg", "argument", "attribute", "key", "keyword"}
_RETURN_FIELDS = {"return", "returns"}
_REST_FIELD = re.compile(r"(^:.*?)(?=^:|\Z)", re.S | re.M)

_GOOGLE_SECTIONS = {
    "Arguments": "param",
    "Args": "param",
    "Parameters": "param",
    "Params": "param",
    "Raises": "raises",
    "Exceptions": "raises",
    "Except": "raises",
    "Attributes": "attribute",
    "Example": "example",
    "Examples": "example",
    "Returns": "returns",
    "Yields": "yields",
}
_GOOGLE_TITLE = re.compile("^(" + "|".join(_GOOGLE_SECTIONS) + r"):[ \t\r\f\v]*$", re.M)
_GOOGLE_TYPED_NAME = re.compile(r"\s*(.+?)\s*\(\s*(.*[^\s]+)\s*\)")
_GOOGLE_TYPED_RETURN = re.compile(r"(\s*[^:\s]+:)|([^:]*\]:.*)")


@dataclass
class _Parsed:
    docstring: Docstring
    fields: int


def parse_docstring(text: str | None) -> Docstring:
    """The parts of ``text`` (a function's ``__doc__``), in whichever style finds more fields."""
    if not text:
        return Docstring()
    cleaned = inspect.cleandoc(text)
    rest, google = _parse_rest(cleaned), _parse_google(cleaned)
    return (google if google.fields > rest.fields else rest).docstring


def _descriptions(chunk: str) -> tuple[str | None, str | None]:
    short, _, long = chunk.partition("\n")
    return short or None, long.strip() or None


def _continued(text: str) -> str:
    """A field's text: its first line, then the following lines with their indent removed."""
    if "\n" not in text:
        return text
    first, rest = text.split("\n", 1)
    return first + "\n" + inspect.cleandoc(rest)


def _parse_rest(text: str) -> _Parsed:
    start = re.search("^:", text, re.M)
    chunk, fields_text = (text[: start.start()], text[start.start() :]) if start else (text, "")
    params: dict[str, str] = {}
    returns: dict[str | None, str] = {}
    count = 0
    for match in _REST_FIELD.finditer(fields_text):
        head, sep, body = match.group(0).lstrip(":").partition(":")
        if not sep:
            return _Parsed(Docstring(*_descriptions(chunk)), 0)  # not reST after all
        words = head.split()
        description = _continued(body.strip())
        count += 1
        if words and words[0] in _PARAM_FIELDS and len(words) in (2, 3):
            params[words[-1]] = description
        elif words and words[0] in _RETURN_FIELDS:
            returns[None] = description
    return _Parsed(Docstring(*_descriptions(chunk), params, returns), count)


def _parse_google(text: str) -> _Parsed:
    titles = list(_GOOGLE_TITLE.finditer(text))
    chunk = text[: titles[0].start()] if titles else text
    params: dict[str, str] = {}
    returns: dict[str | None, str] = {}
    count = 0
    for index, title in enumerate(titles):
        end = titles[index + 1].start() if index + 1 < len(titles) else len(text)
        body = text[title.end() : end]
        # A line back at the left margin ends the section (it is not part of it).
        outdented = re.search(r"\n\S", body)
        body = (body[: outdented.start()] if outdented else body).strip("\n")
        kind = _GOOGLE_SECTIONS[title.group(1)]
        if not body:
            continue
        if kind in ("returns", "yields"):
            returns[None] = _google_return(inspect.cleandoc(body))
            count += 1
            continue
        if kind == "example":
            count += 1
            continue
        indent = re.match(r"^\s*", body)
        entries = re.split("^" + (indent.group() if indent else "") + r"(?=\S)", body, flags=re.M)
        for entry in filter(None, (e.strip("\n") for e in entries)):
            name, sep, description = entry.partition(":")
            if not sep:
                return _Parsed(Docstring(*_descriptions(chunk)), 0)  # not Google after all
            count += 1
            if kind == "param":
                typed = _GOOGLE_TYPED_NAME.match(name)
                params[typed.group(1) if typed else name] = _google_text(description)
    return _Parsed(Docstring(*_descriptions(chunk), params, returns), count)


def _google_text(description: str) -> str:
    if description.startswith(" "):
        description = description[1:]
    return _continued(description).strip("\n")


def _google_return(body: str) -> str:
    if _GOOGLE_TYPED_RETURN.match(body):
        return _google_text(body.partition(":")[2])
    return body
