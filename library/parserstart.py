"""Starting the parser processes (:mod:`library.parseworker`), early when a command can.

Each process needs a tenth of a second of its own to import the parser. A command that
knows it will parse (a refresh of feeds never checked) calls :func:`start_early` as
soon as it knows, before it imports the pool, the HTTP client and the event loop: the
processes then import on the other cores while the command does, where they used to
start ~0.1 s later, with the first parse. The pool (:mod:`library.parsepool`) takes them
over with :func:`adopt`. Only what starting a process needs is imported here.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_early: list[tuple[float, subprocess.Popen]] = []  # (memory cap in MB, process)
_early_lock = threading.Lock()
_started_early = False


def pool_size() -> int:
    """How many parser processes the pool runs: one a core, up to four."""
    return max(1, min(4, os.cpu_count() or 1))


def spawn(memory_mb: float) -> subprocess.Popen:
    """A new parser process whose memory is capped at ``memory_mb`` (OSError if it cannot
    start). Started afresh (``python -m``), never forked (see :mod:`library.parsepool`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "library.parseworker", str(int(memory_mb * 2**20))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=_PACKAGE_ROOT,
        # One malloc arena: threads would each reserve 64 MB of the capped space.
        env={**os.environ, "MALLOC_ARENA_MAX": "1"})


def start_early(memory_mb: float) -> None:
    """Start the pool's processes now, once in the life of the program (a process that
    cannot start is left to the pool, which says why when it tries again)."""
    global _started_early
    with _early_lock:
        if _started_early:
            return
        _started_early = True
        for _ in range(pool_size()):
            try:
                _early.append((memory_mb, spawn(memory_mb)))
            except OSError:
                return


def adopt(memory_mb: float) -> subprocess.Popen | None:
    """A process started early with this memory cap, now the caller's; None if none is
    left."""
    with _early_lock:
        for found in _early:
            if found[0] == memory_mb:
                _early.remove(found)
                return found[1]
    return None


@atexit.register
def _stop_unadopted() -> None:
    """Stop the processes no pool took over (the command ended before it parsed)."""
    with _early_lock:
        left = [process for _memory_mb, process in _early]
        _early.clear()
    for process in left:
        process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
