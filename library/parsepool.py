"""Worker processes that parse feeds.

feedparser holds the GIL for the whole parse, so a parsing thread would still stall a
UI's event loop; separate processes do not, and on two cores they parse twice as fast.
The pool starts on the first parse (a refresh where nothing changed never starts it) and
is shared for the life of the program. Workers are spawned, not forked: forking a
process that runs threads (libVLC's, Textual's) can deadlock the child.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from library.parse import ParsedFeed, parse_feed

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def submit_parse(body: bytes) -> "Future[ParsedFeed]":
    """Parse ``body`` in a worker process; the future raises FeedParseError if it is no feed."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = _new_pool()
        try:
            return _pool.submit(parse_feed, body)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start afresh rather than fail forever.
            _pool = _new_pool()
            return _pool.submit(parse_feed, body)


def _new_pool() -> ProcessPoolExecutor:
    workers = max(1, min(4, os.cpu_count() or 1))
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


@atexit.register
def shutdown() -> None:
    """Stop the workers (also called at interpreter exit)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
