"""The inbox and the queue as refreshes of real feeds (served on 127.0.0.1) change them."""

from __future__ import annotations

import sqlite3

from library import inbox, store, upnext
from library.episodes import list_episodes
from library.feeds import add_feed
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.showsettings import ShowDefaults, update_show_settings
from library.store import connect
from tests.feedgen import Channel, Item, rss

FAST = RefreshSettings(concurrency=4, per_host=2, timeout_s=5, max_feed_mb=1)
DAY = 86_400


class Show:
    """A feed on the loopback server that a test edits between refreshes."""

    def __init__(self, server, db, name: str, items: list[Item] | None = None) -> None:
        self.server, (self.path, self.conn), self.name = server, db, name
        self.items = items or []
        self.url = server.add(f"/{name}.xml", self.body(), "application/rss+xml")
        self.feed_id = add_feed(self.conn, self.url)[0]
        self.subscribed_at = self.conn.execute(
            "SELECT added_at FROM feeds WHERE id = ?", (self.feed_id,)).fetchone()[0]

    def body(self) -> bytes:
        return rss(Channel(self.name, self.items))

    def item(self, n: int, days_after_subscribing: float | None, **fields) -> Item:
        """An episode dated relative to the subscription (negative: back catalogue;
        None: undated)."""
        published = (None if days_after_subscribing is None
                     else self.subscribed_at + days_after_subscribing * DAY)
        return Item(**{"title": f"{self.name} {n}", "guid": f"{self.name}-{n}",
                       "enclosure": f"https://cdn.example.org/{self.name}/{n}.mp3",
                       "duration": f"{20 + n}:00", "published": published, **fields})

    def publish(self, *items: Item, keep: bool = True) -> None:
        """Put ``items`` at the top of the feed (replacing everything unless ``keep``)."""
        self.items = [*items, *(self.items if keep else [])]
        self.server.add(f"/{self.name}.xml", self.body(), "application/rss+xml")

    def refresh(self, expect: str = "updated") -> None:
        [outcome] = refresh(self.path, [self.feed_id], FAST)
        assert outcome.outcome == expect, outcome.error

    def id_of(self, n: int) -> int:
        return self.conn.execute("SELECT id FROM episodes WHERE feed_id = ? AND guid = ?",
                                 (self.feed_id, f"{self.name}-{n}")).fetchone()[0]


def back_catalogue(show: Show, count: int) -> list[Item]:
    return [show.item(n, -(count - n)) for n in range(count - 1, -1, -1)]


def new_titles(conn) -> list[str]:
    return [episode.title for episode in inbox.list_inbox(conn)]


def test_a_new_subscriptions_first_fetch_brings_nothing_new(server, db):
    show = Show(server, db, "Fresh")
    # Its back catalogue, and even an episode dated after the subscription (a clock that
    # runs ahead, a scheduled post): the first fetch is the show as it was.
    show.publish(show.item(9, +0.5), *back_catalogue(show, 5))
    show.refresh()
    assert len(list_episodes(show.conn, show.feed_id)) == 6
    assert inbox.inbox_count(show.conn) == 0


def test_later_arrivals_published_after_subscribing_are_new(server, db):
    show = Show(server, db, "Daily", [])
    show.publish(*back_catalogue(show, 3))
    show.refresh()
    show.publish(show.item(10, +1), show.item(11, +2), show.item(12, None),
                 # Old episodes the show puts (back) into its feed are not news.
                 show.item(20, -30))
    show.refresh()
    assert sorted(new_titles(show.conn)) == ["Daily 10", "Daily 11", "Daily 12"]
    assert inbox.inbox_counts(show.conn) == {show.feed_id: 3}
    show.refresh(expect="not_modified")
    show.publish(show.item(13, -1))               # changed, but nothing new
    show.refresh()
    assert inbox.inbox_count(show.conn) == 3


def test_an_empty_show_s_first_episode_is_new(server, db):
    show = Show(server, db, "Premiere", [])
    show.refresh()                               # subscribed before the first episode
    show.publish(show.item(1, +1))
    show.refresh()
    assert new_titles(show.conn) == ["Premiere 1"]


def test_republished_episodes_are_not_new(server, db):
    show = Show(server, db, "Reruns")
    show.publish(show.item(1, +1), show.item(2, +2), *back_catalogue(show, 2))
    show.refresh()
    first = show.item(1, +1)
    second = show.item(2, +2)
    show.publish(
        # New guids and new dates: the same enclosure ...
        show.item(1, +40, guid="rerun-a", title="Reruns 1 (encore)"),
        # ... or the same title and duration with new guid, date and enclosure.
        show.item(2, +41, guid="rerun-b", enclosure="https://other.example.org/b.mp3"),
        # The same title but another length is another episode (a daily "News").
        show.item(2, +42, guid="rerun-c", enclosure="https://other.example.org/c.mp3",
                  duration="5:00"),
        first, second, keep=False)
    show.refresh()
    assert new_titles(show.conn) == ["Reruns 2"]
    assert [e.duration_s for e in inbox.list_inbox(show.conn)] == [300]


