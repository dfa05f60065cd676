"""Subscriptions: adding, finding, listing and removing feeds."""

from __future__ import annotations

import sqlite3
import time

from library.models import Feed
from library.store import transaction
from library.urls import check_feed_url, duplicate_variants

# Each feed with its totals, which triggers keep in feed_totals (schema migration 8).
_FEED_LIST = """
    SELECT f.*,
           COALESCE(t.episode_count, 0)     AS episode_count,
           COALESCE(t.unplayed_count, 0)    AS unplayed_count,
           COALESCE(t.total_duration_s, 0)  AS total_duration_s
    FROM feeds f LEFT JOIN feed_totals t ON t.feed_id = f.id
"""


class FeedLookupError(LookupError):
    """No feed, or more than one, matches what the user typed; the message lists them."""


def add_feed(conn: sqlite3.Connection, url: str, title: str = "", category: str = "",
             html_url: str | None = None, itunes_id: str | None = None) -> tuple[int, bool]:
    """Subscribe to ``url`` (checked: http/https only). Returns (feed id, newly added)."""
    url = check_feed_url(url)
    existing = find_by_url(conn, url)
    if existing is not None:
        return existing, False
    cursor = conn.execute(
        "INSERT INTO feeds (url, title, category, link, itunes_id, added_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (url, title, category, html_url, itunes_id, time.time()),
    )
    from library.sync import outbox  # here: listing feeds needs no sync

    outbox.record_subscription(conn, url, True)
    return int(cursor.lastrowid), True


def find_by_url(conn: sqlite3.Connection, url: str) -> int | None:
    """The id of the feed at ``url``: http or https, with or without a trailing slash."""
    row = conn.execute(
        "SELECT id FROM feeds WHERE url IN (?, ?, ?, ?, ?) ORDER BY url = ? DESC",
        (url, *duplicate_variants(url), url)).fetchone()
    return None if row is None else int(row["id"])


def list_feeds(conn: sqlite3.Connection) -> list[Feed]:
    """Every feed with its episode count, unplayed count and total duration, by title."""
    rows = conn.execute(_FEED_LIST + " ORDER BY lower(f.title), f.url").fetchall()
    return [Feed.from_row(row) for row in rows]


def active_feed_ids(conn: sqlite3.Connection) -> list[int]:
    """The feeds a refresh of everything checks (archived ones are left alone), by title."""
    return [row[0] for row in conn.execute(
        "SELECT id FROM feeds WHERE status = 'active' ORDER BY lower(title), url")]


def any_never_checked(conn: sqlite3.Connection, feed_ids: list[int]) -> bool:
    """Whether one of ``feed_ids`` was never checked (its first answer will be parsed)."""
    wanted = set(feed_ids)
    return any(row[0] in wanted for row in conn.execute(
        "SELECT id FROM feeds WHERE last_checked_at IS NULL"))


def get_feed(conn: sqlite3.Connection, feed_id: int) -> Feed:
    row = conn.execute(_FEED_LIST + " WHERE f.id = ?", (feed_id,)).fetchone()
    if row is None:
        raise FeedLookupError(f"no feed with id {feed_id}")
    return Feed.from_row(row)


def resolve_feed(conn: sqlite3.Connection, query: str) -> Feed:
    """Find a feed by id, URL, or a case-insensitive part of its title."""
    text = query.strip()
    if text.isdigit():
        row = conn.execute("SELECT id FROM feeds WHERE id = ?", (int(text),)).fetchone()
        if row is not None:
            return get_feed(conn, row["id"])
    by_url = find_by_url(conn, text) if "://" in text else None
    if by_url is not None:
        return get_feed(conn, by_url)
    needle = text.casefold()
    matches = [f for f in list_feeds(conn) if needle and needle in f.display_title.casefold()]
    exact = [f for f in matches if f.display_title.casefold() == needle]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise FeedLookupError(f"no feed matches {query!r} (try `podterm feeds` for the list)")
    listing = "; ".join(f"{f.id}: {f.display_title}" for f in matches[:10])
    more = f" and {len(matches) - 10} more" if len(matches) > 10 else ""
    raise FeedLookupError(f"{query!r} matches {len(matches)} feeds: {listing}{more}. "
                          "Use the id or the URL.")


def remove_feed(conn: sqlite3.Connection, feed_id: int) -> None:
    """Unsubscribe: the feed, its episodes and its history go in one transaction."""
    with transaction(conn):
        row = conn.execute("SELECT url FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        if row is not None:
            from library.sync import outbox

            outbox.record_subscription(conn, row["url"], False)
        conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))


def log_event(conn: sqlite3.Connection, feed_id: int, kind: str, message: str,
              at: float | None = None) -> None:
    """Add a line to the feed's history ("moved from A to B ...")."""
    conn.execute("INSERT INTO feed_events (feed_id, at, kind, message) VALUES (?, ?, ?, ?)",
                 (feed_id, time.time() if at is None else at, kind, message))


def feed_events(conn: sqlite3.Connection, feed_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT at, kind, message FROM feed_events WHERE feed_id = ? ORDER BY at, id", (feed_id,)
    ).fetchall()
