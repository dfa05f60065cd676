"""The Up Next queue: an ordered, persistent list of episodes to play.

Every change is one ``BEGIN IMMEDIATE`` transaction that reads the current order and
writes the new one, and every operation names episodes by id, never by a position the
caller saw earlier. So the CLI and the TUI (two processes, two connections) can edit
the queue at once: SQLite runs their transactions one after the other and each sees
what the other did; nothing is lost or duplicated.

The order is an integer ``rank`` with gaps: adding takes the largest rank + 1, "play
next" the smallest - 1, removing leaves a gap; only a move renumbers the queue.
Episodes leave the queue when they finish, are marked played, are deleted with their
feed (a foreign key cascades), or are withdrawn by their feed (:mod:`library.arrivals`).

Every function that changes the queue returns the whole queue afterwards, so a UI can
redraw from the result.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Iterable

from library import inbox
from library.models import Episode
from library.record import Record
from library.store import transaction

_LIST = """
    SELECT e.*, f.title AS feed_title FROM queue q
    JOIN episodes e ON e.id = q.episode_id JOIN feeds f ON f.id = e.feed_id
    ORDER BY q.rank, q.added_at, q.episode_id
"""


class QueueError(ValueError):
    """An operation the queue cannot do (not queued, bad position); nothing was changed."""


class UnknownEpisodes(LookupError):
    """Some of the ids given are not episodes; nothing was changed."""


class QueueEntry(Record):
    """One queued episode and its 1-based place in the queue."""

    position: int
    episode: Episode

    @property
    def remaining_s(self) -> int | None:
        """Seconds left to hear (the whole episode if played or not started), or None."""
        duration = self.episode.duration_s
        if duration is None:
            return None
        if self.episode.played:
            return duration
        return max(0, round(duration - self.episode.position_s))

    def to_json(self) -> dict[str, Any]:
        e = self.episode
        return {"position": self.position, "episode_id": e.id, "feed_id": e.feed_id,
                "feed_title": e.feed_title, "title": e.title, "duration_s": e.duration_s,
                "position_s": round(e.position_s, 1), "remaining_s": self.remaining_s}


def total_remaining(entries: list[QueueEntry]) -> tuple[int, int]:
    """(seconds left over the entries with a known duration, count of unknown ones)."""
    known = [entry.remaining_s for entry in entries]
    return sum(s for s in known if s is not None), sum(s is None for s in known)


def list_queue(conn: sqlite3.Connection) -> list[QueueEntry]:
    """The queue, in playing order."""
    return [QueueEntry(n, Episode.from_row(row))
            for n, row in enumerate(conn.execute(_LIST), 1)]


def add(conn: sqlite3.Connection, episode_ids: Iterable[int]) -> list[QueueEntry]:
    """Append episodes to the end in the order given; one already queued keeps its place.

    Queued episodes leave the inbox. Unknown ids: :class:`UnknownEpisodes`, nothing changes.
    """
    ids = list(dict.fromkeys(episode_ids))
    with transaction(conn):
        require_episodes(conn, ids)
        append(conn, ids)
    return list_queue(conn)


def play_next(conn: sqlite3.Connection, episode_id: int) -> list[QueueEntry]:
    """Put the episode at the top of the queue (moving it there if already queued)."""
    with transaction(conn):
        require_episodes(conn, [episode_id])
        top = conn.execute("SELECT MIN(rank) FROM queue WHERE episode_id != ?",
                           (episode_id,)).fetchone()[0]
        rank = 0 if top is None else top - 1
        conn.execute("INSERT INTO queue (episode_id, rank, added_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (episode_id) DO UPDATE SET rank = excluded.rank",
                     (episode_id, rank, time.time()))
        inbox.leave(conn, [episode_id])
    return list_queue(conn)


def remove(conn: sqlite3.Connection, episode_ids: Iterable[int]) -> list[QueueEntry]:
    """Take episodes out of the queue; any id that is not queued: :class:`QueueError`."""
    ids = list(dict.fromkeys(episode_ids))
    with transaction(conn):
        require_queued(conn, ids)
        drop(conn, ids)
    return list_queue(conn)


def move_to(conn: sqlite3.Connection, episode_id: int, position: int) -> list[QueueEntry]:
    """Move a queued episode to ``position`` (1 = top); past the end means the end."""
    if position < 1:
        raise QueueError(f"position must be 1 or more, not {position}")
    with transaction(conn):
        require_queued(conn, [episode_id])
        order = [i for i in _order(conn) if i != episode_id]
        order.insert(min(position, len(order) + 1) - 1, episode_id)
        _renumber(conn, order)
    return list_queue(conn)


def move_by(conn: sqlite3.Connection, episode_id: int, steps: int) -> list[QueueEntry]:
    """Move a queued episode ``steps`` places down (negative: up), stopping at the ends."""
    with transaction(conn):
        require_queued(conn, [episode_id])
        order = _order(conn)
        place = max(0, min(len(order) - 1, order.index(episode_id) + steps))
        order.remove(episode_id)
        order.insert(place, episode_id)
        _renumber(conn, order)
    return list_queue(conn)


def clear(conn: sqlite3.Connection) -> list[QueueEntry]:
    """Empty the queue (the episodes themselves are untouched)."""
    with transaction(conn):
        conn.execute("DELETE FROM queue")
    return []


def next_after(conn: sqlite3.Connection, episode_id: int | None) -> QueueEntry | None:
    """What plays after ``episode_id``: the queued episode after it, else (it was last,
    or it is not queued) the first queued episode other than itself; None if none."""
    entries = list_queue(conn)
    ids = [entry.episode.id for entry in entries]
    if episode_id in ids:
        place = ids.index(episode_id)
        entries = entries[place + 1:] + entries[:place]
    return entries[0] if entries else None


def previous_before(conn: sqlite3.Connection, episode_id: int) -> QueueEntry | None:
    """The queued episode just before ``episode_id`` (None if it is first or not queued)."""
    entries = list_queue(conn)
    ids = [e.episode.id for e in entries]
    if episode_id not in ids or ids.index(episode_id) == 0:
        return None
    return entries[ids.index(episode_id) - 1]


# Building blocks for other library modules, run inside their caller's transaction.

def require_episodes(conn: sqlite3.Connection, episode_ids: list[int]) -> None:
    """Raise :class:`UnknownEpisodes` naming every id that is not an episode."""
    missing = [i for i in episode_ids
               if conn.execute("SELECT 1 FROM episodes WHERE id = ?", (i,)).fetchone() is None]
    if missing:
        raise UnknownEpisodes(f"no episode with id {_ids(missing)} (see `podterm episodes`)")


def require_queued(conn: sqlite3.Connection, episode_ids: list[int]) -> None:
    require_episodes(conn, episode_ids)
    queued = set(_order(conn))
    absent = [i for i in episode_ids if i not in queued]
    if absent:
        raise QueueError(f"episode {_ids(absent)} {'is' if len(absent) == 1 else 'are'} "
                         "not in the queue")


def append(conn: sqlite3.Connection, episode_ids: list[int]) -> None:
    """Queue episodes at the end (already queued ones stay); they leave the inbox."""
    last = conn.execute("SELECT MAX(rank) FROM queue").fetchone()[0] or 0
    now = time.time()
    for episode_id in episode_ids:
        inserted = conn.execute("INSERT OR IGNORE INTO queue (episode_id, rank, added_at) "
                                "VALUES (?, ?, ?)", (episode_id, last + 1, now)).rowcount
        last += inserted
    inbox.leave(conn, episode_ids)


def drop(conn: sqlite3.Connection, episode_ids: list[int]) -> None:
    conn.executemany("DELETE FROM queue WHERE episode_id = ?", [(i,) for i in episode_ids])


def replace(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    """``new_id`` takes ``old_id``'s place in the queue (a re-published episode)."""
    conn.execute("UPDATE OR IGNORE queue SET episode_id = ? WHERE episode_id = ?",
                 (new_id, old_id))
    drop(conn, [old_id])


def _order(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute(
        "SELECT episode_id FROM queue ORDER BY rank, added_at, episode_id")]


def _renumber(conn: sqlite3.Connection, order: list[int]) -> None:
    conn.executemany("UPDATE queue SET rank = ? WHERE episode_id = ?",
                     [(rank, episode_id) for rank, episode_id in enumerate(order, 1)])


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)
