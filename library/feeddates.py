"""Feed dates, for the fast parser: the two forms real feeds write, read as feedparser does.

RSS writes RFC 822 dates ("Tue, 14 Nov 2023 22:13:20 GMT"), Atom writes RFC 3339 ones
("2023-11-14T22:13:20Z"). :func:`parse_date` reads exactly those shapes and returns the
same UNIX time feedparser's date handlers give for them (a test compares the two over
generated dates). Anything else raises :class:`UnknownDate`: feedparser, which knows
many more shapes, must read that document.
"""

from __future__ import annotations

import re

# feedparser drops fractions of a second; numeric offsets and these zone names are the
# only zones read here (others it maps to arbitrary offsets or to UTC).
_ZONES = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6,
          "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}
_MONTHS = {name: n for n, name in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DAYS_BEFORE_MONTH = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_EPOCH_DAYS = 719162  # days from 0001-01-01 to 1970-01-01

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


class UnknownDate(ValueError):
    """A date in a shape this module does not read."""


def parse_date(text: str) -> float | None:
    """UNIX time of an RFC 822 or RFC 3339 date; None for an empty one."""
    if not text:
        return None
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


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int,
         offset: int, text: str) -> float:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not (1000 <= year <= 9000 and 1 <= month <= 12 and hour < 24 and minute < 60
            and second < 60 and 1 <= day <= _MONTH_DAYS[month] + (leap and month == 2)):
        raise UnknownDate(text)
    before = year - 1  # days from 0001-01-01 to this year, then to 1970-01-01
    days = (before * 365 + before // 4 - before // 100 + before // 400 - _EPOCH_DAYS
            + _DAYS_BEFORE_MONTH[month] + (leap and month > 2) + day - 1)
    return float(days * 86400 + hour * 3600 + minute * 60 + second - offset)
