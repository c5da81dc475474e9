"""Durations on the command line: every form reads as the timedelta it names."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flyte._runtime._durations import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90", datetime.timedelta(seconds=90)),
        ("-1.5", datetime.timedelta(seconds=-1.5)),
        ("1h30m", datetime.timedelta(hours=1, minutes=30)),
        ("1h 30m 15s", datetime.timedelta(hours=1, minutes=30, seconds=15)),
        ("2d", datetime.timedelta(days=2)),
        ("1w", datetime.timedelta(weeks=1)),
        ("500ms", datetime.timedelta(milliseconds=500)),
        ("10us", datetime.timedelta(microseconds=10)),
        ("-1h", datetime.timedelta(hours=-1)),
        ("PT1H30M", datetime.timedelta(hours=1, minutes=30)),
        ("P1DT2H", datetime.timedelta(days=1, hours=2)),
        ("-PT5S", datetime.timedelta(seconds=-5)),
        ("0:01:30", datetime.timedelta(minutes=1, seconds=30)),
        ("-1 day, 23:59:59", datetime.timedelta(seconds=-1)),
    ],
)
def test_each_form_names_its_duration(text: str, expected: datetime.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "1x", "P", "PT", "1h junk", "1h-2m", "nan"])
def test_what_is_not_a_duration_says_which_forms_are(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration: use seconds \(90, 1.5\), units"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["inf", "1e20", "99999999999d"])
def test_a_duration_out_of_range_says_so(text: str) -> None:
    with pytest.raises(ValueError, match="is beyond the range of a duration"):
        parse_duration(text)


@given(st.timedeltas())
def test_what_a_timedelta_prints_reads_back_as_itself(duration: datetime.timedelta) -> None:
    assert parse_duration(str(duration)) == duration
