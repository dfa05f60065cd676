"""Moving a subscription to a new feed address without losing what was listened to.

The feed row stays (same id, same history); its episodes are matched with the new
feed's, so played flags, positions and downloads stay attached. Matching, in order:
the same guid, the same enclosure URL, or the same normalised title published on the
same day with durations within ten minutes of each other.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from datetime import datetime, timezone
from typing import Sequence

from library.episodes import list_episodes, upsert_episodes
from library.feeds import find_by_url, log_event
from library.models import Episode
from library.parse import ParsedEpisode, ParsedFeed
from library.record import Record
from library.store import transaction
from library.sync import outbox

DURATION_TOLERANCE_S = 600


class Evidence(Record):
    """How much of a candidate feed is the show we had."""

    matched: int
    ours: int
    theirs: int
    examples: list[str]

    def describe(self) -> str:
        there = f"{self.theirs} episode{'' if self.theirs == 1 else 's'} there"
        if not self.matched:
            return f"none of our {self.ours} episodes appear in it ({there})"
        return f"{self.matched} of our {self.ours} episodes appear in it ({there})"


def normalise_title(title: str) -> str:
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def match_episodes(ours: list[Episode],
                   theirs: Sequence[ParsedEpisode | Episode]) -> dict[int, Episode]:
    """Map the index of each of ``theirs`` that is one of ``ours`` to our episode."""
    by_guid = {e.guid: e for e in ours if e.guid}
    by_enclosure = {e.enclosure_url: e for e in ours if e.enclosure_url}
    by_title_day: dict[tuple[str, str], list[Episode]] = {}
    for episode in ours:
        key = _title_day(episode.title, episode.published_at)
        if key[0]:  # an untitled episode is matched by nothing but its guid or enclosure
            by_title_day.setdefault(key, []).append(episode)
    matches: dict[int, Episode] = {}
    taken: set[int] = set()
    for index, theirs_episode in enumerate(theirs):
        candidates = [by_guid.get(theirs_episode.guid), by_enclosure.get(theirs_episode.enclosure_url)]
        candidates += [e for e in by_title_day.get(
            _title_day(theirs_episode.title, theirs_episode.published_at), [])
            if _close_durations(e.duration_s, theirs_episode.duration_s)]
        found = next((e for e in candidates if e is not None and e.id not in taken), None)
        if found is not None:
            matches[index] = found
            taken.add(found.id)
    return matches


def evidence(conn: sqlite3.Connection, feed_id: int, parsed: ParsedFeed) -> Evidence:
    return evidence_among(list_episodes(conn, feed_id), parsed)


def evidence_among(ours: list[Episode], parsed: ParsedFeed) -> Evidence:
    """How many of ``ours`` the feed ``parsed`` contains (no database needed)."""
    matches = match_episodes(ours, parsed.episodes)
    examples = [parsed.episodes[i].title for i in sorted(matches)[:3]]
    return Evidence(len(matches), len(ours), len(parsed.episodes), examples)


def migrate_feed(conn: sqlite3.Connection, feed_id: int, new_url: str, parsed: ParsedFeed,
                 because: str, now: float | None = None) -> Evidence:
    """Point ``feed_id`` at ``new_url`` and merge ``parsed`` into it, in one transaction.

    If another subscription already has ``new_url``, the two are merged into this one:
    what was listened to in either survives.
    """
    now = time.time() if now is None else now
    with transaction(conn):
        old_url = conn.execute("SELECT url FROM feeds WHERE id = ?", (feed_id,)).fetchone()[0]
        outbox.record_feed_moved(conn, feed_id, old_url, new_url, carry_episodes=True)
        other = find_by_url(conn, new_url)
        if other is not None and other != feed_id:
            _absorb(conn, feed_id, other)
        found = evidence(conn, feed_id, parsed)
        _adopt_identities(conn, feed_id, parsed)
        upsert_episodes(conn, feed_id, parsed.episodes)
        conn.execute(
            """UPDATE feeds SET url = ?, title = CASE WHEN ? != '' THEN ? ELSE title END,
                   author = CASE WHEN ? != '' THEN ? ELSE author END,
                   podcast_guid = COALESCE(?, podcast_guid), new_feed_url = NULL,
                   status = 'active', archived_at = NULL, archive_reason = NULL,
                   consecutive_failures = 0, first_failure_at = NULL, last_error = NULL,
                   last_error_kind = NULL, etag = NULL, last_modified = NULL, body_hash = NULL,
                   last_checked_at = ?, last_success_at = ?
               WHERE id = ?""",
            (new_url, parsed.title, parsed.title, parsed.author, parsed.author,
             parsed.podcast_guid, now, now, feed_id))
        log_event(conn, feed_id, "moved", f"moved from {old_url} to {new_url} on "
                  f"{datetime.fromtimestamp(now).strftime('%Y-%m-%d')} because {because}; "
                  f"{found.describe()}", at=now)
    return found


def _adopt_identities(conn: sqlite3.Connection, feed_id: int, parsed: ParsedFeed) -> None:
    """Give our matched episodes the new feed's identities, so the upsert updates them."""
    matches = match_episodes(list_episodes(conn, feed_id), parsed.episodes)
    # Two steps, so that swapping identities never collides with the UNIQUE constraint.
    for episode in matches.values():
        conn.execute("UPDATE episodes SET identity = ? WHERE id = ?",
                     (f"migrating:{episode.id}", episode.id))
    for index, episode in matches.items():
        identity = parsed.episodes[index].identity
        conn.execute("DELETE FROM episodes WHERE feed_id = ? AND identity = ?",
                     (feed_id, identity))
        conn.execute("UPDATE episodes SET identity = ? WHERE id = ?", (identity, episode.id))


def _absorb(conn: sqlite3.Connection, keep_id: int, drop_id: int) -> None:
    """Carry ``drop_id``'s episodes and the listener's state over to ``keep_id``; drop it."""
    drop = list_episodes(conn, drop_id)
    matches = match_episodes(list_episodes(conn, keep_id), drop)
    for index, theirs in enumerate(drop):
        ours = matches.get(index)
        if ours is None:  # not in the kept feed: it moves over, state and all
            conn.execute("UPDATE OR IGNORE episodes SET feed_id = ? WHERE id = ?",
                         (keep_id, theirs.id))
        else:
            conn.execute("UPDATE episodes SET played = max(played, ?), "
                         "position_s = max(position_s, ?) WHERE id = ?",
                         (int(theirs.played), theirs.position_s, ours.id))
    conn.execute("DELETE FROM feeds WHERE id = ?", (drop_id,))
    log_event(conn, keep_id, "merged", f"merged with subscription {drop_id}, which had "
              "the same address")


def _title_day(title: str, published_at: float | None) -> tuple[str, str]:
    day = (datetime.fromtimestamp(published_at, timezone.utc).strftime("%Y-%m-%d")
           if published_at else "")
    return normalise_title(title), day


def _close_durations(a: int | None, b: int | None) -> bool:
    return a is None or b is None or abs(a - b) <= DURATION_TOLERANCE_S
