"""The SQLite file: opening it, its schema, and what happens when the disk fails us.

One connection per thread (sqlite3 objects cannot cross threads): every caller opens its
own with :func:`connect`. WAL mode lets the TUI read while a refresh writes. The schema
is versioned with ``PRAGMA user_version``; :data:`library.schema.MIGRATIONS` only ever
grows, and the file is backed up before each migration.

Storage failures become one-line errors (:func:`failure`). A library that cannot be
written (read-only file system, full disk, no permission) can still be read:
:func:`connect_or_read_only`. A damaged file (``PRAGMA quick_check`` fails, or SQLite
reports corruption) is noted and never written to again; see :mod:`library.backups`.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from library import backups
from library.schema import MIGRATIONS

# CPython's sqlite3 binds str, int and float directly but sends every other value, None
# included, through its adapter registry, where a None found no adapter only after two
# failed attribute look-ups that each format an AttributeError's message (~3,000
# instructions a NULL; the bench corpus's cold refresh binds 112,000: an episode's
# missing chapters, transcript, link...). Registered, None is one dictionary hit and one
# C call: this adapter returns None for None (an empty dict's ``get``), which binds NULL
# as before.
sqlite3.register_adapter(type(None), {}.get)


class StoreError(Exception):
    """The library cannot be used as asked; the message says why in one line."""


class LibraryNotWritable(StoreError):
    """Writing is impossible: read-only file system, no permission, full disk, I/O errors."""


class LibraryDamaged(StoreError):
    """The library file is corrupted. It is never written to; the message points to the
    newest backup."""



class Connection(sqlite3.Connection):
    """A connection to the library that :func:`close_all_open` can find again (a plain
    sqlite3.Connection cannot be weakly referenced)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _open.add(self)

    def close(self) -> None:
        super().close()
        _open.discard(self)


_open: "weakref.WeakSet[Connection]" = weakref.WeakSet()


def close_all_open() -> None:
    """Close every library connection still open, as Python's teardown would: the last
    one to close folds the write-ahead log back into the file and removes it. Raises
    sqlite3.ProgrammingError at one that belongs to another thread."""
    for conn in list(_open):
        conn.close()

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
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, factory=Connection)
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
            conn = sqlite3.connect(attempt, uri=True, timeout=30, isolation_level=None,
                                   factory=Connection)
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
