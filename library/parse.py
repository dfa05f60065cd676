"""Feed bytes -> normalised, plain-text feed data.

:func:`parse_feed` runs in a worker process (see :mod:`library.parsepool`). Well-formed
RSS 2.0 and Atom 1.0 take the fast path (:mod:`library.fastfeed`, the standard
library's expat); everything else is read by feedparser, which is pure Python and slow
but reads anything. Both hand the same raw values to one normalisation here, so an
episode is stored the same whichever read it. feedparser only ever gets bytes: given a
string, it would read local files or the network.
"""

from __future__ import annotations

import calendar
import functools
import io
import re
from dataclasses import dataclass, field, fields
from itertools import starmap
from operator import attrgetter

from library import fastfeed, feedguard
from library.durations import parse_duration
from library.text import clean_line, html_to_text, strip_terminal_controls

# Show notes up to this size are stored as the feed wrote them and made plain text when
# first shown (see library.models.Episode.notes): converting every episode's notes was
# most of a refresh's work. Longer ones are converted here, in the parser's process, so
# showing one never costs the UI more than a few milliseconds.
DEFER_NOTES_UP_TO = 16 * 1024


class FeedParseError(Exception):
    """The bytes are not a usable feed. ``kind`` is 'not_a_feed' or 'malformed'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message)  # both in args: it crosses a process boundary
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
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
        return ParsedEpisode, _episode_values(self)


_episode_values = attrgetter(*(f.name for f in fields(ParsedEpisode)))


@dataclass
class ParsedFeed:
    """A feed document as the parser read it: the show and its episodes."""

    title: str
    author: str
    description: str
    link: str | None
    image_url: str | None
    podcast_guid: str | None
    new_feed_url: str | None
    complete: bool
    episodes: list[ParsedEpisode] = field(default_factory=list)
    self_url: str | None = None  # the feed's own address, as it says (atom:link rel=self)
    body_hash: str | None = None  # SHA-256 of the document it was read from (hex)

    def __reduce__(self) -> tuple:
        # Pickled as its values, and its episodes as tuples of theirs: one call in C
        # makes those, where each episode's own __reduce__ was a call in Python (the
        # parser processes pickle tens of thousands in a refresh).
        return _feed_from_values, (_feed_values(self), list(map(_episode_values, self.episodes)))


_FEED_FIELDS = tuple(f.name for f in fields(ParsedFeed) if f.name != "episodes")
_feed_values = attrgetter(*_FEED_FIELDS)


def _feed_from_values(values: tuple, episodes: list[tuple]) -> ParsedFeed:
    """A ParsedFeed from what its __reduce__ gave."""
    return ParsedFeed(**dict(zip(_FEED_FIELDS, values)),
                      episodes=list(starmap(ParsedEpisode, episodes)))


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# http(s), then only characters text.clean_line keeps as they are (no space, "<" or "&").
_PLAIN_HTTP_URL = re.compile(r"https?://[!-%'-;=-~]*")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)", re.I | re.S)


def parse_feed(body: bytes) -> ParsedFeed:
    """Parse ``body``; raises :class:`FeedParseError` when it is not a feed.

    Addresses in the result may be relative: :mod:`library.resolve` makes them absolute.
    """
    feedguard.refuse_unusable(body)
    if _HTML_START.match(body[:4096]):
        raise FeedParseError("not_a_feed", "not a feed: the address returned an HTML page")
    try:
        meta, entries = fastfeed.read_feed(body)
    except fastfeed.Truncated as exc:
        raise FeedParseError("malformed", f"malformed XML: {exc}") from None
    except fastfeed.Unsupported:
        meta, entries = _read_with_feedparser(body)
    return normalise(meta, entries)


def normalise(meta: dict, entries: list[dict]) -> ParsedFeed:
    """A feed from the raw values of either parser (see fastfeed.read_feed for the keys)."""
    episodes: list[ParsedEpisode] = []
    seen: set[str] = set()
    for entry in entries:
        episode = _episode(entry)
        if episode.identity not in seen:  # a feed listing an item twice keeps the first
            seen.add(episode.identity)
            episodes.append(episode)
    frequency = meta.get("update_frequency")
    complete = isinstance(frequency, dict) and str(frequency.get("complete", "")).lower() == "true"
    return ParsedFeed(
        title=clean_line(_str(meta.get("title"))),
        author=clean_line(_str(meta.get("author"))),
        description=html_to_text(_str(meta.get("summary") or meta.get("subtitle"))),
        link=_url(meta.get("link")),
        image_url=_url(_attribute(meta.get("image"), "href")),
        podcast_guid=clean_line(_str(meta.get("podcast_guid"))) or None,
        new_feed_url=_url(_str(meta.get("new_feed_url"))),
        complete=complete,
        episodes=episodes,
        self_url=_url(meta.get("self_link")),
    )


def _episode(entry: dict) -> ParsedEpisode:
    """(This runs for every episode: the common cases take the short ways.)"""
    enclosures = entry.get("enclosures")
    if enclosures and len(enclosures) == 1:  # (most items have one: no choosing)
        enclosure = enclosures[0]
        enclosure_url = _url(enclosure.get("href"))
        if enclosure_url is None:
            enclosure = None
    else:
        enclosure_url, enclosure = _enclosure(enclosures or ())
    # A guid is an opaque key: only controls go; "a&amp;b" and "a&b" stay different.
    guid = entry.get("guid", "")
    if type(guid) is not str or not (guid.isascii() and guid.isprintable()):
        guid = strip_terminal_controls(str(guid))
    guid = guid.strip() or None
    link = _url(entry.get("link"))
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
        _enclosure_type(enclosure.get("type")) if enclosure else None,
        _int(enclosure.get("length")) if enclosure else None,
        "" if deferred else html_to_text(notes_html),
        link,
        _url(_attribute(chapters, "url")) if chapters else None,
        _url(_attribute(transcript, "url")) if transcript else None,
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
    usable = [(url, e) for e in enclosures if (url := _url(e.get("href")))]
    for url, enclosure in usable:
        if str(enclosure.get("type", "")).startswith(("audio/", "video/")):
            return url, enclosure
    return usable[0] if usable else (None, None)


@functools.lru_cache(maxsize=64)
def _enclosure_type(value: object) -> str | None:
    """(A feed names the same few media types over and over.)"""
    return clean_line(_str(value)) or None


def _url(value: object) -> str | None:
    """Only http(s) links and relative ones (resolved later against the feed's address)
    are kept: a feed's ``javascript:`` link is never shown as one."""
    if not value:
        return None
    if type(value) is str and _PLAIN_HTTP_URL.fullmatch(value):
        return value  # (what clean_line leaves as it is, and http(s): most addresses)
    text = clean_line(value if isinstance(value, str) else str(value))
    return text if text.startswith(("http://", "https://")) or text.lower().startswith(
        ("http://", "https://")) or (text and not _SCHEME.match(text)) else None


def _str(value: object) -> str:
    """Text of an element podterm reads as text (one given attributes has none)."""
    return value if isinstance(value, str) else ""


def _attribute(value: object, name: str) -> object:
    """An attribute of an element podterm reads for its attributes."""
    return value.get(name) if isinstance(value, dict) else None


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


# --- feedparser, for everything the fast path does not read -------------------------

def _read_with_feedparser(body: bytes) -> tuple[dict, list[dict]]:
    feedparser = _feedparser()
    data = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    if data.get("bozo") and not data.entries:
        # Broken XML that still yielded episodes is accepted: real feeds are often sloppy.
        reason = _first_line(data.get("bozo_exception"))
        raise FeedParseError("malformed", f"malformed XML: {reason}")
    if not data.get("version"):
        raise FeedParseError("not_a_feed", "not a feed: no RSS or Atom document found")
    feed = data.feed
    meta = {
        "title": feed.get("title", ""),
        "author": feed.get("author") or feed.get("itunes_author", ""),
        "summary": feed.get("summary"),
        "subtitle": feed.get("subtitle", ""),
        "link": feed.get("link"),
        "self_link": next((link.get("href") for link in feed.get("links", [])
                           if link.get("rel") == "self"), None),
        "image": feed.get("image"),
        "podcast_guid": feed.get("podcast_guid"),
        "new_feed_url": feed.get("itunes_new-feed-url"),
        "update_frequency": feed.get("podcast_updatefrequency"),
    }
    return meta, [_raw_entry(entry) for entry in data.entries]


def _raw_entry(entry: dict) -> dict:
    # (not entry.get("updated_parsed"): without one, feedparser warns and gives published)
    published = entry.get("published_parsed") or (
        entry["updated_parsed"] if "updated_parsed" in entry else None)
    return {
        "guid": entry.get("id", ""),
        "link": entry.get("link"),
        "title": entry.get("title", ""),
        "published": float(calendar.timegm(published)) if published else None,
        "enclosures": entry.get("enclosures", []),
        "content": [c.get("value", "") for c in entry.get("content", [])],
        "summary": entry.get("summary", ""),
        "duration": entry.get("itunes_duration"),
        "chapters": entry.get("podcast_chapters"),
        "transcript": entry.get("podcast_transcript"),
    }


def _feedparser():
    """feedparser, imported on first use (most feeds never need it), told to leave C1
    control characters alone: it maps them to the Windows-1252 characters with those
    byte values ("\\x9b" became "›"), so a terminal escape in a feed survived as text.
    Left alone, podterm's cleaning removes them, as on the fast path."""
    import feedparser
    import feedparser.mixin

    feedparser.mixin._cp1252 = {}
    return feedparser


def _first_line(exc: object) -> str:
    return str(exc or "unknown error").splitlines()[0][:200]
