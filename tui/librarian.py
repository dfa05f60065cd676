"""The TUI's door to the library database, kept off the UI thread.

All of the TUI's SQLite work runs on one dedicated thread that owns one connection
(sqlite3 objects cannot cross threads, and the event loop must never wait on the disk).
Coroutines on the UI loop ``await librarian.run(function, *args)``: ``function(conn,
*args)`` runs on that thread and its result (or exception) comes back to the awaiting
coroutine, which may then update widgets because it runs on the UI loop again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from library.store import connect

T = TypeVar("T")


class Librarian:
    """One thread, one connection, opened lazily on that thread."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="podterm-tui-db")
        self._conn: sqlite3.Connection | None = None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, function, args)

    def _call(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._conn is None:
            self._conn = connect(self._database)
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
