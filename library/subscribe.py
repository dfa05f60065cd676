"""Subscribing to an address: only when it is a feed, and only once.

:func:`subscribe` fetches the address first and refuses, saying why, what is not a
usable feed: an HTTP error, a timeout, a document that does not parse. A web page that
names its feed (``<link rel="alternate" type="application/rss+xml" href="...">``, as
most podcast sites do) subscribes to that feed instead, and says so. A feed that is
already a subscription under another address (see :mod:`library.duplicates`) is not
subscribed twice. What was fetched is stored at once, so the new subscription has its
episodes without a second request.

``force=True`` keeps the old behaviour for a feed known to be down for now: subscribe
anyway, then refresh it like any other. ``look=False`` subscribes without fetching.

Blocking (it runs its own event loop): call it from a CLI command or a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from library import health
from library.duplicates import Duplicate, find_duplicate
from library.feeds import add_feed
from library.fetch import FetchLimits, FetchResult, fetch_feed, make_client
from library.parse import FeedParseError, ParsedFeed
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.resolve import parse_fetched
from library.store import connect, transaction
from library.urls import UnsupportedURL, check_feed_url, join_url

FEED_TYPES = ("application/rss+xml", "application/atom+xml")
MAX_PAGE_SCAN = 512 * 1024  # feed links are in the <head>: read no further than this


class NotSubscribed(Exception):
    """The address was not subscribed; the message says why, in one line.
    ``can_force``: subscribing with ``force=True`` would be possible (a feed down for now)."""

    def __init__(self, message: str, can_force: bool = True) -> None:
        super().__init__(message)
        self.can_force = can_force


class AlreadySubscribed(NotSubscribed):
    """The feed is a subscription already; :attr:`duplicate` says which and how."""

    def __init__(self, duplicate: Duplicate) -> None:
        super().__init__(f"already subscribed: {duplicate.url} is {duplicate.describe()}",
                         can_force=False)
        self.duplicate = duplicate


@dataclass
class Subscribed:
    """A finished subscription: which feed, at which address, how it went."""

    feed_id: int
    title: str
    url: str                      # the address subscribed to
    new_episodes: int = 0
    page_url: str | None = None   # the web page this feed was found on, if it was
    fetched: bool = True          # False: subscribed without looking (look=False)
    error: str | None = None      # force=True: why the first fetch failed


@dataclass
class _Found:
    """A feed found at the address given, or on the web page it named."""

    result: FetchResult
    parsed: ParsedFeed
    url: str                      # the address to subscribe to
    page_url: str | None = None


def subscribe(db_path: Path, url: str, settings: RefreshSettings, *, title: str = "",
              itunes_id: str | None = None, force: bool = False,
              look: bool = True) -> Subscribed:
    """Subscribe to the feed at ``url`` (or the one its web page names).

    Raises :class:`NotSubscribed` (or :class:`AlreadySubscribed`) with the reason, and
    :class:`library.urls.UnsupportedURL` for an address podterm never fetches.
    """
    url = check_feed_url(url)
    conn = connect(db_path)
    try:
        existing = find_duplicate(conn, [url], None, None)  # before asking anyone
        if existing is not None:
            raise AlreadySubscribed(existing)
        if not force and look:
            return _store(conn, asyncio.run(_look(url, settings)), title, itunes_id)
        feed_id, _added = add_feed(conn, url, title, "", None, itunes_id)
    finally:
        conn.close()
    if not look:
        return Subscribed(feed_id, title or url, url, fetched=False)
    [outcome] = refresh(db_path, [feed_id], settings)
    return Subscribed(feed_id, outcome.title, url, outcome.new_episodes, error=outcome.error)


async def _look(url: str, settings: RefreshSettings) -> _Found:
    limits = FetchLimits(settings.timeout_s, int(settings.max_feed_mb * 1024 * 1024))
    async with make_client(limits, 2) as client:
        result = await _fetched(client, url, limits)
        try:
            return _Found(result, await parse_fetched(result), result.moved_to or url)
        except FeedParseError as exc:
            if exc.kind != "not_a_feed":
                raise NotSubscribed(f"not subscribed to {url}: {exc}") from None
            feed_url = feed_link(result.body, result.final_url)
            if feed_url is None:
                names_none = ", and it names no feed (no <link rel=\"alternate\"> to RSS or " \
                    "Atom)" if looks_like_a_page(result.body) else ""
                raise NotSubscribed(f"not subscribed to {url}: {exc}{names_none}") from None
        named = await _fetched(client, feed_url, limits, named_by=result.public_host,
                               page=url)
        try:
            parsed = await parse_fetched(named)
        except FeedParseError as exc:
            raise NotSubscribed(f"not subscribed: {url} names the feed {feed_url}, "
                                f"but {exc}") from None
        return _Found(named, parsed, named.moved_to or feed_url, page_url=url)


async def _fetched(client, url: str, limits: FetchLimits, *, named_by: str | None = None,
                   page: str | None = None) -> FetchResult:
    result = await fetch_feed(client, url, limits, named_by=named_by)
    if result.outcome != "ok":
        where = f"not subscribed: {page} names the feed {url}, but" if page \
            else f"not subscribed to {url}:"
        raise NotSubscribed(f"{where} {result.error}",
                            can_force=result.error_kind not in ("unsupported", "private_network"))
    return result


def _store(conn, found: _Found, title: str, itunes_id: str | None) -> Subscribed:
    parsed, result = found.parsed, found.result
    urls = [found.url, result.final_url, *([found.page_url] if found.page_url else [])]
    existing = find_duplicate(conn, urls, parsed.podcast_guid, parsed.self_url)
    if existing is not None:
        raise AlreadySubscribed(existing)
    with transaction(conn):
        feed_id, _added = add_feed(conn, found.url, title or parsed.title, "", None, itunes_id)
        new = health.record_update(conn, feed_id, parsed, http_status=result.http_status,
                                   etag=result.etag, last_modified=result.last_modified,
                                   body_hash=hashlib.sha256(result.body).hexdigest())
    return Subscribed(feed_id, parsed.title or found.url, found.url, new,
                      page_url=found.page_url)


def feed_link(page: bytes, page_url: str) -> str | None:
    """The first RSS or Atom feed a web page names in its ``<link rel="alternate">``s,
    as an absolute address; None if it names none."""
    finder = _FeedLinks()
    finder.feed(page[:MAX_PAGE_SCAN].decode("utf-8", "replace"))
    for href in finder.hrefs:
        try:
            return join_url(page_url, href)
        except UnsupportedURL:
            continue
    return None


def looks_like_a_page(body: bytes) -> bool:
    """True when ``body`` is HTML (it has an <html>, <head> or <body> tag)."""
    finder = _FeedLinks()
    finder.feed(body[:MAX_PAGE_SCAN].decode("utf-8", "replace"))
    return finder.saw_page


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.saw_page = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.saw_page = self.saw_page or tag in ("html", "head", "body")
        if tag != "link":
            return
        values = {name: (value or "") for name, value in attrs}
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES and values.get("href", "").strip():
            self.hrefs.append(values["href"].strip())
