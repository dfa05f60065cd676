"""Feed dates, for the fast parser: the two forms real feeds write, read as feedparser does.

RSS writes RFC 822 dates ("Tue, 14 Nov 2023 22:13:20 GMT"), Atom writes RFC 3339 ones
("2023-11-14T22:13:20Z"). :func:`parse_date` reads exactly those shapes and returns the
same UNIX time feedparser's date handlers give for them (a test compares the two over
generated dates). Anything else raises :class:`UnknownDate`: feedparser, which knows
many more shapes, must read that document.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import product

# feedparser drops fractions of a second; numeric offsets and these zone names are the
# only zones read here (others it maps to arbitrary offsets or to UTC).
_ZONES = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6,
          "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}
_MONTHS = {name: n for n, name in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

_RFC822 = re.compile(
    r"""\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?   # day name, ignored
        ([0-9]{1,2})\s+([a-z]{3})[a-z]*\s+([0-9]{4})\s+     # 14 Nov 2023
        ([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?\s+          # 22:13(:20)
        (?:([+-])([0-9]{2})([0-9]{2})|([a-z]+))\s*          # +0100 or GMT
    """, re.VERBOSE | re.IGNORECASE)
_RFC3339 = re.compile(
    r"""\s*([0-9]{4})-([0-9]{2})-([0-9]{2})
        (?:[tT]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?
           (?:([zZ])|([+-])([0-9]{2}):([0-9]{2}))?)?\s*
    """, re.VERBOSE)


# The shape nearly every RSS feed writes, "Tue, 14 Nov 2023 22:13:20 GMT" (or "+0100"),
# is read by slicing, with the same result: each of four slices is looked up in a table
# that both checks it and gives its value (here a call, a comparison or another slice
# costs more than a lookup). The tables of day names and days, and of hours and minutes,
# are whole, each key with the separators around its numbers; the months' and the
# seconds-and-zones' are learnt as they are met (a feed repeats its zone) and forgotten
# past _CACHE_SIZE entries. Anything else goes through the expressions above.
_MONTH_NAMES = {name.title(): n for name, n in _MONTHS.items()}
_TWO_DIGITS = [f"{n:02d}" for n in range(60)]
_WEEKDAY_DAYS = {f"{name}, {digits} ": n for name in ("Mon", "Tue", "Wed", "Thu", "Fri",
                 "Sat", "Sun") for n, digits in enumerate(_TWO_DIGITS[:32]) if n}  # text[:8]
_HOURS_MINUTES = dict(zip(  # text[16:23], " 22:13:" (1,440 keys, made in C)
    map("".join, product(" ", _TWO_DIGITS[:24], ":", _TWO_DIGITS, ":")), range(0, 86400, 60)))
_SECONDS = {f"{digits} ": n for n, digits in enumerate(_TWO_DIGITS)}             # "20 "
# text[8:16], "Nov 2023" -> (UNIX time of the day before its first, its number of days)
_MONTH_STARTS: dict[str, tuple[int, int]] = {}
# text[23:], "20 GMT" or "20 +0100" -> the seconds less the zone's offset east of UTC
_SECONDS_ZONES: dict[str, int] = {}
_CACHE_SIZE = 4096


class UnknownDate(ValueError):
    """A date in a shape this module does not read."""


def parse_date(text: str) -> float | None:
    """UNIX time of an RFC 822 or RFC 3339 date; None for an empty one."""
    if not text:
        return None
    if 27 <= len(text) <= 31:  # (the common shape: see _common_rfc822, here inline)
        try:
            day = _WEEKDAY_DAYS[text[:8]]
            month_start, month_days = _MONTH_STARTS[text[8:16]]
            seconds = _HOURS_MINUTES[text[16:23]] + _SECONDS_ZONES[text[23:]]
        except KeyError:
            seconds = _common_rfc822(text)
            if seconds is not None:
                return seconds
        else:
            if day <= month_days:
                return float(month_start + day * 86400 + seconds)
    if match := _RFC822.fullmatch(text):
        day, month, year, hour, minute, second, sign, zh, zm, zone = match.groups()
        month_number = _MONTHS.get(month.lower())
        if month_number is None:
            raise UnknownDate(text)
        if zone is not None:
            if zone.lower() not in _ZONES:
                raise UnknownDate(text)
            offset = _ZONES[zone.lower()] * 3600
        else:
            offset = (int(zh) * 3600 + int(zm) * 60) * (-1 if sign == "-" else 1)
        return _utc(int(year), month_number, int(day), int(hour), int(minute),
                    int(second or 0), offset, text)
    if match := _RFC3339.fullmatch(text):
        year, month, day, hour, minute, second, zulu, sign, zh, zm = match.groups()
        offset = 0
        if sign:
            offset = (int(zh) * 3600 + int(zm) * 60) * (-1 if sign == "-" else 1)
        return _utc(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                    int(second or 0), offset, text)
    raise UnknownDate(text)


def _common_rfc822(text: str) -> float | None:
    """``text`` read if it is "Ddd, DD Mon YYYY HH:MM:SS " and a zone of the common
    forms ("GMT", "+0100"); None for any other shape (the caller tries the others)."""
    try:
        day = _WEEKDAY_DAYS[text[:8]]
        month_start, month_days = _MONTH_STARTS[text[8:16]]
        seconds = _HOURS_MINUTES[text[16:23]] + _SECONDS_ZONES[text[23:]]
    except KeyError:  # a month or zone not met yet, or another shape
        if (text[8:16] in _MONTH_STARTS and text[23:] in _SECONDS_ZONES) or not (
                _learn(_MONTH_STARTS, text[8:16], _month_start)
                and _learn(_SECONDS_ZONES, text[23:], _seconds_zone)):
            return None
        return _common_rfc822(text)  # (once more, now that both are known)
    if day > month_days:
        return None
    return float(month_start + day * 86400 + seconds)


def _learn(table: dict, key: str, value) -> bool:
    """Whether ``key`` is in ``table``, where it is put if ``value(key)`` is not None."""
    if key in table:
        return True
    found = value(key)
    if found is None:
        return False
    if len(table) >= _CACHE_SIZE:
        table.clear()
    table[key] = found
    return True


def _month_start(text: str) -> tuple[int, int] | None:
    """(UNIX time of the day before the first, days in the month) of "Nov 2023"; None
    for anything else or a year :func:`_utc` refuses."""
    month, year = _MONTH_NAMES.get(text[:3]), text[4:]
    if len(text) != 8 or text[3] != " " or month is None or not (
            year.isdigit() and year.isascii() and 1000 <= int(year) <= 9000):
        return None
    first = date(int(year), month, 1).toordinal()
    after = date(int(year) + month // 12, month % 12 + 1, 1).toordinal()
    return (first - 1 - _EPOCH_ORDINAL) * 86400, after - first


def _seconds_zone(text: str) -> int | None:
    """The seconds of "20 GMT" or "20 +0100" less the zone's offset east of UTC."""
    seconds, offset = _SECONDS.get(text[:3]), _zone_offset(text[3:])
    return None if seconds is None or offset is None else seconds - offset


def _zone_offset(zone: str) -> int | None:
    """Seconds east of UTC of a zone as the expression reads it ("GMT", "-0500")."""
    if zone.isascii() and zone.isalpha():
        hours = _ZONES.get(zone.lower())
        return None if hours is None else hours * 3600
    if len(zone) == 5 and zone[0] in "+-" and zone[1:].isdigit() and zone.isascii():
        offset = int(zone[1:3]) * 3600 + int(zone[3:]) * 60
        return -offset if zone[0] == "-" else offset
    return None


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int,
         offset: int, text: str) -> float:
    if not (1000 <= year <= 9000 and hour < 24 and minute < 60 and second < 60):
        raise UnknownDate(text)
    try:  # (datetime checks the month and the day of the month)
        days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        raise UnknownDate(text) from None
    return float(days * 86400 + hour * 3600 + minute * 60 + second - offset)
