"""Show notes are stored as the feed wrote them and made plain text when first read.

Converting every episode's notes was most of a refresh's work; readers must not notice:
the text they get is what the refresh used to store.
"""

from __future__ import annotations

import sqlite3

from library.episodes import get_episode, list_episodes
from library.feeds import add_feed
from library.parse import DEFER_NOTES_UP_TO, parse_feed
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.store import MIGRATIONS, connect
from library.text import html_to_text
from tests.feedgen import NOTES_HTML, Channel, Item, rss

FAST = RefreshSettings(concurrency=4, per_host=2, timeout_s=5, max_feed_mb=5)
LONG_NOTES = "<p>" + "A long transcript line. " * (DEFER_NOTES_UP_TO // 20) + "</p>"


def test_refreshed_notes_read_as_plain_text(server, db):
    path, conn = db
    items = [Item("Short", guid="short", notes_html=NOTES_HTML),
             Item("Long", guid="long", notes_html=LONG_NOTES),
             Item("Plain", guid="plain", notes_html="Line one\nLine <two>")]
    url = server.add("/feed.xml", rss(Channel("Notes", items)), "application/rss+xml")
    feed_id = add_feed(conn, url)[0]
    refresh(path, [feed_id], FAST)
    notes = {e.guid: e.notes for e in list_episodes(conn, feed_id)}
    assert notes["short"].startswith("In this episode we talk about terminal software")
    assert "\n• 03:12 Why terminals\n" in notes["short"]
    assert notes["long"] == html_to_text(LONG_NOTES)
    assert notes["plain"] == "Line one\nLine <two>"


def test_short_notes_wait_in_the_database_and_long_ones_do_not(server, db):
    path, conn = db
    items = [Item("Short", guid="short", notes_html=NOTES_HTML),
             Item("Long", guid="long", notes_html=LONG_NOTES)]
    url = server.add("/feed.xml", rss(Channel("Notes", items)), "application/rss+xml")
    refresh(path, [add_feed(conn, url)[0]], FAST)
    rows = {row["guid"]: row
            for row in conn.execute("SELECT guid, notes, notes_html FROM episodes")}
    assert (rows["short"]["notes"], rows["short"]["notes_html"]) == ("", NOTES_HTML)
    assert rows["long"]["notes_html"] is None
    assert rows["long"]["notes"] == html_to_text(LONG_NOTES)


def test_notes_are_converted_once_per_episode_object(server, db):
    path, conn = db
    url = server.add("/feed.xml", rss(Channel("Once", [Item("A", guid="a")])), "text/xml")
    refresh(path, [add_feed(conn, url)[0]], FAST)
    [listed] = list_episodes(conn)
    episode = get_episode(conn, listed.id)
    assert episode.notes == "Show notes." and episode.notes_html is None
    assert episode.notes is episode.notes


def test_parsed_notes_are_what_a_refresh_used_to_store():
    parsed = parse_feed(rss(Channel("P", [Item("A", guid="a", notes_html=NOTES_HTML),
                                          Item("B", guid="b", notes_html=LONG_NOTES)])))
    short, long = parsed.episodes
    assert (short.notes, short.notes_html) == ("", NOTES_HTML)
    assert (long.notes, long.notes_html) == (html_to_text(LONG_NOTES), None)


def test_a_library_written_before_keeps_its_notes(tmp_path):
    """Rows stored as plain text by an older podterm are shown as they are: "<b>" in
    already-plain text is text, not a tag to strip again."""
    path = tmp_path / "lib.sqlite3"
    old = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        old.executescript(migration)
    old.execute("PRAGMA user_version = 2")
    old.execute("INSERT INTO feeds (id, url, added_at) VALUES (1, 'https://e.org/f', 0)")
    old.execute("INSERT INTO episodes (feed_id, identity, notes, first_seen_at) "
                "VALUES (1, 'guid:x', 'Use <b> for bold', 0)")
    old.commit()
    old.close()
    conn = connect(path)
    [episode] = list_episodes(conn, 1)
    assert episode.notes == "Use <b> for bold"
    conn.close()
