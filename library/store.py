"""The SQLite file: opening it, its schema, and what happens when the disk fails us.

One connection per thread (sqlite3 objects cannot cross threads): every caller opens its
own with :func:`connect`. WAL mode lets the TUI read while a refresh writes. The schema
is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` only ever grows, and the
file is backed up before each migration.

Storage failures become one-line errors (:func:`failure`). A library that cannot be
written (read-only file system, full disk, no permission) can still be read:
:func:`connect_or_read_only`. A damaged file (``PRAGMA quick_check`` fails, or SQLite
reports corruption) is noted and never written to again; see :mod:`library.backups`.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from library import backups

# Each entry upgrades the schema by one version. Never edit a released entry: add one.
MIGRATIONS: list[str] = [
    # 1: feeds, episodes and the feed history log.
    """
    CREATE TABLE feeds (
        id                   INTEGER PRIMARY KEY,
        url                  TEXT NOT NULL UNIQUE,
        title                TEXT NOT NULL DEFAULT '',
        author               TEXT NOT NULL DEFAULT '',
        description          TEXT NOT NULL DEFAULT '',
        link                 TEXT,
        image_url            TEXT,
        podcast_guid         TEXT,
        itunes_id            TEXT,
        category             TEXT NOT NULL DEFAULT '',   -- OPML path, parts joined by ' / '
        complete             INTEGER NOT NULL DEFAULT 0, -- podcast:updateFrequency complete
        etag                 TEXT,
        last_modified        TEXT,
        body_hash            TEXT,
        added_at             REAL NOT NULL,
        last_checked_at      REAL,
        last_success_at      REAL,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        first_failure_at     REAL,
        last_http_status     INTEGER,
        last_error           TEXT,
        last_error_kind      TEXT,
        status               TEXT NOT NULL DEFAULT 'active'
                             CHECK (status IN ('active', 'archived')),
        archived_at          REAL,
        new_feed_url         TEXT
    );
    CREATE TABLE episodes (
        id               INTEGER PRIMARY KEY,
        feed_id          INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        identity         TEXT NOT NULL,   -- guid, else enclosure URL, else link, else title+date
        guid             TEXT,
        title            TEXT NOT NULL DEFAULT '',
        published_at     REAL,
        duration_s       INTEGER,
        enclosure_url    TEXT,
        enclosure_type   TEXT,
        enclosure_length INTEGER,
        notes            TEXT NOT NULL DEFAULT '',
        link             TEXT,
        chapters_url     TEXT,
        transcript_url   TEXT,
        played           INTEGER NOT NULL DEFAULT 0,
        position_s       REAL NOT NULL DEFAULT 0,
        first_seen_at    REAL NOT NULL,
        UNIQUE (feed_id, identity)
    );
    CREATE INDEX episodes_by_feed_date ON episodes (feed_id, published_at DESC);
    CREATE TABLE feed_events (
        id       INTEGER PRIMARY KEY,
        feed_id  INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        at       REAL NOT NULL,
        kind     TEXT NOT NULL,       -- e.g. 'moved', 'archived', 'unarchived'
        message  TEXT NOT NULL
    );
    """,
    # 2: every check's result, so an archive notice can say what failed and since when.
    """
    CREATE TABLE feed_checks (
        id          INTEGER PRIMARY KEY,
        feed_id     INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        at          REAL NOT NULL,
        ok          INTEGER NOT NULL,
        http_status INTEGER,
        error_kind  TEXT,
        error       TEXT
    );
    CREATE INDEX feed_checks_by_feed ON feed_checks (feed_id, at);
    ALTER TABLE feeds ADD COLUMN archive_reason TEXT
    """,
    # 3: show notes stored as the feed wrote them and made plain text when first read
    # (NULL once `notes` has the text); per-feed counts and durations (list_feeds) read
    # from an index instead of every episode row.
    """
    ALTER TABLE episodes ADD COLUMN notes_html TEXT;
    CREATE INDEX episodes_feed_totals ON episodes (feed_id, played, duration_s)
    """,
    # 4: waits servers asked for (Retry-After), per address, so the next run respects
    # them; and the address a feed gives for itself (atom:link rel=self), to recognise
    # the same feed under two addresses.
    """
    CREATE TABLE retry_after (
        url        TEXT PRIMARY KEY,   -- the address that was answered 429/503
        host       TEXT NOT NULL,
        not_before REAL NOT NULL,      -- UNIX time, not asked again before it
        asked_at   REAL NOT NULL
    );
    ALTER TABLE feeds ADD COLUMN self_url TEXT
    """,
    # 5: listening: the Up Next queue, the inbox of new episodes, per-show settings.
    """
    CREATE TABLE queue (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        rank       INTEGER NOT NULL,  -- smaller plays first, gaps allowed (see library.upnext)
        added_at   REAL NOT NULL
    );
    CREATE INDEX queue_by_rank ON queue (rank);
    CREATE TABLE inbox (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        arrived_at REAL NOT NULL
    );
    -- A feed is listed here once its first fetch is stored: only later arrivals can be new.
    CREATE TABLE inbox_feeds (
        feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE
    );
    INSERT INTO inbox_feeds (feed_id) SELECT id FROM feeds WHERE last_success_at IS NOT NULL;
    -- NULL in any column: use the global default.
    CREATE TABLE show_settings (
        feed_id              INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
        speed                REAL,     -- default [player] rate
        volume               INTEGER,  -- percent, default [player] volume
        skip_intro_s         INTEGER,  -- default [player] skip_intro_s
        skip_outro_s         INTEGER,  -- default [player] skip_outro_s
        auto_queue           INTEGER,  -- 1 or 0, default off
        auto_download_newest INTEGER   -- default [downloads] auto_newest
    )
    """,
    # 6: sync (library/sync/). The outbox holds local changes not yet uploaded, one row
    # per feed or episode (a newer change replaces the older). The clock says when an
    # episode's listening state last changed and where. Remote actions whose episode is
    # not here yet wait in sync_pending. Aliases keep enclosure URLs an episode had
    # before its feed migrated. Removals made elsewhere wait in sync_held for the user.
    """
    CREATE TABLE sync_outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        key        TEXT NOT NULL UNIQUE,      -- 'feed:<url>' or 'episode:<id>'
        action     TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe', 'play', 'new')),
        podcast    TEXT NOT NULL,
        episode    TEXT,
        guid       TEXT,
        episode_id INTEGER,
        started    INTEGER,
        position   INTEGER,
        total      INTEGER,
        at         INTEGER NOT NULL           -- UTC UNIX seconds
    );
    CREATE TABLE sync_clock (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        at         INTEGER NOT NULL,
        source     TEXT NOT NULL CHECK (source IN ('local', 'remote'))
    );
    CREATE TABLE sync_pending (
        key      TEXT PRIMARY KEY,            -- 'guid:<guid>' or 'episode:<url>'
        podcast  TEXT NOT NULL,
        episode  TEXT NOT NULL,
        guid     TEXT,
        at       INTEGER NOT NULL,
        played   INTEGER NOT NULL,
        position INTEGER NOT NULL
    );
    CREATE INDEX sync_pending_by_podcast ON sync_pending (podcast);
    CREATE TABLE sync_aliases (
        url        TEXT PRIMARY KEY,
        episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE
    );
    CREATE TABLE sync_held (
        url   TEXT PRIMARY KEY,
        since REAL NOT NULL
    );
    CREATE TABLE sync_state (
        account TEXT NOT NULL,
        name    TEXT NOT NULL,
        value   TEXT NOT NULL,
        PRIMARY KEY (account, name)
    )
    """,
    # 7: downloaded episodes (one row per episode the library has a file, or a .part, for).
    # played_at starts the grace period of auto-delete; the triggers keep it in step with
    # the episode's played flag whoever sets it (CLI, TUI, sync). dismissed remembers
    # downloads the user deleted, so auto-download does not fetch them again.
    """
    CREATE TABLE downloads (
        episode_id   INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        state        TEXT NOT NULL
                     CHECK (state IN ('queued', 'downloading', 'done', 'failed', 'cancelled')),
        path         TEXT NOT NULL,      -- the finished file; '.part' is appended meanwhile
        bytes        INTEGER NOT NULL DEFAULT 0,
        total_bytes  INTEGER,
        error        TEXT,
        validator    TEXT,               -- ETag or Last-Modified, sent as If-Range to resume
        owner_pid    INTEGER,            -- the process that queued or runs it
        queued_at    REAL NOT NULL,
        finished_at  REAL,
        played_at    REAL
    );
    CREATE INDEX downloads_by_state ON downloads (state);
    CREATE TRIGGER downloads_played AFTER UPDATE OF played ON episodes
    WHEN NEW.played != OLD.played
    BEGIN
        UPDATE downloads
        SET played_at = CASE WHEN NEW.played THEN (julianday('now') - 2440587.5) * 86400.0 END
        WHERE episode_id = NEW.id;
    END;
    CREATE TABLE download_dismissed (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        at         REAL NOT NULL
    )
    """,
]


class StoreError(Exception):
    """The library cannot be used as asked; the message says why in one line."""


class LibraryNotWritable(StoreError):
    """Writing is impossible: read-only file system, no permission, full disk, I/O errors."""


class LibraryDamaged(StoreError):
    """The library file is corrupted. It is never written to; the message points to the
    newest backup."""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) the library at ``path`` and bring its schema up to date.

    Raises :class:`LibraryDamaged` for a damaged file and :class:`LibraryNotWritable`
    when it cannot be written. With ``readonly=True`` it is opened for reading only
    (nothing is created, migrated or written), which works on a read-only or full disk.
    """
    if readonly:
        return _connect_read_only(path)
    reason = backups.damaged_reason(path)
    if reason is not None:
        raise _damaged(path, reason)
    if path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise LibraryNotWritable(f"cannot write the library {path}: {_why_not_writable(path)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryNotWritable(f"cannot create the library folder {path.parent}: "
                                 f"{exc.strerror or exc}") from None
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn, path)
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise failure(exc, path) or StoreError(f"cannot open the library {path}: {exc}") from None
    except StoreError:
        conn.close()
        raise
    return conn


