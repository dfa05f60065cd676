"""The TUI's door to the library database, kept off the UI thread.

All of the TUI's SQLite work runs on one dedicated thread that owns one connection
(sqlite3 objects cannot cross threads, and the event loop must never wait on the disk).
Coroutines on the UI loop ``await librarian.run(function, *args)``: ``function(conn,
*args)`` runs on that thread and its result (or exception) comes back to the awaiting
coroutine, which may then update widgets because it runs on the UI loop again.

A library that cannot be written (read-only or full disk, damaged file) is opened for
reading: :attr:`Librarian.read_only` then says why, and the TUI browses without saving.

At start-up, work can begin before there is an event loop (:meth:`Librarian.begin`):
the library is read while Textual is still being imported.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from library.backups import BackupError
from library.store import StoreError, connect_or_read_only, daily_check

log = logging.getLogger(__name__)

T = TypeVar("T")


class Librarian:
    """One thread, one connection, opened on that thread by :meth:`open` (or the first
    :meth:`run`)."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="podterm-tui-db")
        self._conn: sqlite3.Connection | None = None
        self.read_only: str | None = None  # why nothing can be saved, if that is so
        self._begun: dict[tuple[Callable[..., Any], tuple[Any, ...]], Future[Any]] = {}

    async def open(self) -> str | None:
        """Open the library; returns why it is read-only (None when it can be written)."""
        await self.run(lambda conn: None)
        return self.read_only

    def open_now(self) -> None:
        """Block until the library is open, without an event loop (at start-up); raises
        what :func:`library.store.connect_or_read_only` raises (a damaged or too new
        library), for the caller to report before the terminal is taken."""
        self._executor.submit(self._call, lambda conn: None, ()).result()

    def begin(self, function: Callable[..., Any], *args: Any) -> None:
        """Start ``function(conn, *args)`` now, without an event loop (at start-up); the
        first :meth:`run` of the same function with the same arguments returns its
        result instead of running it again."""
        self._begun[(function, args)] = self._executor.submit(self._call, function, args)

    def ready(self, function: Callable[..., T], *args: Any) -> T | None:
        """The result of work begun with the same function and arguments if it has
        finished well, else None (then :meth:`run` waits for it, or raises its error)."""
        begun = self._begun.get((function, args))
        if begun is None or not begun.done() or begun.exception() is not None:
            return None
        del self._begun[(function, args)]
        return begun.result()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        begun = self._begun.pop((function, args), None)
        if begun is not None:
            return await asyncio.wrap_future(begun)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, function, args)

    async def check_and_back_up(self) -> str | None:
        """The daily check and backup (nothing until a day has passed); returns a warning
        for the user when the backup could not be made."""
        if self.read_only is not None:
            return None
        try:
            await self.run(lambda conn: daily_check(conn, self._database))
        except (BackupError, StoreError) as exc:
            log.warning("daily check: %s", exc)
            return str(exc)
        return None

    def _call(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._conn is None:
            self._conn, self.read_only = connect_or_read_only(self._database)
        return function(self._conn, *args)

    async def close(self) -> None:
        """Close the connection (on its own thread) and stop the thread."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=False)

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
