"""Copies of the library file, the note that it is damaged, and putting a copy back.

Backups live in ``backups/`` next to the library file: a consistent copy made with
SQLite's backup API (readers and writers may go on meanwhile), written under a temporary
name and renamed, so a half-written backup never looks like one. The newest
:data:`KEPT` are kept. :mod:`library.store` decides when one is made (before a schema
migration, once a day) and checks the file before copying it: a damaged file must never
push the last good copy out.

When the library file is found damaged a note is left beside it
(``library.sqlite3.damaged``); while the note matches the file, podterm never writes to
it. Restoring puts a backup in its place and keeps the file it replaces.

This module knows files and SQLite only; it never imports the rest of the library.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from contextlib import closing, suppress
from pathlib import Path

from library.record import Record

KEPT = 3
DAY_S = 24 * 3600
_PREFIX = "library-"
_SUFFIX = ".sqlite3"
_PARTIAL_STALE_S = 3600


class BackupError(Exception):
    """A backup could not be made or restored; the message says why in one line."""


class Backup(Record):
    path: Path
    made_at: float
    reason: str      # 'daily', 'before schema 3', ...
    size: int


def backup_dir(database: Path) -> Path:
    return database.parent / "backups"


def list_backups(database: Path) -> list[Backup]:
    """The backups of ``database``, newest first."""
    found = []
    with suppress(FileNotFoundError):
        for entry in os.scandir(backup_dir(database)):
            name = entry.name
            if name.startswith(_PREFIX) and name.endswith(_SUFFIX) and entry.is_file():
                stat = entry.stat()
                # library-20240501-101500-before-schema-3.sqlite3 -> 'before schema 3'
                reason = name[len(_PREFIX):-len(_SUFFIX)].split("-", 2)[-1].replace("-", " ")
                found.append(Backup(Path(entry.path), stat.st_mtime, reason, stat.st_size))
    return sorted(found, key=lambda b: (b.made_at, b.path.name), reverse=True)


def is_due(database: Path, now: float | None = None) -> bool:
    """True when the newest backup is a day old, or there is none."""
    newest = next(iter(list_backups(database)), None)
    return newest is None or (time.time() if now is None else now) - newest.made_at >= DAY_S


def make_backup(conn: sqlite3.Connection, database: Path, reason: str) -> Backup:
    """Copy the library open on ``conn`` into the backups folder; keep the newest
    :data:`KEPT`. Raises :class:`BackupError` (nothing is left half-written)."""
    folder = backup_dir(database)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(exist_ok=True)
        target = _free_name(folder / f"{_PREFIX}{stamp}-{reason.replace(' ', '-')}", _SUFFIX)
        partial = folder / f"{target.name}.{os.getpid()}.partial"
        _remove_stale_partials(folder)
        with closing(sqlite3.connect(partial)) as copy:
            conn.backup(copy)
            # One self-contained file (the copy would otherwise be in WAL mode too).
            copy.execute("PRAGMA journal_mode=DELETE")
        _fsync(partial)
        os.replace(partial, target)
        _fsync(folder)
    except (OSError, sqlite3.Error) as exc:
        with suppress(OSError, NameError):
            partial.unlink()
        raise BackupError(f"could not back up the library to {folder}: {_reason(exc)}") from None
    for old in list_backups(database)[KEPT:]:
        with suppress(OSError):
            old.path.unlink()
    made = target.stat()
    return Backup(target, made.st_mtime, reason, made.st_size)


def quick_check(conn: sqlite3.Connection) -> str | None:
    """None when SQLite's ``PRAGMA quick_check`` finds the file sound, else its first
    complaint."""
    try:
        result = str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    return None if result == "ok" else " ".join(result.split())


def mark_damaged(database: Path, reason: str) -> None:
    """Leave the note that ``database`` is damaged (best effort: the folder may be
    read-only, and then the damage is found again next time)."""
    try:
        stat = database.stat()
        note = {"reason": reason, "file": _identity(stat), "found_at": time.time()}
        import json  # here: only a damaged library has a note

        _note(database).write_text(json.dumps(note), encoding="utf-8")
    except OSError:
        pass


def damaged_reason(database: Path) -> str | None:
    """Why ``database`` is damaged, if a note says so and still describes this file (a
    file replaced by a restore or by hand is not the damaged one)."""
    try:
        text = _note(database).read_text(encoding="utf-8")
        import json

        note = json.loads(text)
        if note["file"] == _identity(database.stat()):
            return str(note["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def describe_newest(database: Path) -> str:
    """A sentence pointing to the newest backup, for messages about a damaged library."""
    newest = next(iter(list_backups(database)), None)
    if newest is None:
        return ("There is no backup of it; the file is kept as it is for recovery "
                "(e.g. with sqlite3's .recover).")
    return (f"The newest backup is from {when(newest.made_at)} ({newest.path}); "
            "see the backups and restore one with `podterm restore`.")


def restore(database: Path, backup: Backup) -> Path | None:
    """Put ``backup`` in place of ``database``. The file it replaces (and its write-ahead
    log) is kept beside it under a new name, which is returned (None if there was none).
    No other program may have the library open. Raises :class:`BackupError`."""
    _check_backup(backup)
    current = database.exists()
    if current and damaged_reason(database) is None:
        _require_unused(database)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    incoming = database.with_name(f"{database.name}.restoring-{os.getpid()}")
    aside = _free_name(database.with_name(f"{database.name}.replaced-{stamp}"))
    try:
        shutil.copyfile(backup.path, incoming)
        _fsync(incoming)
        if current:
            # Every step keeps a complete library under the usual name or aside.
            _keep(database, aside)
            for suffix in ("-wal", "-shm"):
                companion = Path(f"{database}{suffix}")
                if companion.exists():
                    if suffix == "-wal":
                        _keep(companion, Path(f"{aside}-wal"))
                    companion.unlink()  # an old log must never be replayed into the copy
        os.replace(incoming, database)
        _fsync(database.parent)
    except OSError as exc:
        with suppress(OSError):
            incoming.unlink()
        raise BackupError(f"could not restore {backup.path.name}: {_reason(exc)}") from None
    with suppress(OSError):
        _note(database).unlink()
    return aside if current else None


def _check_backup(backup: Backup) -> None:
    try:
        with closing(sqlite3.connect(f"{backup.path.absolute().as_uri()}?mode=ro",
                                     uri=True)) as conn:
            problem = quick_check(conn)
    except sqlite3.Error as exc:
        problem = str(exc)
    if problem:
        raise BackupError(f"the backup {backup.path.name} is damaged too ({problem})")


def _require_unused(database: Path) -> None:
    """Fold the write-ahead log into the file; SQLite deletes the log when the last
    connection closes, so a log still there means another program has the library open.
    A file found damaged here is noted and left untouched instead."""
    try:
        with closing(sqlite3.connect(f"{database.absolute().as_uri()}?mode=ro",
                                     uri=True)) as reader:
            problem = quick_check(reader)
        if problem:
            mark_damaged(database, problem)
            return
        with closing(sqlite3.connect(database, timeout=1)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore: the library cannot be opened ({exc})") from None
    if Path(f"{database}-wal").exists():
        raise BackupError("cannot restore while another podterm has the library open; "
                          "close it and run this again")


def _free_name(stem: Path, suffix: str = "") -> Path:
    """``stem + suffix``, or with -2, -3, ... added when that name is taken."""
    candidate, number = Path(f"{stem}{suffix}"), 1
    while candidate.exists():
        number += 1
        candidate = Path(f"{stem}-{number}{suffix}")
    return candidate


def _keep(source: Path, aside: Path) -> None:
    try:
        os.link(source, aside)
    except OSError:  # a file system without hard links
        shutil.copy2(source, aside)
        _fsync(aside)


def _remove_stale_partials(folder: Path) -> None:
    for entry in folder.glob("*.partial"):
        with suppress(OSError):
            if time.time() - entry.stat().st_mtime > _PARTIAL_STALE_S:
                entry.unlink()


def _note(database: Path) -> Path:
    return database.with_name(database.name + ".damaged")


def _identity(stat: os.stat_result) -> list[int]:
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns]


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def when(timestamp: float) -> str:
    """A backup's time as the user reads it, e.g. '2024-05-01 10:15'."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)
