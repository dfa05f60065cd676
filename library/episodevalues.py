"""One episode's stored values, from the raw values either parser read.

:func:`episode` turns an item's raw values (the keys :func:`library.fastfeed.read_feed`
describes) into a :class:`ParsedEpisode`: the enclosure to play, the identity, cleaned
title, duration, notes and addresses. :mod:`library.plainitems` does the same for items
of the common shape straight from their elements; both follow the rules here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields
from operator import attrgetter

from library.durations import parse_duration
from library.text import clean_line, html_to_text, strip_terminal_controls

# Show notes up to this size are stored as the feed wrote them and made plain text when
# first shown (see library.models.Episode.notes): converting every episode's notes was
# most of a refresh's work. Longer ones are converted here, in the parser's process, so
# showing one never costs the UI more than a few milliseconds.
DEFER_NOTES_UP_TO = 16 * 1024


@dataclass(slots=True)  # (no per-instance dict: tens of thousands are made per refresh)
class ParsedEpisode:
    """An item of a feed, as the parser read it."""

    identity: str
    guid: str | None
    title: str
    published_at: float | None
    duration_s: int | None
    enclosure_url: str | None
    enclosure_type: str | None
    enclosure_length: int | None
    notes: str          # plain text; "" while notes_html waits to be converted
    link: str | None
    chapters_url: str | None
    transcript_url: str | None
    notes_html: str | None = None   # the feed's notes, made plain text when first shown

    def __reduce__(self) -> tuple:
        # Pickled as the class and its values in order, not as a dict of fields: a
        # refresh sends tens of thousands from the parser processes, and this halves
        # the time to pickle and unpickle them.
        return ParsedEpisode, episode_values(self)


episode_values = attrgetter(*(f.name for f in fields(ParsedEpisode)))


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# http(s), then only characters text.clean_line keeps as they are (no space, "<" or "&").
_PLAIN_HTTP_URL = re.compile(r"https?://[!-%'-;=-~]*")
plain_http_url = _PLAIN_HTTP_URL.fullmatch  # (what usable_url returns as it is)


def episode(entry: dict) -> ParsedEpisode:
    """(This runs for every episode: the common cases take the short ways.)"""
    enclosures = entry.get("enclosures")
    if enclosures and len(enclosures) == 1:  # (most items have one: no choosing)
        enclosure = enclosures[0]
        enclosure_url = usable_url(enclosure.get("href"))
        if enclosure_url is None:
            enclosure = None
    else:
        enclosure_url, enclosure = _enclosure(enclosures or ())
    # A guid is an opaque key: only controls go; "a&amp;b" and "a&b" stay different.
    guid = entry.get("guid", "")
    if type(guid) is not str or not (guid.isascii() and guid.isprintable()):
        guid = strip_terminal_controls(str(guid))
    guid = guid.strip() or None
    link = usable_url(entry.get("link"))
    title = entry.get("title")
    title = clean_line(title) if type(title) is str else ""
    published_at = entry.get("published")
    if published_at is None:
        published_at = entry.get("updated")
    content = entry.get("content")
    summary = entry.get("summary", "")
    notes_html = max([*content, summary], key=len) if content else summary
    deferred = len(notes_html) <= DEFER_NOTES_UP_TO
    chapters, transcript = entry.get("chapters"), entry.get("transcript")
    return ParsedEpisode(
        episode_identity(guid, enclosure_url, link, title, published_at),
        guid,
        title,
        published_at,
        parse_duration(entry.get("duration")),
        enclosure_url,
        media_type(enclosure.get("type")) if enclosure else None,
        whole_number(enclosure.get("length")) if enclosure else None,
        "" if deferred else html_to_text(notes_html),
        link,
        usable_url(attribute(chapters, "url")) if chapters else None,
        usable_url(attribute(transcript, "url")) if transcript else None,
        notes_html if deferred else None,
    )


def episode_identity(guid: str | None, enclosure_url: str | None, link: str | None,
                     title: str, published_at: float | None) -> str:
    """Episode identity within a feed: guid, else enclosure URL, else link, else title+date."""
    if guid:
        return "guid:" + guid
    if enclosure_url:
        return "enclosure:" + enclosure_url
    if link:
        return "link:" + link
    return f"title:{title}|{published_at or ''}"


def _enclosure(enclosures: list[dict]) -> tuple[str | None, dict | None]:
    """The enclosure to play, as (its address, its attributes): the first audio or video
    one with a usable address, else the first with one."""
    usable = [(url, e) for e in enclosures if (url := usable_url(e.get("href")))]
    for url, enclosure in usable:
        if str(enclosure.get("type", "")).startswith(("audio/", "video/")):
            return url, enclosure
    return usable[0] if usable else (None, None)


@functools.lru_cache(maxsize=64)
def media_type(value: object) -> str | None:
    """(A feed names the same few media types over and over.)"""
    return clean_line(as_text(value)) or None


def usable_url(value: object) -> str | None:
    """Only http(s) links and relative ones (resolved later against the feed's address)
    are kept: a feed's ``javascript:`` link is never shown as one."""
    if not value:
        return None
    if type(value) is str and plain_http_url(value):
        return value  # (what clean_line leaves as it is, and http(s): most addresses)
    text = clean_line(value if isinstance(value, str) else str(value))
    return text if text.startswith(("http://", "https://")) or text.lower().startswith(
        ("http://", "https://")) or (text and not _SCHEME.match(text)) else None


def as_text(value: object) -> str:
    """Text of an element podterm reads as text (one given attributes has none)."""
    return value if isinstance(value, str) else ""


def attribute(value: object, name: str) -> object:
    """An attribute of an element podterm reads for its attributes."""
    return value.get(name) if isinstance(value, dict) else None


def whole_number(value: object) -> int | None:
    """An enclosure's length: a whole number, not negative; None for anything else."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None