def test_newest_first_across_shows(server, db):
    a = Show(server, db, "Alpha")
    b = Show(server, db, "Beta")
    for show in (a, b):
        show.refresh()
    a.publish(a.item(1, +1), a.item(3, +3))
    b.publish(b.item(2, +2), b.item(4, +4))
    a.refresh()
    b.refresh()
    assert new_titles(a.conn) == ["Beta 4", "Alpha 3", "Beta 2", "Alpha 1"]
    assert [e.feed_title for e in inbox.list_inbox(a.conn, limit=2)] == ["Beta", "Alpha"]
    assert [e.title for e in inbox.list_inbox(a.conn, feed_id=a.feed_id)] == [
        "Alpha 3", "Alpha 1"]


def test_dismissing_is_all_or_nothing(server, db):
    show = Show(server, db, "Dismiss")
    show.refresh()
    show.publish(show.item(1, +1), show.item(2, +2), show.item(3, +3))
    show.refresh()
    one, two, three = (show.id_of(n) for n in (1, 2, 3))
    try:
        inbox.dismiss(show.conn, [one, 424242])
    except inbox.InboxError as exc:
        assert "424242 is not in the inbox" in str(exc)
    else:
        raise AssertionError("dismissing an unknown id succeeded")
    assert inbox.inbox_count(show.conn) == 3
    assert [e.id for e in inbox.dismiss(show.conn, [one, two])] == [three]
    assert inbox.dismiss_all(show.conn) == 1 and new_titles(show.conn) == []


def test_auto_queue_sends_new_episodes_to_the_queue_oldest_first(server, db):
    show = Show(server, db, "Serial")
    show.refresh()
    update_show_settings(show.conn, show.feed_id, {"auto_queue": True}, ShowDefaults())
    show.publish(show.item(2, +2), show.item(1, +1))
    show.refresh()
    assert [e.episode.title for e in upnext.list_queue(show.conn)] == ["Serial 1", "Serial 2"]
    assert inbox.inbox_count(show.conn) == 0


def test_an_episode_the_feed_withdraws_leaves_queue_and_inbox(server, db):
    show = Show(server, db, "Pulled")
    show.publish(*back_catalogue(show, 4))         # 3 (newest) .. 0 (oldest)
    show.refresh()
    show.publish(show.item(10, +1), show.item(11, +2))
    show.refresh()
    upnext.add(show.conn, [show.id_of(n) for n in (0, 2, 3, 10)])
    assert new_titles(show.conn) == ["Pulled 11"]
    # The host takes down episodes 2 and 11, and its feed now only lists the newest
    # four: episode 0 fell off the end, but was not withdrawn.
    show.publish(*(i for i in show.items if i.guid not in ("Pulled-2", "Pulled-11", "Pulled-0")),
                 keep=False)
    show.refresh()
    assert [e.episode.title for e in upnext.list_queue(show.conn)] == [
        "Pulled 0", "Pulled 3", "Pulled 10"]
    assert inbox.inbox_count(show.conn) == 0
    # The episodes themselves stay, with what was heard of them.
    assert len(list_episodes(show.conn, show.feed_id)) == 6


def test_a_republished_episode_takes_the_withdrawn_ones_place(server, db):
    show = Show(server, db, "Moved")
    show.publish(*back_catalogue(show, 3))
    show.refresh()
    upnext.add(show.conn, [show.id_of(n) for n in (0, 1, 2)])
    # The host re-posts episode 1 with a new guid and date; the old item is gone.
    items = [show.item(1, +5, guid="Moved-1b")] + [
        i for i in show.items if i.guid != "Moved-1"]
    show.publish(*items, keep=False)
    show.refresh()
    queue = upnext.list_queue(show.conn)
    assert [e.episode.guid for e in queue] == ["Moved-0", "Moved-1b", "Moved-2"]
    assert inbox.inbox_count(show.conn) == 0


def test_a_feed_that_comes_back_empty_leaves_the_queue_alone(server, db):
    show = Show(server, db, "Glitch")
    show.publish(*back_catalogue(show, 2))
    show.refresh()
    upnext.add(show.conn, [show.id_of(0), show.id_of(1)])
    show.publish(keep=False)
    show.refresh()
    assert len(upnext.list_queue(show.conn)) == 2


def test_feeds_fetched_before_the_upgrade_are_not_first_fetches(tmp_path):
    """A library from before the inbox existed: its feeds' next arrivals can be new."""
    path = tmp_path / "old.sqlite3"
    ours = next(n for n, m in enumerate(store.MIGRATIONS) if "inbox_feeds" in m)
    raw = sqlite3.connect(path)
    for script in store.MIGRATIONS[:ours]:
        for statement in store._statements(script):
            raw.execute(statement)
    raw.execute("INSERT INTO feeds (url, added_at, last_success_at) VALUES "
                "('https://example.org/fetched.xml', 1, 2), "
                "('https://example.org/never.xml', 1, NULL)")
    raw.execute(f"PRAGMA user_version = {ours}")
    raw.commit()
    raw.close()
    conn = connect(path)
    watched = conn.execute("SELECT f.url FROM inbox_feeds i JOIN feeds f ON f.id = i.feed_id")
    assert [row[0] for row in watched] == ["https://example.org/fetched.xml"]
    conn.close()
