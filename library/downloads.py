"""Downloaded episodes: what the library knows about each file, and playing it.

One row per episode in the ``downloads`` table, in one of :data:`STATES`. ``path`` is the
finished file; while it downloads (and after a failure or a cancel, for resuming) the
bytes are in ``path + ".part"``. The engine that fills these rows is
:class:`library.downloader.Downloader`; the housekeeping rules (auto-download, auto-delete,
the size cap) are in :mod:`library.download_rules`, ``--verify`` in
:mod:`library.download_verify`.

Rows in a "busy" state (queued, downloading) name the process that owns them; when that
process is gone (a crash, kill -9) they are shown as failed ("interrupted") and the next
download of the episode resumes from its ``.part``.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from library.config import ConfigError
from library.download_names import audio_extension, download_path, part_path
from library.models import Episode
from library.paths import Paths
from library.record import Record
from library.store import transaction

STATES = ("queued", "downloading", "done", "failed", "cancelled")
BUSY = ("queued", "downloading")
INTERRUPTED = "interrupted: podterm stopped during the download; download it again to resume"

_SELECT = """
    SELECT d.*, e.feed_id, e.title, e.played, f.title AS feed_title
    FROM downloads d JOIN episodes e ON e.id = d.episode_id JOIN feeds f ON f.id = e.feed_id
"""


class DownloadSettings(Record, frozen=True):
    """The ``[downloads]`` table of config.toml, with the folder resolved."""

    dir: Path
    concurrency: int = 3
    per_host: int = 2
    auto_newest: int = 0
    delete_played_after_days: float = 1.0
    max_gb: float = 0.0
    max_episode_mb: int = 2048
    timeout_s: float = 30.0

    @classmethod
    def from_config(cls, table: dict[str, Any], paths: Paths) -> "DownloadSettings":
        for key in ("concurrency", "per_host", "max_episode_mb", "timeout_s"):
            if table[key] <= 0:
                raise ConfigError(f"[downloads] {key} must be greater than 0")
        return cls(dir=paths.downloads_dir(table["dir"]),
                   **{k: table[k] for k in ("concurrency", "per_host", "auto_newest",
                                            "delete_played_after_days", "max_gb",
                                            "max_episode_mb", "timeout_s")})

    @property
    def max_episode_bytes(self) -> int:
        return int(self.max_episode_mb * 1024 * 1024)

    @property
    def cap_bytes(self) -> int:
        """The size cap of all downloads together; 0 = none."""
        return int(self.max_gb * 1024 ** 3)


class Download(Record):
    """An episode's download: its state, its file, and how far it got."""

    episode_id: int
    feed_id: int
    title: str
    feed_title: str
    state: str
    path: str
    bytes: int
    total_bytes: int | None
    error: str | None
    validator: str | None
    owner_pid: int | None
    queued_at: float
    finished_at: float | None
    played_at: float | None
    played: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Download":
        download = cls(**{name: row[name] for name in cls._fields})
        download.played = bool(download.played)
        if download.state in BUSY and not process_alive(download.owner_pid):
            download.state, download.error = "failed", INTERRUPTED
        return download

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def part(self) -> Path:
        return part_path(self.file)

    def is_complete(self) -> bool:
        """Done, and the file on disk has every byte."""
        if self.state != "done":
            return False
        try:
            size = self.file.stat().st_size
        except OSError:
            return False
        return size == self.bytes and (self.total_bytes is None or size == self.total_bytes)

    def to_json(self) -> dict[str, Any]:
        return {"episode_id": self.episode_id, "feed_id": self.feed_id, "title": self.title,
                "state": self.state, "path": self.path, "bytes": self.bytes,
                "total_bytes": self.total_bytes, "error": self.error}


def process_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def list_downloads(conn: sqlite3.Connection, feed_id: int | None = None) -> list[Download]:
    """Every download (of one feed, or all), newest queued first."""
    where, params = ("WHERE e.feed_id = ?", (feed_id,)) if feed_id is not None else ("", ())
    rows = conn.execute(f"{_SELECT} {where} ORDER BY d.queued_at DESC, d.episode_id DESC",
                        params)
    return [Download.from_row(row) for row in rows]


def get_download(conn: sqlite3.Connection, episode_id: int) -> Download | None:
    row = conn.execute(f"{_SELECT} WHERE d.episode_id = ?", (episode_id,)).fetchone()
    return None if row is None else Download.from_row(row)


def playable_source(conn: sqlite3.Connection, episode: Episode) -> str:
    """What the player should open: the downloaded file when every byte of it is on disk,
    else the episode's address ("" when it has none)."""
    download = get_download(conn, episode.id)
    if download is not None and download.is_complete():
        return str(download.file)
    return episode.enclosure_url or ""


