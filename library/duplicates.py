"""One show, one subscription: recognising the same feed under two addresses.

Two subscriptions are the same feed when their addresses differ only by http/https or a
trailing slash, when they carry the same ``<podcast:guid>``, or when one's self link
(``<atom:link rel="self">``) is the other's address or self link. A show a directory
lists is also known by its iTunes id, when the subscription was made from Apple's. ``podterm add`` checks
before subscribing; an OPML import can only know after its first refresh, and then
unsubscribes the newcomer again (nothing was listened to yet), reporting it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterable

from library.feeds import find_by_url, remove_feed
from library.urls import duplicate_variants


@dataclass(frozen=True)
class Duplicate:
    """``feed_id`` (with ``url``) is the subscription ``of`` (``title``), ``why`` says how."""

    feed_id: int | None
    url: str
    of: int
    title: str
    why: str

    def describe(self) -> str:
        return f"the same feed as {self.title} (feed {self.of}: {self.why})"


def find_duplicate(conn: sqlite3.Connection, urls: Iterable[str], podcast_guid: str | None,
                   self_url: str | None, exclude: Iterable[int] = (),
                   itunes_id: str | None = None) -> Duplicate | None:
    """The subscription (other than those in ``exclude``) that is the same feed as one at
    ``urls`` with this podcast:guid, self link and iTunes id; None if there is none."""
    skip = set(exclude)
    urls = [url for url in urls if url]
    for url in urls:
        found = find_by_url(conn, url)
        if found is not None and found not in skip:
            return _duplicate(conn, found, urls[0], "the same address")
    if podcast_guid:
        for row in conn.execute("SELECT id FROM feeds WHERE podcast_guid = ?", (podcast_guid,)):
            if row["id"] not in skip:
                return _duplicate(conn, row["id"], urls[0], "the same podcast:guid")
    if itunes_id:
        for row in conn.execute("SELECT id FROM feeds WHERE itunes_id = ?", (itunes_id,)):
            if row["id"] not in skip:
                return _duplicate(conn, row["id"], urls[0], "the same iTunes id")
    if self_url:  # it names an existing subscription's address as its own
        found = find_by_url(conn, self_url)
        if found is not None and found not in skip:
            return _duplicate(conn, found, urls[0], "the same self link")
    links = [variant for url in (*urls, self_url) if url for variant in duplicate_variants(url)]
    marks = ", ".join("?" * len(links))
    for row in conn.execute(f"SELECT id FROM feeds WHERE self_url IN ({marks})", links) \
            if links else ():
        if row["id"] not in skip:
            return _duplicate(conn, row["id"], urls[0], "the same self link")
    return None


def drop_duplicates(conn: sqlite3.Connection, feed_ids: list[int]) -> list[Duplicate]:
    """Unsubscribe each of ``feed_ids`` (just added, in this order) that turned out to be
    the same feed as an older subscription or an earlier one of them."""
    dropped = []
    for index, feed_id in enumerate(feed_ids):
        row = conn.execute("SELECT url, podcast_guid, self_url FROM feeds WHERE id = ?",
                           (feed_id,)).fetchone()
        if row is None:
            continue
        found = find_duplicate(conn, [row["url"]], row["podcast_guid"], row["self_url"],
                               exclude=feed_ids[index:])
        if found is not None:
            remove_feed(conn, feed_id)
            dropped.append(Duplicate(feed_id, row["url"], found.of, found.title, found.why))
    return dropped


def _duplicate(conn: sqlite3.Connection, feed_id: int, url: str, why: str) -> Duplicate:
    row = conn.execute("SELECT title, url FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return Duplicate(None, url, feed_id, row["title"] or row["url"], why)
