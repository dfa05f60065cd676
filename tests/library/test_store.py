"""The SQLite file: WAL, versioned schema, and all-or-nothing changes."""

from __future__ import annotations

import sqlite3

import pytest

from library import health
from library.episodes import list_episodes
from library.feeds import add_feed, get_feed
from library.parse import ParsedEpisode, ParsedFeed
from library.store import MIGRATIONS, StoreError, connect, transaction


def episode(identity, title="Episode"):
    return ParsedEpisode(identity, identity, title, 1.0e9, 60, None, None, None, "", None,
                         None, None)


def test_new_library_is_wal_and_at_the_latest_schema(tmp_path):
    conn = connect(tmp_path / "lib.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()
    again = connect(tmp_path / "lib.sqlite3")  # reopening migrates nothing twice
    assert again.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_library_from_a_newer_podterm_is_refused(tmp_path):
    path = tmp_path / "lib.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer podterm"):
        connect(path)


def test_a_failure_mid_update_leaves_the_previous_state(tmp_path):
    conn = connect(tmp_path / "lib.sqlite3")
    feed_id, _ = add_feed(conn, "https://example.org/feed.xml", "Before")
    good = ParsedFeed("After", "", "", None, None, None, None, False, [episode("a")])
    with transaction(conn):
        health.record_update(conn, feed_id, good, http_status=200, etag=None,
                             last_modified=None, body_hash="h1")
    broken = ParsedFeed("Broken", "", "", None, None, None, None, False,
                        [episode("b"), episode(None)])  # the second row violates NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        with transaction(conn):
            health.record_update(conn, feed_id, broken, http_status=200, etag=None,
                                 last_modified=None, body_hash="h2")
    feed = get_feed(conn, feed_id)
    assert (feed.title, feed.body_hash) == ("After", "h1")
    assert [e.guid for e in list_episodes(conn, feed_id)] == ["a"]


def test_a_long_feed_is_stored_whole_in_order_and_a_repeated_item_once(tmp_path):
    """Episodes go in many rows to a statement: none may be lost or doubled at the
    seams, an item listed twice keeps its first place and its last listing's values,
    and what a feed leaves out is stored as NULL, not as text."""
    conn = connect(tmp_path / "lib.sqlite3")
    feed_id, _ = add_feed(conn, "https://example.org/feed.xml", "Long")
    items = [episode(f"item-{n}", f"Episode {n}") for n in range(200)]
    items[70] = episode("item-3", "Episode 3, corrected")    # in another statement
    items[5] = episode("item-4", "Episode 4, corrected")     # in the same statement
    parsed = ParsedFeed("Long", "", "", None, None, None, None, False, items)
    with transaction(conn):
        health.record_update(conn, feed_id, parsed, http_status=200, etag=None,
                             last_modified=None, body_hash="h")
    rows = conn.execute("SELECT identity, title, enclosure_url IS NULL FROM episodes "
                        "ORDER BY id").fetchall()
    expected = [f"item-{n}" for n in range(200) if n not in (5, 70)]
    assert [row[0] for row in rows] == expected
    titles = {row[0]: row[1] for row in rows}
    assert (titles["item-3"], titles["item-4"], titles["item-199"]) == (
        "Episode 3, corrected", "Episode 4, corrected", "Episode 199")
    assert all(row[2] for row in rows)
    with transaction(conn):  # the same feed again: nothing new, nothing doubled
        again = health.record_update(conn, feed_id, parsed, http_status=200, etag=None,
                                     last_modified=None, body_hash="h2")
    assert again == 0
    assert conn.execute("SELECT COUNT(*) FROM episodes").fetchone()[0] == 198