def feed_address(conn: sqlite3.Connection, episode: Episode) -> str | None:
    """The address of the feed that named ``episode``'s audio: the player holds the
    audio to the private-network rule when that feed's server is public."""
    row = conn.execute("SELECT url FROM feeds WHERE id = ?", (episode.feed_id,)).fetchone()
    return None if row is None else row["url"]


class Planned(Record):
    """What :func:`plan_download` decided for one episode."""

    episode_id: int
    title: str
    action: str                 # 'download', 'done' (already complete) or 'refused'
    url: str = ""
    feed_url: str = ""
    path: Path | None = None
    validator: str | None = None
    error: str | None = None


def plan_download(conn: sqlite3.Connection, episode_id: int, downloads_dir: Path) -> Planned:
    """Decide how to download ``episode_id``: where to, resuming what, or why not."""
    row = conn.execute("SELECT e.title, e.enclosure_url, e.enclosure_type, f.url AS feed_url, "
                       "f.title AS feed_title FROM episodes e JOIN feeds f ON f.id = e.feed_id "
                       "WHERE e.id = ?", (episode_id,)).fetchone()
    if row is None:
        return Planned(episode_id, "", "refused", error=f"no episode with id {episode_id}")
    planned = Planned(episode_id, row["title"], "download", row["enclosure_url"] or "",
                      row["feed_url"])
    if not planned.url:
        planned.action, planned.error = "refused", "the episode has no audio file (no enclosure)"
        return planned
    existing = get_download(conn, episode_id)
    if existing is not None and existing.is_complete():
        planned.action, planned.path = "done", existing.file
        return planned
    if existing is not None and existing.state in BUSY:
        planned.action = "refused"
        planned.error = f"already being downloaded by podterm process {existing.owner_pid}"
        return planned
    if existing is not None:
        planned.path, planned.validator = existing.file, existing.validator
    else:
        planned.path = download_path(downloads_dir, row["feed_title"] or row["feed_url"],
                                     row["title"], episode_id,
                                     audio_extension(planned.url, row["enclosure_type"]))
    return planned


# -- state changes (the engine calls these; each is one short write) ----------------------

def record_queued(conn: sqlite3.Connection, planned: Planned) -> None:
    now = time.time()
    with transaction(conn):
        conn.execute(
            "INSERT INTO downloads (episode_id, state, path, validator, owner_pid, queued_at, "
            "played_at) VALUES (?, 'queued', ?, ?, ?, ?, "
            "(SELECT CASE WHEN played THEN ? END FROM episodes WHERE id = ?)) "
            "ON CONFLICT (episode_id) DO UPDATE SET state = 'queued', error = NULL, "
            "owner_pid = excluded.owner_pid, queued_at = excluded.queued_at, "
            "finished_at = NULL",
            (planned.episode_id, str(planned.path), planned.validator, os.getpid(), now, now,
             planned.episode_id))
        conn.execute("DELETE FROM download_dismissed WHERE episode_id = ?",
                     (planned.episode_id,))


def record_started(conn: sqlite3.Connection, episode_id: int, done_bytes: int,
                   total_bytes: int | None, validator: str | None) -> None:
    conn.execute("UPDATE downloads SET state = 'downloading', bytes = ?, total_bytes = ?, "
                 "validator = ?, error = NULL WHERE episode_id = ?",
                 (done_bytes, total_bytes, validator, episode_id))


def record_progress(conn: sqlite3.Connection, episode_id: int, done_bytes: int) -> None:
    conn.execute("UPDATE downloads SET bytes = ? WHERE episode_id = ?", (done_bytes, episode_id))


def record_finished(conn: sqlite3.Connection, episode_id: int, state: str, done_bytes: int,
                    total_bytes: int | None, error: str | None) -> None:
    conn.execute("UPDATE downloads SET state = ?, bytes = ?, total_bytes = ?, error = ?, "
                 "owner_pid = NULL, finished_at = ? WHERE episode_id = ?",
                 (state, done_bytes, total_bytes, error, time.time(), episode_id))


def delete_download(conn: sqlite3.Connection, download: Download, *,
                    dismiss: bool = False) -> None:
    """Delete the file (and any ``.part``) and forget the download. ``dismiss``: the user
    asked for it, so auto-download will not fetch this episode again."""
    for path in (download.file, download.part):
        path.unlink(missing_ok=True)
    try:
        download.file.parent.rmdir()  # the show's folder, once it is empty
    except OSError:
        pass
    with transaction(conn):
        conn.execute("DELETE FROM downloads WHERE episode_id = ?", (download.episode_id,))
        if dismiss:
            conn.execute("INSERT OR REPLACE INTO download_dismissed (episode_id, at) "
                         "VALUES (?, ?)", (download.episode_id, time.time()))
