"""The outbox: every local change is recorded with the change, in its transaction."""

from __future__ import annotations

import sqlite3

import pytest

from library import health
from library.episodes import list_episodes, save_position, set_played
from library.feeds import add_feed, remove_feed
from library.importer import import_opml
from library.migrate import migrate_feed
from library.opml import parse_opml
from library.parse import parse_feed
from library.store import transaction
from library.sync import outbox
from tests.feedgen import rss, show


@pytest.fixture
def clock(monkeypatch):
    """The time outbox records, chosen by the test."""
    now = [1_700_000_000]
    monkeypatch.setattr(outbox, "clock", lambda: now[0])
    return now


def library_with_show(conn, url="https://example.org/feed.xml", media="https://cdn.example.org"):
    feed_id, _ = add_feed(conn, url)
    with transaction(conn):
        health.record_update(conn, feed_id, parse_feed(rss(show("Show", 3, media))),
                             http_status=200, etag=None, last_modified=None, body_hash="h")
    return feed_id, list_episodes(conn, feed_id)


def rows(conn):
    return conn.execute("SELECT * FROM sync_outbox ORDER BY id").fetchall()


def test_subscribing_listening_and_marking_are_recorded_with_their_time(db, clock):
    _, conn = db
    feed_id, (newest, middle, _) = library_with_show(conn)
    clock[0] += 10
    save_position(conn, middle.id, 100)
    clock[0] += 60
    save_position(conn, middle.id, 160.7)  # the same stretch of listening: one row
    set_played(conn, newest.id, True)
    by_key = {row["key"]: row for row in rows(conn)}
    assert by_key["feed:https://example.org/feed.xml"]["action"] == "subscribe"
    listened = by_key[f"episode:{middle.id}"]
    assert (listened["action"], listened["started"], listened["position"]) == ("play", 0, 160)
    assert (listened["total"], listened["guid"], listened["at"]) == (middle.duration_s,
                                                                     middle.guid, clock[0])
    assert listened["episode"] == middle.enclosure_url
    played = by_key[f"episode:{newest.id}"]
    assert played["position"] == played["total"] == newest.duration_s
    set_played(conn, newest.id, False)
    assert rows(conn)[-1]["action"] == "new" and len(rows(conn)) == 3
    clock_row = conn.execute("SELECT at, source FROM sync_clock WHERE episode_id = ?",
                             (middle.id,)).fetchone()
    assert tuple(clock_row) == (clock[0], "local")
    remove_feed(conn, feed_id)
    assert rows(conn)[-1]["action"] == "unsubscribe"
    # The episodes' rows stay: what was listened to still goes up.
    assert sum(row["action"] == "play" for row in rows(conn)) == 1


def test_a_change_that_fails_leaves_no_outbox_row(db):
    _, conn = db
    _, (episode, *_) = library_with_show(conn)
    before = len(rows(conn))
    with pytest.raises(sqlite3.IntegrityError):
        with transaction(conn):
            save_position(conn, episode.id, 42)  # part of the caller's transaction
            conn.execute("INSERT INTO feeds (id, url, added_at) VALUES (NULL, NULL, 0)")
    assert len(rows(conn)) == before
    assert list_episodes(conn)[0].position_s == 0


def test_uploaded_rows_go_and_rows_replaced_meanwhile_stay(db):
    _, conn = db
    _, (episode, *_) = library_with_show(conn)
    save_position(conn, episode.id, 10)
    sent = [row.id for row in outbox.episode_changes(conn)]
    save_position(conn, episode.id, 20)  # while the upload was under way
    outbox.uploaded(conn, sent)
    [left] = outbox.episode_changes(conn)
    assert left.action.position == 20


def test_changes_from_the_server_are_not_echoed(db):
    _, conn = db
    with outbox.quiet():
        add_feed(conn, "https://example.org/quiet.xml")
    assert rows(conn) == []
    add_feed(conn, "https://example.org/loud.xml")
    assert len(rows(conn)) == 1


def test_import_records_every_new_subscription(db):
    _, conn = db
    document = parse_opml(b"<opml version='2.0'><body>"
                          b"<outline type='rss' text='a' xmlUrl='https://a.example/feed'/>"
                          b"<outline type='rss' text='b' xmlUrl='https://b.example/feed'/>"
                          b"</body></opml>")
    import_opml(conn, document)
    assert [row["podcast"] for row in rows(conn)] == ["https://a.example/feed",
                                                       "https://b.example/feed"]


def test_a_migration_is_a_removal_and_an_addition_carrying_what_was_listened(db, clock):
    _, conn = db
    feed_id, (newest, middle, oldest) = library_with_show(conn)
    save_position(conn, middle.id, 300)
    set_played(conn, oldest.id, True)
    listened_at = clock[0]
    outbox.uploaded(conn, [row["id"] for row in rows(conn)])  # synced already
    clock[0] += 3600
    moved = parse_feed(rss(show("Show", 3, "https://new-cdn.example.net")))
    migrate_feed(conn, feed_id, "https://new.example.net/feed.xml", moved, "test")
    subscriptions = outbox.subscription_changes(conn)
    assert [(url, on) for _, url, on in subscriptions] == [
        ("https://example.org/feed.xml", False), ("https://new.example.net/feed.xml", True)]
    carried = {row.action.guid: row.action for row in outbox.episode_changes(conn)}
    assert set(carried) == {middle.guid, oldest.guid}
    assert carried[middle.guid].position == 300 and carried[middle.guid].at == listened_at
    assert carried[middle.guid].podcast == "https://new.example.net/feed.xml"
    assert carried[middle.guid].episode.startswith("https://new-cdn.example.net/")
    aliases = dict(conn.execute("SELECT url, episode_id FROM sync_aliases").fetchall())
    assert aliases[middle.enclosure_url] == middle.id


def test_a_change_after_one_from_another_device_is_newer_even_in_its_second(db, clock):
    from library.sync.apply import apply_state
    from library.sync.actions import State

    _, conn = db
    _, (episode, *_) = library_with_show(conn)
    apply_state(conn, episode.id, clock[0] + 5, State(False, 10))  # that device's clock runs ahead
    save_position(conn, episode.id, 30)
    [row] = outbox.episode_changes(conn)
    assert row.action.at == clock[0] + 6 and row.action.position == 30
