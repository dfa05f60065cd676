"""Episodes: storing a feed's items, listing them, and the listener's progress.

A refresh updates what the feed says about an episode and never touches what the
listener did (played flag, saved position).
"""

from __future__ import annotations

import functools
import sqlite3
import time
from itertools import repeat
from operator import attrgetter, is_, itemgetter
from typing import TYPE_CHECKING, Iterable

from library import arrivals
from library.models import Episode
from library.record import Record
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

# Rows go in by statements of these many (largest first, then the rest by halves): one
# statement per row cost SQLite a statement's start and end (its journal, foreign key
# check) and Python a call and a lock hand-over each time, about a sixth of storing a
# new episode.
_BATCHES = (64, 32, 16, 8, 4, 2, 1)


@functools.lru_cache(maxsize=256)
def _upsert(rows: int, shared: tuple[int, ...]) -> str:
    """The statement storing ``rows`` rows whose columns ``shared`` (indexes in a row)
    hold one value in every row. Its values are the feed's id (?1), the time (?2), each
    shared value once, then the other columns one after the other, each column's values
    in row order (a column's slice is added to the values in one step)."""
    own = [i for i in range(len(_ROW_FIELDS)) if i not in shared]
    names = [_ROW_FIELDS[i] for i in (*shared, *own)]
    first = len(shared) + 3  # row r's value of own column c is ?(first + c * rows + r)
    once = "".join(map("?{}, ".format, range(1, first)))
    values = ", ".join(
        "(" + once + ", ".join(map("?{}".format, range(first + r, first + len(own) * rows,
                                                         rows))) + ")"
        for r in range(rows))
    return f"""
    INSERT INTO episodes (feed_id, first_seen_at, {", ".join(names)})
    VALUES {values}
    ON CONFLICT (feed_id, identity) DO UPDATE SET
    {", ".join(f"{name} = excluded.{name}" for name in _FEED_FIELDS)}
"""


def _shared_columns(columns: list[tuple]) -> tuple[int, ...]:
    """The columns (identity aside) with the same value in every row: most feeds leave
    the same fields empty (NULL, which sqlite3 binds through its adapter registry, ~1,000
    instructions each) or give them one text (bound as a copy each time). A text is the
    same by equality, None is None; any other value only when it is the same object
    (1 == 1.0 == True)."""
    shared = []
    for i in range(1, len(_ROW_FIELDS)):
        column = columns[i]
        value = column[0]
        if type(value) is str or value is None:
            same = column[-1] == value and column.count(value) == len(column)
        else:
            same = column[-1] is value and all(map(is_, column, repeat(value)))
        if same:
            shared.append(i)
    return tuple(shared)


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
    same values in field order, taken as they are). Call inside a transaction: the
    caller's feed update and these rows commit together. Rows are stored in the
    document's order: an identity listed twice gets the values of its last listing (and
    the place of its first).
    """
    episodes = list(episodes)
    rows = episodes if all(map(isinstance, episodes, repeat(tuple))) else \
        list(map(_row_values, episodes))
    known = {row[0] for row in conn.execute(
        "SELECT identity FROM episodes WHERE feed_id = ?", (feed_id,))}
    now = time.time()
    fresh = [row for row in rows if row[0] not in known] if known else rows
    new, duration = _new_and_duration(fresh)
    if new:  # first, so that the trigger finds them when a repeat updates its row
        conn.execute(_ADD_TOTALS, (feed_id, new, new, duration))
    columns = list(zip(*rows))
    shared = _shared_columns(columns) if rows else ()
    head = [feed_id, now, *(columns[i][0] for i in shared)]
    own = [column for i, column in enumerate(columns) if i not in shared]
    start, left = 0, len(rows)
    for size in _BATCHES:
        while left >= size:
            values = head.copy()
            for column in own:
                values += column[start:start + size]
            conn.execute(_upsert(size, shared), values)
            start, left = start + size, left - size
    arrivals.episodes_stored(conn, feed_id, episodes, known, now)  # inbox and queue
    return new


def _new_and_duration(fresh: list[tuple]) -> tuple[int, int]:
    """How many episodes ``fresh`` adds, and their duration as first listed."""
    if len(set(map(_identity, fresh))) == len(fresh):  # (as usual: each listed once)
        return len(fresh), sum(filter(None, map(_duration, fresh)))
    # identity: duration as first listed (reversed, so that the first listing wins)
    first = dict(zip(map(_identity, reversed(fresh)), map(_duration, reversed(fresh))))
    return len(first), sum(filter(None, first.values()))


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


class ListeningTime(Record, frozen=True):
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
