"""What each check of a feed did to it: metadata, episodes, validators, failure streak.

Every function here runs inside one transaction of the caller's, so a crash mid-refresh
leaves the previous consistent state.
"""

from __future__ import annotations

import sqlite3
import time

from library.episodes import upsert_episodes
from library.feeds import find_by_url, log_event
from library.parse import ParsedFeed
from library.sync import outbox
from library.sync.apply import apply_waiting

# Checks remembered per feed: enough to describe any failure streak that leads to archiving.
CHECKS_KEPT = 100


def record_unchanged(conn: sqlite3.Connection, feed_id: int, http_status: int | None,
                     etag: str | None, last_modified: str | None, now: float | None = None) -> None:
    """A successful check that found nothing new (304, or the same bytes as last time)."""
    now = time.time() if now is None else now
    _record_success(conn, feed_id, http_status, now)
    conn.execute(
        """UPDATE feeds SET last_checked_at = ?, last_success_at = ?, consecutive_failures = 0,
               first_failure_at = NULL, last_http_status = ?, last_error = NULL,
               last_error_kind = NULL, etag = COALESCE(?, etag),
               last_modified = COALESCE(?, last_modified)
           WHERE id = ?""",
        (now, now, http_status, etag, last_modified, feed_id),
    )


def record_update(conn: sqlite3.Connection, feed_id: int, parsed: ParsedFeed, *,
                  http_status: int | None, etag: str | None, last_modified: str | None,
                  body_hash: str, now: float | None = None) -> int:
    """Store a freshly parsed feed; returns the number of new episodes."""
    now = time.time() if now is None else now
    _record_success(conn, feed_id, http_status, now)
    conn.execute(
        """UPDATE feeds SET title = CASE WHEN ? != '' THEN ? ELSE title END,
               author = ?, description = ?, link = COALESCE(?, link),
               image_url = COALESCE(?, image_url), podcast_guid = COALESCE(?, podcast_guid),
               self_url = COALESCE(?, self_url),
               complete = ?, new_feed_url = ?, etag = ?, last_modified = ?, body_hash = ?,
               last_checked_at = ?, last_success_at = ?, consecutive_failures = 0,
               first_failure_at = NULL, last_http_status = ?, last_error = NULL,
               last_error_kind = NULL
           WHERE id = ?""",
        (parsed.title, parsed.title, parsed.author, parsed.description, parsed.link,
         parsed.image_url, parsed.podcast_guid, parsed.self_url, int(parsed.complete),
         parsed.new_feed_url,
         etag, last_modified, body_hash, now, now, http_status, feed_id),
    )
    new = upsert_episodes(conn, feed_id, parsed.episodes)
    apply_waiting(conn, feed_id)  # actions other devices sent for episodes new here
    return new


def record_failure(conn: sqlite3.Connection, feed_id: int, kind: str, error: str,
                   http_status: int | None, now: float | None = None) -> None:
    """A failed check: the streak grows, the first failure time is kept."""
    now = time.time() if now is None else now
    _log_check(conn, feed_id, now, False, http_status, kind, error)
    conn.execute(
        """UPDATE feeds SET last_checked_at = ?, consecutive_failures = consecutive_failures + 1,
               first_failure_at = COALESCE(first_failure_at, ?), last_http_status = ?,
               last_error = ?, last_error_kind = ?
           WHERE id = ?""",
        (now, now, http_status, error, kind, feed_id),
    )


def _record_success(conn: sqlite3.Connection, feed_id: int, http_status: int | None,
                    now: float) -> None:
    """Log the check; a feed that answers again leaves the archive."""
    _log_check(conn, feed_id, now, True, http_status, None, None)
    archived = conn.execute("SELECT 1 FROM feeds WHERE id = ? AND status = 'archived'",
                            (feed_id,)).fetchone()
    if archived:
        conn.execute("UPDATE feeds SET status = 'active', archived_at = NULL, "
                     "archive_reason = NULL WHERE id = ?", (feed_id,))
        log_event(conn, feed_id, "unarchived", "the feed answered again", at=now)


def _log_check(conn: sqlite3.Connection, feed_id: int, now: float, ok: bool,
               http_status: int | None, kind: str | None, error: str | None) -> None:
    conn.execute("INSERT INTO feed_checks (feed_id, at, ok, http_status, error_kind, error) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (feed_id, now, int(ok), http_status, kind, error))
    conn.execute("DELETE FROM feed_checks WHERE feed_id = ? AND id NOT IN (SELECT id FROM "
                 "feed_checks WHERE feed_id = ? ORDER BY at DESC, id DESC LIMIT ?)",
                 (feed_id, feed_id, CHECKS_KEPT))


def record_move(conn: sqlite3.Connection, feed_id: int, old_url: str, new_url: str,
                because: str) -> bool:
    """Point the subscription at ``new_url`` in place; False if another feed already has it."""
    if find_by_url(conn, new_url) not in (None, feed_id):
        log_event(conn, feed_id, "moved-elsewhere",
                  f"{old_url} {because} to {new_url}, which is already a subscription")
        return False
    outbox.record_feed_moved(conn, feed_id, old_url, new_url)
    conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (new_url, feed_id))
    log_event(conn, feed_id, "moved", f"moved from {old_url} to {new_url} because {because}")
    return True
