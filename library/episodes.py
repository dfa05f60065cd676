"""Episodes: storing a feed's items, listing them, and the listener's progress.

A refresh updates what the feed says about an episode and never touches what the
listener did (played flag, saved position).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Iterable

from library import arrivals
from library.models import Episode
from library.store import atomic
from library.sync import outbox

if TYPE_CHECKING:
    from library.parse import ParsedEpisode

# An episode's values as upsert_episodes takes them: a ParsedEpisode's, in its field order
# (library.episodevalues.episode_values; the parser pool's EpisodeRows are such tuples).
_ROW_FIELDS = ("identity", "guid", "title", "published_at", "duration_s", "enclosure_url",
               "enclosure_type", "enclosure_length", "notes", "link", "chapters_url",
               "transcript_url", "notes_html")
_FEED_FIELDS = _ROW_FIELDS[1:]
_identity = itemgetter(0)
_duration = itemgetter(_ROW_FIELDS.index("duration_s"))
_row_values = attrgetter(*_ROW_FIELDS)

# The feed's id and the time are bound once per statement (?1, ?2), each row's values
# after them.
_ROW = f"(?1, ?2, {', '.join('?' * len(_ROW_FIELDS))})"

# Rows go in by statements of these many (largest first, then the rest by halves): one
# statement per row cost SQLite a statement's start and end (its journal, foreign key
# check) and Python a call and a lock hand-over each time, about a sixth of storing a
# new episode. At most seven statements, prepared once per connection.
_BATCHES = (64, 32, 16, 8, 4, 2, 1)


def _upsert(rows: int) -> str:
    return f"""
    INSERT INTO episodes (feed_id, first_seen_at, {", ".join(_ROW_FIELDS)})
    VALUES {", ".join([_ROW] * rows)}
    ON CONFLICT (feed_id, identity) DO UPDATE SET
    {", ".join(f"{name} = excluded.{name}" for name in _FEED_FIELDS)}
"""


_UPSERTS = {rows: _upsert(rows) for rows in _BATCHES}

# New episodes are unplayed. Triggers keep the totals for every other change (schema 8).
_ADD_TOTALS = """
    INSERT INTO feed_totals VALUES (?, ?, ?, ?) ON CONFLICT (feed_id) DO UPDATE SET
        episode_count = episode_count + excluded.episode_count,
        unplayed_count = unplayed_count + excluded.unplayed_count,
        total_duration_s = total_duration_s + excluded.total_duration_s
"""


def upsert_episodes(conn: sqlite3.Connection, feed_id: int,
                    episodes: Iterable["ParsedEpisode"]) -> int:
    """Insert new episodes and update known ones; returns how many were new.

    ``episodes``: ParsedEpisodes, or the parser pool's EpisodeRows (named tuples of the
    same values in field order, taken as they are). Call inside a transaction: the caller's feed update and these
    rows commit together. Rows are stored in the document's order: an identity listed
    twice gets the values of its last listing (and the place of its first).
    """
    episodes = list(episodes)
    rows = episodes if all(map(isinstance, episodes, repeat(tuple))) else \
        list(map(_row_values, episodes))
    known = {row[0] for row in conn.execute(
        "SELECT identity FROM episodes WHERE feed_id = ?", (feed_id,))}
    now = time.time()
    fresh = [row for row in rows if row[0] not in known] if known else rows
    # identity: duration as first inserted (reversed, so that the first listing wins)
    inserted = dict(zip(map(_identity, reversed(fresh)), map(_duration, reversed(fresh))))
    if inserted:  # first, so that the trigger finds them when a repeat updates its row
        conn.execute(_ADD_TOTALS, (feed_id, len(inserted), len(inserted),
                                   sum(filter(None, inserted.values()))))
    start, left = 0, len(rows)
    for size in _BATCHES:
        while left >= size:
            values = [feed_id, now]
            values += chain.from_iterable(rows[start:start + size])
            conn.execute(_UPSERTS[size], values)
            start, left = start + size, left - size
    arrivals.episodes_stored(conn, feed_id, episodes, known, now)  # inbox and queue
    return len(inserted)


def list_episodes(conn: sqlite3.Connection, feed_id: int | None = None,
                  text: str | None = None, limit: int | None = None) -> list[Episode]:
    """Episodes newest first, of one feed or all; ``text`` filters on the title."""
    where, params = [], []
    if feed_id is not None:
        where.append("e.feed_id = ?")
        params.append(feed_id)
    if text:
        where.append("instr(lower(e.title), ?) > 0")
        params.append(text.lower())
    sql = ("SELECT e.*, f.title AS feed_title FROM episodes e JOIN feeds f ON f.id = e.feed_id"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY e.published_at IS NULL, e.published_at DESC, e.id DESC")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [Episode.from_row(row) for row in conn.execute(sql, params)]


def get_episode(conn: sqlite3.Connection, episode_id: int) -> Episode | None:
    row = conn.execute("SELECT e.*, f.title AS feed_title FROM episodes e "
                       "JOIN feeds f ON f.id = e.feed_id WHERE e.id = ?", (episode_id,)).fetchone()
    return None if row is None else Episode.from_row(row)


def set_played(conn: sqlite3.Connection, episode_id: int, played: bool) -> Episode | None:
    """Mark played (position back to the start) or unplayed; returns the updated episode
    (None if there is no such episode). Sync uploads the change later."""
    with atomic(conn):
        outbox.record_episode(conn, episode_id, played=played)
        conn.execute("UPDATE episodes SET played = ?, position_s = 0 WHERE id = ?",
                     (int(played), episode_id))
    return get_episode(conn, episode_id)


def save_position(conn: sqlite3.Connection, episode_id: int,
                  position_s: float) -> Episode | None:
    """Remember where the listener is; returns the updated episode (None if it is gone).
    Sync uploads the change later."""
    with atomic(conn):
        outbox.record_episode(conn, episode_id, position_s=position_s)
        conn.execute("UPDATE episodes SET position_s = ? WHERE id = ?",
                     (max(0.0, position_s), episode_id))
    return get_episode(conn, episode_id)


@dataclass(frozen=True)
class ListeningTime:
    """A feed's episodes in numbers, for its header: how many, how long, what is left."""

    episodes: int
    total_s: int
    unplayed: int
    unplayed_left_s: int   # what is left of the unplayed ones, saved positions deducted


def listening_time(conn: sqlite3.Connection, feed_id: int) -> ListeningTime:
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(duration_s), 0), COALESCE(SUM(played = 0), 0), "
        "COALESCE(SUM(CASE WHEN played = 0 THEN MAX(COALESCE(duration_s, 0) - position_s, 0)"
        " END), 0) FROM episodes WHERE feed_id = ?", (feed_id,)).fetchone()
    return ListeningTime(row[0], int(row[1]), row[2], int(row[3]))
