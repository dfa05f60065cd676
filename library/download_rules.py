"""Download housekeeping: auto-download the newest episodes, auto-delete played ones,
and keep all downloads under the size cap.

The CLI's ``refresh`` (and the TUI after its refresh) calls :func:`auto_downloads`
and hands the ids to a :class:`library.downloader.Downloader`, then :func:`tidy`. The
rules, as README promises them:

- auto-download: of each show's newest N episodes (``auto_newest``, or the show's own
  setting through ``newest_for``), the unplayed ones not downloaded yet; a download the
  user deleted or cancelled is not fetched again, a failed one is retried (resumed).
- auto-delete: a played episode's download goes ``delete_played_after_days`` after it
  was marked played (0: never).
- cap (``max_gb``, 0: none): the oldest played downloads are deleted first; an unplayed
  one never, unless the user was asked (:func:`unplayed_to_make_room` finds which).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Callable

from library.downloads import (BUSY, Download, DownloadSettings, delete_download,
                               list_downloads, process_alive)
from library.showsettings import own_auto_download_newest

DAY_S = 86_400


def used_bytes(conn: sqlite3.Connection, exclude: frozenset[int] | set[int] = frozenset()) -> int:
    """Bytes the downloads take (finished files, and what the .part files hold)."""
    return sum(d.bytes for d in list_downloads(conn) if d.episode_id not in exclude)


def make_room(conn: sqlite3.Connection, cap_bytes: int, incoming: int,
              keep: frozenset[int] | set[int] = frozenset()) -> tuple[list[Download], bool]:
    """Delete played downloads, oldest played first, until ``incoming`` more bytes fit
    under ``cap_bytes``. Returns (what was deleted, whether it fits now)."""
    used = used_bytes(conn, keep)
    removed: list[Download] = []
    for download in _played_oldest_first(conn, keep):
        if used + incoming <= cap_bytes:
            break
        delete_download(conn, download)
        used -= download.bytes
        removed.append(download)
    return removed, used + incoming <= cap_bytes


def unplayed_to_make_room(conn: sqlite3.Connection, cap_bytes: int, incoming: int,
                          keep: frozenset[int] | set[int] = frozenset()) -> list[Download]:
    """The unplayed downloads (the one asked for longest ago first) that would also have
    to go for ``incoming`` bytes to fit, once every played one is gone: what to ask the
    user about. Downloads run in parallel, so the order they finished in says nothing."""
    played = sum(d.bytes for d in _played_oldest_first(conn, keep))
    over = used_bytes(conn, keep) - played + incoming - cap_bytes
    chosen: list[Download] = []
    unplayed = [d for d in list_downloads(conn)
                if d.state == "done" and not d.played and d.episode_id not in keep]
    for download in sorted(unplayed, key=lambda d: (d.queued_at, d.episode_id)):
        if over <= 0:
            break
        chosen.append(download)
        over -= download.bytes
    return chosen


def delete_played(conn: sqlite3.Connection, after_days: float,
                  now: float | None = None) -> list[Download]:
    """Delete the downloads of episodes played more than ``after_days`` ago (0: never)."""
    if after_days <= 0:
        return []
    now = time.time() if now is None else now
    # Played before the download finished, or marked played by an older podterm: the
    # grace period starts now.
    # (Each download looks its episode up: "IN (SELECT id FROM episodes WHERE played)"
    # read every episode, 27 ms at 50,000, after every refresh even without downloads.)
    conn.execute("UPDATE downloads SET played_at = ? WHERE played_at IS NULL AND EXISTS "
                 "(SELECT 1 FROM episodes e WHERE e.id = downloads.episode_id AND e.played)",
                 (now,))
    expired = [d for d in list_downloads(conn)
               if d.played and d.state not in BUSY and d.played_at is not None
               and d.played_at <= now - after_days * DAY_S]
    for download in expired:
        delete_download(conn, download)
    return expired


def tidy(conn: sqlite3.Connection, settings: DownloadSettings,
         now: float | None = None) -> list[Download]:
    """Apply auto-delete and the cap now; returns the downloads deleted."""
    removed = delete_played(conn, settings.delete_played_after_days, now)
    if settings.cap_bytes:
        removed += make_room(conn, settings.cap_bytes, 0)[0]
    return removed


def auto_downloads(conn: sqlite3.Connection, feed_ids: list[int], default: int) -> list[int]:
    """Episodes to download after a refresh of ``feed_ids``, each show by its own
    auto-download setting (``podterm settings FEED --auto-download N``; 0: none), a show
    without one by ``default`` (``[downloads] auto_newest``)."""
    own = own_auto_download_newest(conn)  # (one query, not one per refreshed show)
    return auto_download_candidates(conn, feed_ids, lambda feed_id: own.get(feed_id, default))


def auto_download_candidates(conn: sqlite3.Connection, feed_ids: list[int],
                             newest_for: Callable[[int], int]) -> list[int]:
    """Episodes to download after a refresh of ``feed_ids``: of each feed's newest
    ``newest_for(feed_id)`` episodes with audio, the unplayed ones not downloaded yet.

    ``newest_for`` says how many; :func:`auto_downloads` asks each show's settings.
    """
    chosen: list[int] = []
    for feed_id in feed_ids:
        count = newest_for(feed_id)
        if count <= 0:
            continue
        rows = conn.execute(
            "SELECT e.id, e.played, d.state, d.owner_pid, x.episode_id AS dismissed "
            "FROM episodes e "
            "LEFT JOIN downloads d ON d.episode_id = e.id "
            "LEFT JOIN download_dismissed x ON x.episode_id = e.id "
            "WHERE e.feed_id = ? AND e.enclosure_url IS NOT NULL AND e.enclosure_url != '' "
            "ORDER BY e.published_at IS NULL, e.published_at DESC, e.id DESC LIMIT ?",
            (feed_id, count)).fetchall()
        chosen += [row["id"] for row in rows
                   if not row["played"] and row["dismissed"] is None
                   and (row["state"] in (None, "failed")
                        or (row["state"] in BUSY and not process_alive(row["owner_pid"])))]
    return chosen


def _played_oldest_first(conn: sqlite3.Connection,
                         keep: frozenset[int] | set[int]) -> list[Download]:
    played = [d for d in list_downloads(conn)
              if d.state == "done" and d.played and d.episode_id not in keep]
    return sorted(played, key=lambda d: (d.played_at or d.finished_at or 0, d.episode_id))
