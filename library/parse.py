"""Feed bytes -> normalised, plain-text feed data.

:func:`parse_feed` runs in a worker process (see :mod:`library.parsepool`). Well-formed
RSS 2.0 and Atom 1.0 take the fast path (:mod:`library.fastfeed`, the standard
library's expat); everything else is read by feedparser, which is pure Python and slow
but reads anything. Both hand the same raw values to one normalisation
(:mod:`library.episodevalues`), so an episode is stored the same whichever read it; the
fast path reads items of the common shape straight into episodes by the same rules
(:mod:`library.plainitems`). feedparser only ever gets bytes: given a string, it would
read local files or the network.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, fields
from itertools import starmap
from operator import attrgetter

from library import feedguard
from library.episodevalues import (  # (ParsedEpisode, DEFER_NOTES_UP_TO: named here too)
    DEFER_NOTES_UP_TO as DEFER_NOTES_UP_TO, ParsedEpisode, as_text, attribute, episode,
    episode_values, usable_url,
)
from library.episodevalues import episode_identity as episode_identity
from library.text import clean_line, html_to_text


class FeedParseError(Exception):
    """The bytes are not a usable feed. ``kind`` is 'not_a_feed' or 'malformed'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message)  # both in args: it crosses a process boundary
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message


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
        return _feed_from_values, (_feed_values(self), list(map(episode_values, self.episodes)))


_FEED_FIELDS = tuple(f.name for f in fields(ParsedFeed) if f.name != "episodes")
_feed_values = attrgetter(*_FEED_FIELDS)
_identity = attrgetter("identity")


def _feed_from_values(values: tuple, episodes: list[tuple]) -> ParsedFeed:
    """A ParsedFeed from what its __reduce__ gave."""
    return ParsedFeed(**dict(zip(_FEED_FIELDS, values)),
                      episodes=list(starmap(ParsedEpisode, episodes)))


_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)", re.I | re.S)


def parse_feed(body: bytes) -> ParsedFeed:
    """Parse ``body``; raises :class:`FeedParseError` when it is not a feed.

    Addresses in the result may be relative: :mod:`library.resolve` makes them absolute.
    """
    feedguard.refuse_unusable(body)
    if _HTML_START.match(body[:4096]):
        raise FeedParseError("not_a_feed", "not a feed: the address returned an HTML page")
    from library import fastfeed  # (here: the process that stores feeds never reads one)

    try:
        meta, entries = fastfeed.read_feed(body)
    except fastfeed.Truncated as exc:
        raise FeedParseError("malformed", f"malformed XML: {exc}") from None
    except fastfeed.Unsupported:
        meta, entries = _read_with_feedparser(body)
    return normalise(meta, entries)


def normalise(meta: dict, entries: list) -> ParsedFeed:
    """A feed from the raw values of either parser (see fastfeed.read_feed for the keys);
    an entry may be an episode already (an item the fast path read straight into one)."""
    # (items of the common shape come from the fast path as episodes already)
    episodes = [entry if type(entry) is ParsedEpisode else episode(entry) for entry in entries]
    identities = list(map(_identity, episodes))
    if len(set(identities)) < len(identities):  # a feed listing an item twice keeps the first
        first = dict(zip(reversed(identities), reversed(episodes)))
        episodes = [found for found in episodes if first[found.identity] is found]
    frequency = meta.get("update_frequency")
    complete = isinstance(frequency, dict) and str(frequency.get("complete", "")).lower() == "true"
    return ParsedFeed(
        title=clean_line(as_text(meta.get("title"))),
        author=clean_line(as_text(meta.get("author"))),
        description=html_to_text(as_text(meta.get("summary") or meta.get("subtitle"))),
        link=usable_url(meta.get("link")),
        image_url=usable_url(attribute(meta.get("image"), "href")),
        podcast_guid=clean_line(as_text(meta.get("podcast_guid"))) or None,
        new_feed_url=usable_url(as_text(meta.get("new_feed_url"))),
        complete=complete,
        episodes=episodes,
        self_url=usable_url(meta.get("self_link")),
    )


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
    import calendar  # (here: a parser process imports it, and locale, only for feedparser)

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
