"""Durations: what feeds write in itunes:duration, and how it is shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from library.durations import MAX_DURATION_SECONDS, format_duration, parse_duration


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3725", 3725),
        ("3725.5", 3726),
        ("3725.4", 3725),
        ("30:04", 1804),
        ("1:02:05", 3725),
        ("01:02:05", 3725),
        ("00:30:04", 1804),
        ("30:04.5", 1805),
        ("1:02:05.999", 3726),
        ("  1:02:05\n", 3725),
        ("\t45 ", 45),
        ("0:45", 45),
        ("1:5", 65),
        ("90:00", 5400),  # minutes of 60 or more are fine in MM:SS
        ("100:00:00", 360000),
        ("5.", 5),
        (3725, 3725),
        (3725.5, 3726),
        (2.5, 3),  # halves round up, not to even
        (str(MAX_DURATION_SECONDS), MAX_DURATION_SECONDS),
    ],
)
def test_parses_what_feeds_write(value, seconds):
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "",
        "   ",
        "1:2:3:4",
        "-5",
        "-0:30",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "1e3",
        "1:75:00",  # minutes out of range in H:MM:SS
        "30:75",  # seconds out of range
        "1:005",
        ":30",
        "30:",
        "1::05",
        ".5",
        "30 min",
        "1h 2m",
        "١٢٣",  # digits of another script
        "0",  # a placeholder, not a length
        "00:00:00",
        "0.4",
        str(MAX_DURATION_SECONDS + 1),  # a week and a second: milliseconds or junk
        "9" * 5000,  # int() refuses more than 4300 digits; must not raise
        -5,
        -0.5,
        float("nan"),
        float("inf"),
        float("-inf"),
        10**400,  # too big to convert to float
        True,
        None,
        b"3725",
        [3725],
    ],
)
def test_junk_is_unknown(value):
    assert parse_duration(value) is None


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0:00"),
        (45, "0:45"),
        (61, "1:01"),
        (1804, "30:04"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (3725, "1:02:05"),
        (360000, "100:00:00"),
    ],
)
def test_formats_like_a_clock(seconds, shown):
    assert format_duration(seconds) == shown


def test_unknown_formats_as_unknown():
    assert format_duration(None) is None
    assert format_duration(-1) is None


@given(st.integers(min_value=1, max_value=MAX_DURATION_SECONDS))
def test_format_parse_round_trips(seconds):
    shown = format_duration(seconds)
    assert parse_duration(shown) == seconds
    assert format_duration(parse_duration(shown)) == shown


@given(st.integers(min_value=1, max_value=MAX_DURATION_SECONDS))
def test_plain_seconds_round_trip(seconds):
    assert parse_duration(str(seconds)) == seconds


_DURATION_CHARS = st.sampled_from("0123456789:.-+ eE\tnaNif٣")


@given(st.one_of(st.text(), st.text(_DURATION_CHARS), st.floats(), st.integers()))
def test_parse_never_raises_and_is_never_negative(value):
    seconds = parse_duration(value)
    assert seconds is None or 0 < seconds <= MAX_DURATION_SECONDS
