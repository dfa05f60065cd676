"""Feed bytes -> normalised, plain-text feed data.

:func:`parse_feed` runs in a worker process (see :mod:`library.parsepool`): feedparser is
pure Python and slow, and parsing on an event loop freezes whatever UI shares it. It only
ever gets bytes: given a string, feedparser would read local files or the network.
"""

from __future__ import annotations

import calendar
import io
import re
from dataclasses import dataclass, field

import feedparser

from library import feedguard
from library.durations import parse_duration
from library.text import clean_line, html_to_text, strip_terminal_controls


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
    identity: str
    guid: str | None
    title: str
    published_at: float | None
    duration_s: int | None
    enclosure_url: str | None
    enclosure_type: str | None
    enclosure_length: int | None
    notes: str
    link: str | None
    chapters_url: str | None
    transcript_url: str | None


@dataclass
class ParsedFeed:
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


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)", re.I | re.S)


def parse_feed(body: bytes) -> ParsedFeed:
    """Parse ``body``; raises :class:`FeedParseError` when it is not a feed.

    Addresses in the result may be relative: :mod:`library.resolve` makes them absolute.
    """
    feedguard.refuse_unusable(body)
    if _HTML_START.match(body[:4096]):
        raise FeedParseError("not_a_feed", "not a feed: the address returned an HTML page")
    data = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    if data.get("bozo") and not data.entries:
        # Broken XML that still yielded episodes is accepted: real feeds are often sloppy.
        reason = _first_line(data.get("bozo_exception"))
        raise FeedParseError("malformed", f"malformed XML: {reason}")
    if not data.get("version"):
        raise FeedParseError("not_a_feed", "not a feed: no RSS or Atom document found")
    meta = data.feed
    episodes: list[ParsedEpisode] = []
    seen: set[str] = set()
    for entry in data.entries:
        episode = _episode(entry)
        if episode.identity not in seen:  # a feed listing an item twice keeps the first
            seen.add(episode.identity)
            episodes.append(episode)
    frequency = meta.get("podcast_updatefrequency")
    complete = isinstance(frequency, dict) and str(frequency.get("complete", "")).lower() == "true"
    return ParsedFeed(
        title=clean_line(meta.get("title", "")),
        author=clean_line(meta.get("author") or meta.get("itunes_author", "")),
        description=html_to_text(meta.get("summary") or meta.get("subtitle", "")),
        link=_url(meta.get("link")),
        image_url=_url((meta.get("image") or {}).get("href")),
        podcast_guid=clean_line(meta.get("podcast_guid", "")) or None,
        new_feed_url=_url(meta.get("itunes_new-feed-url")),
        complete=complete,
        episodes=episodes,
        self_url=_url(next((link.get("href") for link in meta.get("links", [])
                            if link.get("rel") == "self"), None)),
    )


def _episode(entry: dict) -> ParsedEpisode:
    enclosure = _enclosure(entry)
    # A guid is an opaque key: only controls go; "a&amp;b" and "a&b" stay different.
    guid = strip_terminal_controls(str(entry.get("id", ""))).strip() or None
    link = _url(entry.get("link"))
    title = clean_line(entry.get("title", ""))
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    published_at = float(calendar.timegm(published)) if published else None
    enclosure_url = enclosure.get("href") if enclosure else None
    notes_html = _longest_content(entry)
    return ParsedEpisode(
        identity=episode_identity(guid, enclosure_url, link, title, published_at),
        guid=guid,
        title=title,
        published_at=published_at,
        duration_s=parse_duration(entry.get("itunes_duration")),
        enclosure_url=enclosure_url,
        enclosure_type=clean_line(enclosure.get("type", "")) or None if enclosure else None,
        enclosure_length=_int(enclosure.get("length")) if enclosure else None,
        notes=html_to_text(notes_html),
        link=link,
        chapters_url=_url((entry.get("podcast_chapters") or {}).get("url")),
        transcript_url=_url((entry.get("podcast_transcript") or {}).get("url")),
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


def _enclosure(entry: dict) -> dict | None:
    enclosures = [e for e in entry.get("enclosures", []) if _url(e.get("href"))]
    for enclosure in enclosures:
        if str(enclosure.get("type", "")).startswith(("audio/", "video/")):
            return {**enclosure, "href": _url(enclosure["href"])}
    return {**enclosures[0], "href": _url(enclosures[0]["href"])} if enclosures else None


def _longest_content(entry: dict) -> str:
    """Show notes: the richest of content:encoded, description and itunes:summary."""
    candidates = [c.get("value", "") for c in entry.get("content", [])]
    candidates.append(entry.get("summary", ""))
    return max(candidates, key=len)


def _url(value: object) -> str | None:
    """Only http(s) links and relative ones (resolved later against the feed's address)
    are kept: a feed's ``javascript:`` link is never shown as one."""
    text = clean_line(str(value or ""))
    return text if text.lower().startswith(("http://", "https://")) or (
        text and not _SCHEME.match(text)) else None


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _first_line(exc: object) -> str:
    return str(exc or "unknown error").splitlines()[0][:200]
