"""A refresh in a child process, for callers that share the interpreter with a UI.

:func:`library.refresh.refresh` in a thread still takes Python's global lock for HTTP,
decompression and SQLite work: a UI in the same process stalls for tens of milliseconds
at a time. Here the whole refresh runs in a spawned child; the caller's thread only
receives each feed's outcome. The child writes to the same SQLite file (WAL lets the
caller read meanwhile). The child ends when the caller's process dies, even by kill -9:
every feed's transaction is whole or absent, so nothing is lost by stopping anywhere.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from pathlib import Path
from typing import Callable

from library import parsepool
from library.archive import ArchiveRule
from library.refresh import FeedOutcome, Progress, refresh
from library.refreshsettings import RefreshSettings
from library.store import StoreError

POLL_S = 0.2
BACKGROUND_NICENESS = 10


class RefreshFailed(Exception):
    """The refresh process failed as a whole (not one feed: those are outcomes)."""


def refresh_isolated(db_path: Path, feed_ids: list[int], settings: RefreshSettings,
                     progress: Progress | None = None, *, rule: ArchiveRule = ArchiveRule(),
                     stop: threading.Event | None = None) -> list[FeedOutcome]:
    """Like :func:`library.refresh.refresh`, in a child process. Blocks the calling
    thread (use a worker thread); setting ``stop`` ends the child and returns []."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    child = context.Process(target=_child, args=(db_path, feed_ids, settings, rule, messages),
                            name="podterm-refresh")
    child.start()
    try:
        while True:
            if stop is not None and stop.is_set():
                child.terminate()
                return []
            try:
                kind, payload = messages.get(timeout=POLL_S)
            except queue.Empty:
                if not child.is_alive():
                    raise RefreshFailed(f"the refresh process ended unexpectedly "
                                        f"(exit code {child.exitcode})") from None
                continue
            if kind == "progress" and progress is not None:
                progress(*payload)
            elif kind == "done":
                return payload
            elif kind == "error":
                raise RefreshFailed(payload)
    finally:
        child.join(timeout=10)
        messages.close()


def _child(db_path: Path, feed_ids: list[int], settings: RefreshSettings, rule: ArchiveRule,
           messages: multiprocessing.Queue) -> None:
    _exit_with_parent()
    send: Callable[[str, object], None] = lambda kind, payload: messages.put((kind, payload))
    # Background work: on a small machine the UI's process must win the CPU. The parser
    # processes this one starts inherit the lower priority.
    os.nice(BACKGROUND_NICENESS)
    try:
        outcomes = refresh(db_path, feed_ids, settings,
                           lambda outcome, done, total: send("progress", (outcome, done, total)),
                           rule=rule)
    except StoreError as exc:  # the library cannot be written: its one-line reason
        send("error", str(exc))
        return
    except Exception as exc:  # reported to the caller, who shows it
        send("error", f"{type(exc).__name__}: {exc}")
        return
    finally:
        # A process started by multiprocessing skips atexit: stop the parser workers here.
        parsepool.shutdown()
    send("done", outcomes)


def _exit_with_parent() -> None:
    """End this child as soon as its parent dies (its parser workers follow it)."""
    parent = multiprocessing.parent_process()
    assert parent is not None  # this runs in a child started by multiprocessing

    def watch() -> None:
        parent.join()  # returns when the parent's end of the spawn pipe closes
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
