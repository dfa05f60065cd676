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
from functools import lru_cache

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
# is read by slicing, with the same result: the date's day number and the zone's offset
# come from small caches (a feed repeats them), the time of day from one int().
# Anything else goes through the expressions above.
_DAY_NAMES = frozenset(("Mon, ", "Tue, ", "Wed, ", "Thu, ", "Fri, ", "Sat, ", "Sun, "))
_MONTH_NAMES = {name.title(): n for name, n in _MONTHS.items()}
_CACHE_SIZE = 4096


class UnknownDate(ValueError):
    """A date in a shape this module does not read."""


def parse_date(text: str) -> float | None:
    """UNIX time of an RFC 822 or RFC 3339 date; None for an empty one."""
    if not text:
        return None
    if 27 <= len(text) <= 31 and text[:5] in _DAY_NAMES:
        seconds = _common_rfc822(text)
        if seconds is not None:
            return seconds
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
    days, offset = _day_number(text[5:16]), _zone_offset(text[26:])
    if days is None or offset is None or text[19] != ":" or text[22] != ":":
        return None
    if text[16] != " " or text[25] != " ":
        return None
    digits = text[17:25].replace(":", "")  # "HHMMSS"
    if not (len(digits) == 6 and digits.isdigit() and digits.isascii()):
        return None
    clock = int(digits)
    hour, minute, second = clock // 10000, clock // 100 % 100, clock % 100
    if hour >= 24 or minute >= 60 or second >= 60:
        return None
    return float(days * 86400 + hour * 3600 + minute * 60 + second - offset)


@lru_cache(maxsize=_CACHE_SIZE)
def _day_number(text: str) -> int | None:
    """Days since 1970-01-01 of "14 Nov 2023"; None for anything else or a date that
    :func:`_utc` refuses."""
    day, month, year = text[:2], _MONTH_NAMES.get(text[3:6]), text[7:]
    if (len(text) != 11 or text[2] != " " or text[6] != " " or month is None
            or not (day + year).isdigit() or not (day + year).isascii()):
        return None
    try:
        return int(_utc(int(year), month, int(day), 0, 0, 0, 0, text)) // 86400
    except UnknownDate:
        return None


@lru_cache(maxsize=_CACHE_SIZE)
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
