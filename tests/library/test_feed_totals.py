"""Each feed's totals (episodes, unplayed, seconds), which `podterm feeds` and the
subscription list show, kept in step with the episodes whoever changes them."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from library import health
from library.episodes import list_episodes, set_played
from library.feeds import _FEED_LIST, add_feed, get_feed, list_feeds, remove_feed
from library.parse import ParsedEpisode, ParsedFeed
from library.store import MIGRATIONS, connect, transaction


def episode(identity, duration_s):
    return ParsedEpisode(identity, identity, identity, 1.0e9, duration_s, None, None, None,
                         "", None, None, None)


def store(conn, feed_id, *episodes):
    parsed = ParsedFeed("Show", "", "", None, None, None, None, False, list(episodes))
    with transaction(conn):
        health.record_update(conn, feed_id, parsed, http_status=200, etag=None,
                             last_modified=None, body_hash=None)


def shown(conn):
    """The totals as listed, next to the same added up from every episode row."""
    listed = {f.id: (f.episode_count, f.unplayed_count, f.total_duration_s)
              for f in list_feeds(conn)}
    counted = {feed_id: (0, 0, 0) for feed_id in listed}
    counted.update({row[0]: tuple(row[1:]) for row in conn.execute(
        "SELECT feed_id, COUNT(*), SUM(played = 0), COALESCE(SUM(duration_s), 0) "
        "FROM episodes GROUP BY feed_id")})
    assert listed == counted
    return listed


def test_totals_follow_every_change_to_the_episodes(tmp_path):
    conn = connect(tmp_path / "lib.sqlite3")
    show, _ = add_feed(conn, "https://example.org/show.xml", "Show")
    other, _ = add_feed(conn, "https://example.org/other.xml", "Other")
    assert shown(conn) == {show: (0, 0, 0), other: (0, 0, 0)}

    # A feed that lists an item twice: stored once, with the later listing's duration.
    store(conn, show, episode("a", 60), episode("b", None), episode("a", 90),
          episode("c", 30))
    store(conn, other, episode("x", 600))
    assert shown(conn) == {show: (3, 3, 120), other: (1, 1, 600)}
    assert get_feed(conn, show).total_duration_s == 120

    a, b, c = sorted(list_episodes(conn, show), key=lambda e: e.identity)
    set_played(conn, a.id, True)
    set_played(conn, c.id, True)
    set_played(conn, c.id, True)  # twice is still one
    assert shown(conn)[show] == (3, 1, 120)
    set_played(conn, c.id, False)
    assert shown(conn)[show] == (3, 2, 120)

    # The next fetch: b has a duration now, a is longer, d is new; played stays played.
    store(conn, show, episode("a", 100), episode("b", 45), episode("d", 5))
    assert shown(conn)[show] == (4, 3, 180)

    # Anyone's SQL (sync applying a play, a feed migration merging two episodes).
    conn.execute("UPDATE episodes SET played = 1 WHERE feed_id = ?", (show,))
    conn.execute("DELETE FROM episodes WHERE id = ?", (b.id,))
    assert shown(conn) == {show: (3, 0, 135), other: (1, 1, 600)}

    remove_feed(conn, show)
    assert shown(conn) == {other: (1, 1, 600)}
    assert [row[0] for row in conn.execute("SELECT feed_id FROM feed_totals")] == [other]
    conn.close()


def test_listing_feeds_reads_no_episode_rows(tmp_path):
    """`podterm feeds` on 500,000 episodes: one row a feed, not every episode."""
    conn = connect(tmp_path / "lib.sqlite3")
    plan = " ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + _FEED_LIST))
    assert "episodes" not in plan and "SEARCH t USING INTEGER PRIMARY KEY" in plan
    conn.close()


def test_a_library_from_before_the_totals_gets_them_when_opened(tmp_path):
    path = tmp_path / "lib.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as old:
        for script in MIGRATIONS[:7]:
            old.executescript(script)
        old.execute("PRAGMA user_version = 7")
        old.execute("INSERT INTO feeds (id, url, title, added_at) "
                    "VALUES (1, 'https://example.org/f.xml', 'Old', 1), "
                    "(2, 'https://example.org/g.xml', 'Empty', 1)")
        old.execute("INSERT INTO episodes (feed_id, identity, duration_s, played, "
                    "first_seen_at) VALUES (1, 'a', 60, 1, 1), (1, 'b', NULL, 0, 1), "
                    "(1, 'c', 30, 0, 1)")
    conn = connect(path)
    assert shown(conn) == {1: (3, 2, 90), 2: (0, 0, 0)}
    conn.close()
