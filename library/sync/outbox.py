"""Local changes a sync has to upload, recorded in the same transaction as the change.

Every subscribe, unsubscribe, saved position and played/unplayed mark lands here, so
nothing is lost when podterm is offline, killed, or the server is down: a sync uploads
what is here and deletes only the rows the server accepted. There is one row per feed
and per episode; a newer change replaces the older one (other devices need the newest
state), and a replaced row gets a new id, so a sync that uploaded the old one never
deletes the new one.

Each change also sets the episode's clock (``sync_clock``): when its listening state last
changed, and whether here or on another device. Remote actions older than it lose. A
change made here after one learnt from another device is always newer than that one,
even in the same second or when the other device's clock runs ahead.

Changes a sync applies from the server are not recorded: it runs them inside
:func:`quiet`. Light module (the library's own modules import it): plain SQL only.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from library.record import Record
from library.sync.actions import EpisodeAction, State, local_action
from library.urls import same_feed_key

# Replaced by tests that need to choose the time of a change.
clock: Callable[[], float] = time.time

_local = threading.local()

_PUT = """INSERT OR REPLACE INTO sync_outbox (key, action, podcast, episode, guid, episode_id,
              started, position, total, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_EPISODE = """SELECT e.id, e.played, e.position_s, e.duration_s, e.enclosure_url, e.guid,
                     f.url AS podcast, c.at AS clock_at, c.source AS clock_source
              FROM episodes e JOIN feeds f ON f.id = e.feed_id
              LEFT JOIN sync_clock c ON c.episode_id = e.id"""


def now() -> int:
    return int(clock())


@contextmanager
def quiet() -> Iterator[None]:
    """Within this block (on this thread), changes are not recorded: they came from the
    server, and echoing them back would make them look new."""
    before = getattr(_local, "quiet", False)
    _local.quiet = True
    try:
        yield
    finally:
        _local.quiet = before


def _recording() -> bool:
    return not getattr(_local, "quiet", False)


def record_subscription(conn: sqlite3.Connection, url: str, subscribed: bool,
                        at: int | None = None) -> None:
    """Subscribed to (or unsubscribed from) ``url``."""
    if _recording():
        conn.execute(_PUT, ("feed:" + url, "subscribe" if subscribed else "unsubscribe", url,
                            None, None, None, None, None, None, now() if at is None else at))


def record_episode(conn: sqlite3.Connection, episode_id: int, *, played: bool | None = None,
                   position_s: float = 0.0) -> None:
    """The episode is about to become ``played`` (None: unchanged) at ``position_s``.

    Call before the UPDATE, in its transaction: the old position tells where this
    stretch of listening started.
    """
    if not _recording():
        return
    row = conn.execute(_EPISODE + " WHERE e.id = ?", (episode_id,)).fetchone()
    if row is None or not row["enclosure_url"]:  # nothing playable: nothing to tell
        return
    at = now()
    if row["clock_at"] is not None and row["clock_at"] >= at:
        # Within the second of the episode's last change. This device's change still
        # waiting in the outbox is replaced, and its time kept. Anything else (what
        # another device did, this device's own change already uploaded) must be passed:
        # equal times would let each side keep its own. Passing every change would run
        # the clock ahead, a second per change, past a later change made elsewhere.
        waiting = row["clock_source"] == "local" and conn.execute(
            "SELECT 1 FROM sync_outbox WHERE key = ?", ("episode:%d" % episode_id,)
        ).fetchone() is not None
        at = row["clock_at"] if waiting else row["clock_at"] + 1
    state = State.of(row["played"] if played is None else played, position_s)
    action = local_action(row["podcast"], row["enclosure_url"], row["guid"], state,
                          row["duration_s"], _session_start(conn, row), at)
    _put_episode(conn, episode_id, action)
    set_clock(conn, episode_id, at, "local")


def record_feed_moved(conn: sqlite3.Connection, feed_id: int, old_url: str, new_url: str, *,
                      carry_episodes: bool = False) -> None:
    """The subscription moved: other devices hear "remove old, add new".

    Call before the episodes change. Their enclosure URLs are remembered, so actions
    other devices send for the old ones still find them. With ``carry_episodes`` (a
    migration to another feed), every listened episode is uploaded again, under the new
    feed's addresses, with its guid and its original time.
    """
    if same_feed_key(old_url) == same_feed_key(new_url):
        return
    record_subscription(conn, old_url, False)
    record_subscription(conn, new_url, True)
    conn.execute("INSERT OR REPLACE INTO sync_aliases (url, episode_id) SELECT enclosure_url, "
                 "id FROM episodes WHERE feed_id = ? AND enclosure_url IS NOT NULL", (feed_id,))
    if carry_episodes:
        _enqueue_state(conn, "e.feed_id = ?", (feed_id,))


def enqueue_subscriptions(conn: sqlite3.Connection) -> None:
    """Every subscription, for the first sync with an account (it merges both sides)."""
    for (url,) in conn.execute("SELECT url FROM feeds").fetchall():
        record_subscription(conn, url, True)


def enqueue_listening_state(conn: sqlite3.Connection) -> None:
    """Every played or started episode whose state was not learnt from the server, for
    the first sync with an account. A state older than sync has no time: it is sent as
    of now, and from now on it has one."""
    _enqueue_state(conn, "(c.source IS NULL OR c.source = 'local')", ())


class Row(Record):
    """One outbox row: an id to delete once uploaded, and what to upload."""

    id: int
    action: EpisodeAction


def subscription_changes(conn: sqlite3.Connection) -> list[tuple[int, str, bool]]:
    """(row id, feed URL, subscribed) for every subscription change waiting."""
    rows = conn.execute("SELECT id, podcast, action FROM sync_outbox "
                        "WHERE action IN ('subscribe', 'unsubscribe') ORDER BY id").fetchall()
    return [(row["id"], row["podcast"], row["action"] == "subscribe") for row in rows]


def episode_changes(conn: sqlite3.Connection) -> list[Row]:
    """Every episode action waiting, oldest first, with the episode's current addresses
    (a migration may have moved it since); an episode since deleted keeps the old ones."""
    rows = conn.execute(
        """SELECT o.*, f.url AS current_podcast, e.enclosure_url AS current_episode,
                  e.guid AS current_guid
           FROM sync_outbox o LEFT JOIN episodes e ON e.id = o.episode_id
           LEFT JOIN feeds f ON f.id = e.feed_id
           WHERE o.action IN ('play', 'new') ORDER BY o.id""").fetchall()
    return [Row(row["id"], EpisodeAction(
        podcast=row["current_podcast"] or row["podcast"],
        episode=row["current_episode"] or row["episode"],
        action=row["action"], at=row["at"], guid=row["current_guid"] or row["guid"],
        started=row["started"], position=row["position"], total=row["total"]))
        for row in rows]


def uploaded(conn: sqlite3.Connection, ids: list[int]) -> None:
    """The server accepted these rows (rows replaced since have other ids and stay)."""
    conn.executemany("DELETE FROM sync_outbox WHERE id = ?", [(i,) for i in ids])


def set_clock(conn: sqlite3.Connection, episode_id: int, at: int, source: str) -> None:
    conn.execute("INSERT INTO sync_clock (episode_id, at, source) VALUES (?, ?, ?) "
                 "ON CONFLICT (episode_id) DO UPDATE SET at = excluded.at, "
                 "source = excluded.source", (episode_id, at, source))


def _session_start(conn: sqlite3.Connection, row: sqlite3.Row) -> float:
    """Where this stretch of listening began: the waiting play's start, else the old
    position."""
    waiting = conn.execute("SELECT started FROM sync_outbox WHERE key = ? AND action = 'play'",
                           ("episode:%d" % row["id"],)).fetchone()
    if waiting is not None and waiting["started"] is not None and not row["played"]:
        return float(waiting["started"])
    return 0.0 if row["played"] else row["position_s"]


def _put_episode(conn: sqlite3.Connection, episode_id: int, action: EpisodeAction) -> None:
    conn.execute(_PUT, ("episode:%d" % episode_id, action.action, action.podcast,
                        action.episode, action.guid, episode_id, action.started,
                        action.position, action.total, action.at))


def _enqueue_state(conn: sqlite3.Connection, where: str, params: tuple) -> None:
    if not _recording():
        return
    rows = conn.execute(_EPISODE + " WHERE (e.played = 1 OR e.position_s > 0) AND "
                        "e.enclosure_url IS NOT NULL AND " + where, params).fetchall()
    at_now = now()
    for row in rows:
        at = at_now if row["clock_at"] is None else row["clock_at"]
        state = State.of(row["played"], row["position_s"])
        _put_episode(conn, row["id"], local_action(row["podcast"], row["enclosure_url"],
                                                   row["guid"], state, row["duration_s"],
                                                   row["position_s"], at))
        if row["clock_at"] is None:
            set_clock(conn, row["id"], at, "local")
