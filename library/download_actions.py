"""What the player asks of the library about downloads, run on the librarian's thread:
a feed's downloads as the episode list marks them, room under the size cap, deleting
one, a show's or a chosen set, and recording downloads stopped by quitting.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from library.download_rules import unplayed_to_make_room, used_bytes
from library.downloads import (BUSY, INTERRUPTED, Download, delete_download, get_download,
                               list_downloads, record_finished)

if TYPE_CHECKING:  # the downloader and its HTTP client load with the first download
    from library.downloader import DownloadStatus

MISSING = "the downloaded file is gone or cut short; download it again"


def feed_downloads(conn: sqlite3.Connection, feed_id: int) -> list[DownloadStatus]:
    """A feed's downloads as the list marks them: a finished one whose file is gone or
    cut short counts as failed (it would stream; downloading it again fixes it)."""
    return [_status(download) for download in list_downloads(conn, feed_id)]


def _status(d: Download) -> DownloadStatus:
    from library.downloader import DownloadStatus

    if d.state == "done" and not d.is_complete():
        return DownloadStatus(d.episode_id, d.title, "failed", d.bytes, d.total_bytes, MISSING,
                              d.path)
    return DownloadStatus(d.episode_id, d.title, d.state, d.bytes, d.total_bytes, d.error,
                          d.path)


def room_for(conn: sqlite3.Connection, episode_ids: list[int],
             cap_bytes: int) -> tuple[list[Download], list[int]]:
    """The unplayed downloads that would have to go for ``episode_ids`` (by their feeds'
    sizes) to fit under the cap, and which of them fit without deleting any."""
    keep = set(episode_ids)
    marks = ",".join("?" * len(episode_ids))
    sizes = {row[0]: max(0, row[1] or 0) for row in conn.execute(
        f"SELECT id, enclosure_length FROM episodes WHERE id IN ({marks})", episode_ids)}
    victims = unplayed_to_make_room(conn, cap_bytes, sum(sizes.values()), keep)
    if not victims:
        return [], episode_ids
    played = sum(d.bytes for d in list_downloads(conn)
                 if d.state == "done" and d.played and d.episode_id not in keep)
    room = cap_bytes - used_bytes(conn, keep) + played
    fitting: list[int] = []
    for episode_id in episode_ids:
        if sizes.get(episode_id, 0) <= room:
            fitting.append(episode_id)
            room -= sizes.get(episode_id, 0)
    return victims, fitting


def delete_downloads(conn: sqlite3.Connection, downloads: list[Download]) -> None:
    """Delete these (the user said so: auto-download will not fetch them again)."""
    for download in downloads:
        delete_download(conn, download, dismiss=True)


def delete_one(conn: sqlite3.Connection, episode_id: int) -> str | None:
    """Delete one episode's download; returns why not, if it was not deleted."""
    download = get_download(conn, episode_id)
    if download is None:
        return "There is no download of this episode any more."
    if download.state in BUSY:
        return f"Another podterm (process {download.owner_pid}) is downloading it."
    delete_download(conn, download, dismiss=True)
    return None


def files_of_feed(conn: sqlite3.Connection, feed_id: int) -> list[Download]:
    """The feed's downloads that have a file (or a .part) on disk."""
    return [d for d in list_downloads(conn, feed_id) if d.file.exists() or d.part.exists()]


def delete_feed_downloads(conn: sqlite3.Connection, feed_id: int) -> None:
    for download in list_downloads(conn, feed_id):
        delete_download(conn, download)


def mark_interrupted(conn: sqlite3.Connection, episode_ids: list[int]) -> None:
    """Downloads stopped by quitting are interrupted, not cancelled by the user: failed
    ("interrupted"), so that auto-download resumes them as it would after a crash."""
    for episode_id in episode_ids:
        download = get_download(conn, episode_id)
        if download is not None and download.state == "cancelled":
            record_finished(conn, episode_id, "failed", download.bytes, download.total_bytes,
                            INTERRUPTED)
