"""Durations as people type them on a command line: seconds, ``1h30m``, ISO 8601, ``1:30:00``."""

from __future__ import annotations

import datetime
import re

__all__ = ["DURATION_FORMS", "parse_duration"]

#: The forms :func:`parse_duration` reads, for error messages and help.
DURATION_FORMS = "seconds (90, 1.5), units (1h30m, 2d, 500ms), ISO 8601 (PT1H30M), or H:MM:SS"

_UNITS = {
    "w": "weeks",
    "d": "days",
    "h": "hours",
    "m": "minutes",
    "s": "seconds",
    "ms": "milliseconds",
    "us": "microseconds",
}
_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_UNIT_PART = re.compile(rf"\s*({_NUMBER})\s*(ms|us|w|d|h|m|s)", re.IGNORECASE)
_ISO = re.compile(
    rf"P(?:({_NUMBER})W)?(?:({_NUMBER})D)?"
    rf"(?:T(?:({_NUMBER})H)?(?:({_NUMBER})M)?(?:({_NUMBER})S)?)?",
    re.IGNORECASE,
)
# What str(timedelta) writes: "1:30:00", "2 days, 0:00:00.5", "-1 day, 23:59:59".
_CLOCK = re.compile(r"(?:(-?\d+) days?,\s*)?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)")


def parse_duration(text: str) -> datetime.timedelta:
    """The duration ``text`` names; ``ValueError`` naming the accepted forms otherwise."""
    try:
        return _parse(text)
    except OverflowError:
        raise ValueError(f"{text!r} is beyond the range of a duration") from None


def _parse(text: str) -> datetime.timedelta:
    stripped = text.strip()
    sign, body = (-1, stripped[1:]) if stripped.startswith("-") else (1, stripped)
    try:
        return sign * datetime.timedelta(seconds=float(body))
    except ValueError:
        pass
    clock = _CLOCK.fullmatch(stripped)
    if clock:
        days, hours, minutes, seconds = clock.groups()
        return datetime.timedelta(
            days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=float(seconds)
        )
    iso = _ISO.fullmatch(body)
    if iso and any(iso.groups()):
        weeks, days, hours, minutes, seconds = (float(g or 0) for g in iso.groups())
        return sign * datetime.timedelta(
            weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds
        )
    if _UNIT_PART.match(body):
        return sign * _units(body, text)
    raise ValueError(f"{text!r} is not a duration: use {DURATION_FORMS}")


def _units(body: str, text: str) -> datetime.timedelta:
    total = datetime.timedelta()
    position = 0
    for part in _UNIT_PART.finditer(body):
        if part.start() != position:
            break
        total += datetime.timedelta(**{_UNITS[part.group(2).lower()]: float(part.group(1))})
        position = part.end()
    if body[position:].strip():
        raise ValueError(f"{text!r} is not a duration: use {DURATION_FORMS}")
    return total
