"""Episode durations: ``itunes:duration`` in, seconds stored, "1:02:05" shown.

Feeds write durations as plain seconds ("3725", "3725.5"), "MM:SS" ("30:04") or
"H:MM:SS" ("1:02:05"), sometimes with a fraction ("30:04.5") and often with junk.
:func:`parse_duration` turns anything it cannot read with confidence into ``None``
(unknown): a missing length is better than a wrong one.

Rules for odd but real values:

- Minutes of 60 or more are accepted in "MM:SS": "90:00" is 90 minutes.
- In "H:MM:SS" minutes and seconds must be below 60: "1:75:00" is unknown, since a
  field out of range means the value is not what it looks like.
- Seconds must be below 60 in both forms: "30:75" is unknown. The minutes and seconds
  fields after a colon have one or two digits ("1:5" is 1:05, "1:005" is unknown).
- Zero ("0", "00:00:00") is unknown: feeds write it as a placeholder, never for an
  episode that really lasts no time at all.
- More than :data:`MAX_DURATION_SECONDS` (a week) is unknown: the longest real
  episodes last hours, so bigger numbers are milliseconds or junk.
- Fractions are rounded to the nearest second, halves up ("30:04.5" is 30:05).
"""

from __future__ import annotations

import math
import re

MAX_DURATION_SECONDS = 7 * 24 * 3600

# ASCII digits only: Python's \d and int() also accept digits of other scripts.
_FRACTION = r"(?:\.[0-9]*)?"
_SECONDS_ONLY = re.compile(rf"([0-9]+{_FRACTION})")
_MINUTES_SECONDS = re.compile(rf"([0-9]+):([0-9]{{1,2}}{_FRACTION})")
_HOURS_MINUTES_SECONDS = re.compile(rf"([0-9]+):([0-9]{{1,2}}):([0-9]{{1,2}}{_FRACTION})")
_TWO_DIGITS = [f"{n:02d}" for n in range(100)]
_HOURS = {f"{digits}:": n * 3600 for n, digits in enumerate(_TWO_DIGITS)}        # "01:"
_MINUTES = {f"{digits}:": n * 60 for n, digits in enumerate(_TWO_DIGITS[:60])}   # "02:"
_SECONDS = {digits: n for n, digits in enumerate(_TWO_DIGITS[:60])}             # "05"
# Long enough for any sensible duration with a long fraction; refuses megabyte strings
# before the regex or int() (which limits itself to 4300 digits) sees them.
_MAX_TEXT_LENGTH = 40


def parse_duration(value: object) -> int | None:
    """Seconds in ``value`` (text, int or float), or ``None`` when unknown. Never raises."""
    if isinstance(value, str):  # (the usual case first)
        return text_duration(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return _checked(value)


def text_duration(text: str) -> int | None:
    """:func:`parse_duration` of a text without whitespace around it (the fast path's)."""
    # The common forms, "HH:MM:SS", "MM:SS" and plain seconds, are read without a regex:
    # the first two from tables that check their fields.
    size = len(text)
    try:
        if size == 8:
            return _HOURS[text[:3]] + _MINUTES[text[3:6]] + _SECONDS[text[6:]] or None
        if size == 5:
            return _MINUTES[text[:3]] + _SECONDS[text[3:]] or None
    except KeyError:
        pass  # another shape
    if size > _MAX_TEXT_LENGTH:
        return None
    if text.isdigit() and text.isascii():
        seconds = int(text)
        return seconds if 0 < seconds <= MAX_DURATION_SECONDS else None
    colons = text.count(":")  # (the three shapes differ in it: try only the one)
    if colons == 0 and (match := _SECONDS_ONLY.fullmatch(text)):
        return _checked(float(match[1]))
    if colons == 1 and (match := _MINUTES_SECONDS.fullmatch(text)):
        minutes, seconds = int(match[1]), float(match[2])
        if seconds >= 60:
            return None
        return _checked(minutes * 60 + seconds)
    if colons == 2 and (match := _HOURS_MINUTES_SECONDS.fullmatch(text)):
        hours, minutes, seconds = int(match[1]), int(match[2]), float(match[3])
        if minutes >= 60 or seconds >= 60:
            return None
        return _checked(hours * 3600 + minutes * 60 + seconds)
    return None


def _checked(seconds: float) -> int | None:
    """Whole seconds, or ``None`` for NaN, infinities, zero, negatives and absurd sizes."""
    # A chained comparison is False for NaN and works for ints too big for a float.
    if not 0 <= seconds <= MAX_DURATION_SECONDS + 1:
        return None
    whole = math.floor(seconds + 0.5)
    if whole == 0 or whole > MAX_DURATION_SECONDS:
        return None
    return whole


def format_duration(seconds: int | None) -> str | None:
    """Display form: "0:45", "1:01" (61 s), "30:04", "1:02:05".

    ``None`` (unknown) and negative values give ``None``.
    """
    if seconds is None or seconds < 0:
        return None
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
