"""The SQLite file: connection set-up and schema migrations.

One connection per thread (sqlite3 objects cannot cross threads): every caller opens its
own with :func:`connect`. WAL mode lets the TUI read while a refresh writes. The schema
is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` only ever grows.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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
    # 3: downloaded episodes (one row per episode the library has a file, or a .part, for).
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
    """The library file cannot be opened or is newer than this podterm."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the library at ``path`` and bring its schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open the library {path}: {exc}") from None
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"the library was written by a newer podterm (schema {version}); upgrade podterm"
        )
    for number in range(version, len(MIGRATIONS)):
        with transaction(conn):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")


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
    """One atomic change: everything inside commits together or not at all."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