def connect_or_read_only(path: Path) -> tuple[sqlite3.Connection, str | None]:
    """Open the library for writing if possible, else for reading only.

    Returns the connection and, when it is read-only, the one-line reason (to show the
    user: nothing they do can be saved)."""
    try:
        return connect(path), None
    except (LibraryNotWritable, LibraryDamaged) as exc:
        if not path.exists():
            raise
        return connect(path, readonly=True), str(exc)


def daily_check(conn: sqlite3.Connection, path: Path,
                now: float | None = None) -> backups.Backup | None:
    """Once a day: check the file with ``PRAGMA quick_check`` and back it up.

    Cheap when a backup less than a day old exists (a directory listing). A library
    without feeds is not backed up. Raises :class:`LibraryDamaged` when the check fails
    (the file is then never written), :class:`backups.BackupError` when the copy cannot
    be made. The CLI calls this before its first write; a long-running program should
    call it now and then (it does nothing until a day has passed)."""
    if not backups.is_due(path, now):
        return None
    if conn.execute("SELECT NOT EXISTS (SELECT 1 FROM feeds)").fetchone()[0]:
        return None
    _require_sound(conn, path)
    return backups.make_backup(conn, path, "daily")


def failure(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """The one-line :class:`StoreError` for a storage failure (disk full, read-only,
    I/O error, corruption), or None for other errors. Corruption is also noted beside the
    file, so that no later run writes to it."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        backups.mark_damaged(path, str(exc))
        return _damaged(path, str(exc))
    if name.startswith(("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN")):
        return LibraryNotWritable(f"cannot write the library {path}: "
                                  f"{_why_not_writable(path, str(exc))}. "
                                  "Nothing was half-written.")
    return None


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise StoreError(f"there is no library at {path}")
    uri = path.absolute().as_uri() + "?mode=ro"
    # Reading a WAL file needs its shared-memory file; where that cannot be created (a
    # read-only or full disk) an "immutable" open reads the file alone, which is right
    # only when no write-ahead log holds changes not yet in it.
    wal = Path(f"{path}-wal")
    attempts = [uri] + ([uri + "&immutable=1"] if not wal.exists() or not wal.stat().st_size
                        else [])
    for attempt in attempts:
        try:
            conn = sqlite3.connect(attempt, uri=True, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:
            damaged = failure(exc, path)
            if isinstance(damaged, LibraryDamaged):
                raise damaged from None
            problem = exc
            continue
        if version != len(MIGRATIONS):
            conn.close()
            raise _version_error(version) if version > len(MIGRATIONS) else StoreError(
                f"the library {path} must be upgraded by writing to it, which is impossible "
                "now")
        return conn
    raise StoreError(f"cannot read the library {path}: {problem}")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise _version_error(version)
    if 0 < version < len(MIGRATIONS):
        _require_sound(conn, path)
        try:
            backups.make_backup(conn, path, f"before schema {len(MIGRATIONS)}")
        except backups.BackupError as exc:
            raise LibraryNotWritable(f"the library must be upgraded, and is backed up first, "
                                     f"but {exc}") from None
    for number in range(version, len(MIGRATIONS)):
        with transaction(conn):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")


def _require_sound(conn: sqlite3.Connection, path: Path) -> None:
    problem = backups.quick_check(conn)
    if problem is not None:
        backups.mark_damaged(path, problem)
        raise _damaged(path, problem)


def _damaged(path: Path, reason: str) -> LibraryDamaged:
    return LibraryDamaged(f"the library {path} is damaged ({reason}); podterm will not "
                          f"change it. {backups.describe_newest(path)}")


def _version_error(version: int) -> StoreError:
    return StoreError(f"the library was written by a newer podterm (schema {version}); "
                      "upgrade podterm")


def _why_not_writable(path: Path, fallback: str = "permission denied") -> str:
    try:
        disk = os.statvfs(path.parent if path.parent.exists() else path.parent.parent)
    except OSError:
        return fallback
    if disk.f_flag & os.ST_RDONLY:
        return "it is on a read-only file system"
    if disk.f_bavail == 0:
        return "the disk is full"
    return fallback


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit on its own).

    A ``;`` ends a statement only where SQLite says the statement is complete, so trigger
    bodies (``BEGIN ...; END``) stay whole. Migrations must not put ``;`` in comments.
    """
    statements, pending = [], ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if not _only_comments(pending[:-1]):
                statements.append(pending[:-1].strip())
            pending = ""
    if pending.strip(";") and not _only_comments(pending.strip(";")):
        statements.append(pending.strip(";").strip())
    return statements


def _only_comments(part: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in part.splitlines())


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic change: everything inside commits together or not at all (also when
    the commit itself fails, e.g. on a full disk)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with suppress(sqlite3.Error):  # keep the original error
                conn.execute("ROLLBACK")
        raise


@contextmanager
def atomic(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Like :func:`transaction`, or part of the caller's when one is already open."""
    if conn.in_transaction:
        yield conn
        return
    with transaction(conn):
        yield conn
