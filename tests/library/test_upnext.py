"""The Up Next queue on a real SQLite file: order, persistence, and what leaves it."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from library import inbox, upnext
from library.episodes import get_episode, save_position, upsert_episodes
from library.feeds import add_feed, remove_feed
from library.listening import finish_episode, mark, start_episode
from library.parse import ParsedEpisode
from library.showsettings import ShowDefaults
from library.store import connect, transaction
from tests.library.test_cli import podterm

REPO = Path(__file__).resolve().parents[2]

DAY = 86_400


def item(n: int, show: str = "a", published: float | None = None,
         duration_s: int | None = 1800) -> ParsedEpisode:
    return ParsedEpisode(
        identity=f"{show}-{n}", guid=f"{show}-{n}", title=f"Show {show} episode {n}",
        published_at=1_700_000_000 + n * DAY if published is None else published,
        duration_s=duration_s, enclosure_url=f"https://cdn.example.org/{show}/{n}.mp3",
        enclosure_type="audio/mpeg", enclosure_length=None, notes="", link=None,
        chapters_url=None, transcript_url=None)


def store(conn, feed_id: int, items: list[ParsedEpisode]) -> None:
    with transaction(conn):
        upsert_episodes(conn, feed_id, items)


def feed_with(conn, count: int, show: str = "a") -> list[int]:
    """A feed with ``count`` episodes; their ids, oldest first."""
    feed_id, _ = add_feed(conn, f"https://example.org/{show}.xml", title=f"Show {show}")
    store(conn, feed_id, [item(n, show) for n in range(count)])
    return [row[0] for row in conn.execute(
        "SELECT id FROM episodes WHERE feed_id = ? ORDER BY published_at", (feed_id,))]


def order(conn) -> list[int]:
    return [entry.episode.id for entry in upnext.list_queue(conn)]


def test_add_next_move_remove_clear_keep_the_order_the_user_made(db):
    _, conn = db
    a, b, c, d, e = feed_with(conn, 5)
    assert [x.episode.id for x in upnext.add(conn, [a, b, c])] == [a, b, c]
    assert order(conn) == [a, b, c]
    upnext.add(conn, [b, d])                       # b is queued already: it stays put
    assert order(conn) == [a, b, c, d]
    entries = upnext.play_next(conn, e)
    assert [(x.position, x.episode.id) for x in entries] == [(1, e), (2, a), (3, b), (4, c),
                                                             (5, d)]
    upnext.play_next(conn, c)                      # already queued: moves to the top
    assert order(conn) == [c, e, a, b, d]
    upnext.move_to(conn, c, 3)
    assert order(conn) == [e, a, c, b, d]
    upnext.move_to(conn, e, 99)                    # past the end: the end
    assert order(conn) == [a, c, b, d, e]
    upnext.move_by(conn, b, -1)
    upnext.move_by(conn, a, -1)                    # already first: stays
    upnext.move_by(conn, d, +5)
    assert order(conn) == [a, b, c, e, d]
    assert [x.episode.id for x in upnext.remove(conn, [c])] == [a, b, e, d]
    assert order(conn) == [a, b, e, d]
    upnext.play_next(conn, c)                      # after a move and a removal, still the top
    assert order(conn) == [c, a, b, e, d]
    assert upnext.clear(conn) == [] and order(conn) == []


def test_the_queue_survives_closing_and_reopening_the_library(db):
    path, conn = db
    a, b, c = feed_with(conn, 3)
    upnext.add(conn, [c, a])
    upnext.play_next(conn, b)
    conn.close()
    again = connect(path)
    assert order(again) == [b, c, a]
    entry = upnext.list_queue(again)[1]
    assert (entry.position, entry.episode.title, entry.episode.feed_title) == (
        2, "Show a episode 2", "Show a")
    again.close()


def test_unknown_or_unqueued_ids_change_nothing(db):
    _, conn = db
    a, b, c = feed_with(conn, 3)
    upnext.add(conn, [a, b])
    with pytest.raises(upnext.UnknownEpisodes, match="no episode with id 998, 999"):
        upnext.add(conn, [c, 998, 999])
    with pytest.raises(upnext.QueueError, match=f"episode {c} is not in the queue"):
        upnext.remove(conn, [a, c])
    with pytest.raises(upnext.QueueError, match="not in the queue"):
        upnext.move_to(conn, c, 1)
    with pytest.raises(upnext.QueueError, match="position must be 1 or more"):
        upnext.move_to(conn, a, 0)
    with pytest.raises(upnext.UnknownEpisodes):
        mark(conn, [a, 999], played=True)
    assert order(conn) == [a, b]
    assert not get_episode(conn, a).played


def test_remaining_time_counts_what_is_left_to_hear(db):
    _, conn = db
    feed_id, _ = add_feed(conn, "https://example.org/t.xml")
    store(conn, feed_id, [item(1, duration_s=1000), item(2, duration_s=600),
                          item(3, duration_s=None)])
    one, two, three = (r[0] for r in conn.execute("SELECT id FROM episodes ORDER BY id"))
    save_position(conn, one, 400.4)
    entries = upnext.add(conn, [one, two, three])
    assert [e.remaining_s for e in entries] == [600, 600, None]
    assert upnext.total_remaining(entries) == (1200, 1)
    assert entries[0].to_json() == {
        "position": 1, "episode_id": one, "feed_id": feed_id, "feed_title": "",
        "title": "Show a episode 1", "duration_s": 1000, "position_s": 400.4,
        "remaining_s": 600}


def test_finishing_marks_played_leaves_the_queue_and_says_what_is_next(db):
    _, conn = db
    a, b, c, d = feed_with(conn, 4)
    upnext.add(conn, [a, b, c])
    finished = finish_episode(conn, b)             # played from the middle: c is next
    assert finished.next.episode.id == c and finished.next.position == 2
    assert [x.episode.id for x in finished.queue] == [a, c]
    assert get_episode(conn, b).played and get_episode(conn, b).position_s == 0
    assert finish_episode(conn, c).next.episode.id == a  # the last one: back to the top
    assert finish_episode(conn, d).next.episode.id == a  # not queued: the top
    assert finish_episode(conn, a).next is None           # empty: play_next decides
    assert order(conn) == []


def test_next_and_previous_for_skipping(db):
    _, conn = db
    a, b, c, d = feed_with(conn, 4)
    upnext.add(conn, [a, b, c])
    assert upnext.next_after(conn, a).episode.id == b
    assert upnext.next_after(conn, c).episode.id == a
    assert upnext.next_after(conn, d).episode.id == a
    assert upnext.next_after(conn, None).episode.id == a
    assert upnext.previous_before(conn, c).episode.id == b
    assert upnext.previous_before(conn, a) is None
    assert upnext.previous_before(conn, d) is None
    upnext.clear(conn)
    assert upnext.next_after(conn, a) is None


def test_marking_played_leaves_the_queue_marking_unplayed_does_not(db):
    _, conn = db
    a, b = feed_with(conn, 2)
    upnext.add(conn, [a, b])
    [episode] = mark(conn, [a], played=True)
    assert episode.played and order(conn) == [b]
    mark(conn, [b], played=False)
    assert order(conn) == [b]
    [episode] = mark(conn, [a], played=False)
    assert not episode.played and order(conn) == [b]


def test_unsubscribing_takes_the_feeds_episodes_out_of_the_queue(db):
    path, conn = db
    a1, a2 = feed_with(conn, 2, "a")
    b1, b2 = feed_with(conn, 2, "b")
    upnext.add(conn, [a1, b1, a2, b2])
    feed_b = get_episode(conn, b1).feed_id
    other = connect(path)                          # another process's connection
    remove_feed(other, feed_b)
    other.close()
    assert order(conn) == [a1, a2]


def test_queueing_and_starting_and_marking_are_what_make_an_episode_not_new(db):
    _, conn = db
    a, b, c, d = feed_with(conn, 4)
    with transaction(conn):
        inbox.enter(conn, [a, b, c, d], now=1.0)
    upnext.add(conn, [a])
    upnext.play_next(conn, b)
    start_episode(conn, c, ShowDefaults())
    assert [e.id for e in inbox.list_inbox(conn)] == [d]
    mark(conn, [d], played=False)
    assert inbox.inbox_count(conn) == 0


def test_concurrent_cli_and_library_processes_lose_no_entries(db, tmp_path):
    """Three library processes (like the TUI's librarian) and two streams of `podterm
    queue` commands edit one queue at the same time; every entry survives, once."""
    path, conn = db
    ids = feed_with(conn, 56)
    appended, topped, churned = ids[:12], ids[12:24], ids[24:32]
    cli_added, cli_next = ids[32:40], ids[40:48]
    gate = [str(i) for i in cli_added + cli_next]
    workers = [subprocess.Popen(
        [sys.executable, "-m", "tests.library.queue_worker", str(path), role, *gate, "--",
         *map(str, own)], cwd=REPO, stderr=subprocess.PIPE, text=True)
        for role, own in (("append", appended), ("top", topped), ("churn", churned))]

    def cli(action: str, own: list[int]) -> None:
        for episode_id in own:
            podterm("queue", action, str(episode_id), data_dir=path.parent)

    threads = [threading.Thread(target=cli, args=args)
               for args in (("add", cli_added), ("next", cli_next))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stderr.read()

    entries = upnext.list_queue(conn)
    queued = [e.episode.id for e in entries]
    assert sorted(queued) == sorted(appended + topped + cli_added + cli_next)
    assert [e.position for e in entries] == list(range(1, len(queued) + 1))
