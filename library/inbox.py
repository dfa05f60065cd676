"""The inbox: new episodes from all shows, until the listener deals with them.

An episode enters the inbox when a refresh brings it and it is newer than the
subscription (the rules are in :mod:`library.arrivals`). It leaves when it is played,
queued, marked played or unplayed, or dismissed; and with its feed.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

from library.models import Episode
from library.store import transaction

# CROSS JOIN: read the inbox first, then each of its episodes. Left to choose, SQLite
# walked every episode looking for inbox rows (28 ms at 100,000 episodes, for an empty
# inbox, before the player's first screen).
_LIST = """
    SELECT e.*, f.title AS feed_title FROM inbox i
    CROSS JOIN episodes e ON e.id = i.episode_id JOIN feeds f ON f.id = e.feed_id
"""
_NEWEST_FIRST = " ORDER BY COALESCE(e.published_at, i.arrived_at) DESC, e.id DESC"


class InboxError(ValueError):
    """Dismissing something that is not in the inbox; nothing was changed."""


def list_inbox(conn: sqlite3.Connection, feed_id: int | None = None,
               limit: int | None = None) -> list[Episode]:
    """New episodes, newest first, across all shows (or of one feed)."""
    sql, params = _LIST, []
    if feed_id is not None:
        sql += " WHERE e.feed_id = ?"
        params.append(feed_id)
    sql += _NEWEST_FIRST
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [Episode.from_row(row) for row in conn.execute(sql, params)]


def inbox_count(conn: sqlite3.Connection) -> int:
    """How many new episodes there are (the count next to the TUI's Inbox entry)."""
    return conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]


def inbox_counts(conn: sqlite3.Connection) -> dict[int, int]:
    """New episodes per feed id (feeds without any are absent)."""
    return dict(conn.execute("SELECT e.feed_id, COUNT(*) FROM inbox i CROSS JOIN episodes "
                             "e ON e.id = i.episode_id GROUP BY e.feed_id"))


def dismiss(conn: sqlite3.Connection, episode_ids: Iterable[int]) -> list[Episode]:
    """Take episodes out of the inbox; if any id is not there, nothing changes."""
    ids = list(dict.fromkeys(episode_ids))
    with transaction(conn):
        present = {row[0] for row in conn.execute("SELECT episode_id FROM inbox")}
        absent = [i for i in ids if i not in present]
        if absent:
            raise InboxError(f"episode {', '.join(map(str, absent))} "
                             f"{'is' if len(absent) == 1 else 'are'} not in the inbox")
        leave(conn, ids)
    return list_inbox(conn)


def dismiss_all(conn: sqlite3.Connection) -> int:
    """Empty the inbox; returns how many episodes were in it."""
    return conn.execute("DELETE FROM inbox").rowcount


# Building blocks for other library modules, run inside their caller's transaction.

def enter(conn: sqlite3.Connection, episode_ids: list[int], now: float) -> None:
    conn.executemany("INSERT OR IGNORE INTO inbox (episode_id, arrived_at) VALUES (?, ?)",
                     [(i, now) for i in episode_ids])


def leave(conn: sqlite3.Connection, episode_ids: list[int]) -> None:
    conn.executemany("DELETE FROM inbox WHERE episode_id = ?", [(i,) for i in episode_ids])


def replace(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    """``new_id`` is new in ``old_id``'s stead (a re-published episode)."""
    conn.execute("UPDATE OR IGNORE inbox SET episode_id = ? WHERE episode_id = ?",
                 (new_id, old_id))
    leave(conn, [old_id])
