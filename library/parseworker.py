"""A parser process: feeds in on stdin, parsed feeds out on stdout.

Started by :mod:`library.parsepool` (through :mod:`library.parserstart`) as
``python -m library.parseworker MEMORY_BYTES``. What goes through its pipes, and how, is
in :mod:`library.parsewire`. The worker undoes the feed's Content-Encoding
(:mod:`library.contentcoding`) and does not parse a body whose hash is the job's
``known_hash``.

Its address space is capped at MEMORY_BYTES (RLIMIT_AS): a feed that needs more fails
alone, and the worker then exits so that a fresh one takes its place.

It exits as soon as its stdin closes. The kernel closes that pipe when the program that
started the worker dies, even by kill -9, so a worker never outlives it. A thread
watches stdin for this while the main thread parses, so a worker in the middle of a
long parse goes too.
"""

from __future__ import annotations

import gc
import hashlib
import os
import queue
import resource
import sys
import threading
from typing import BinaryIO

from library import contentcoding
from library.feedurls import resolve_in_place
from library.parse import FeedParseError, ParsedEpisode, parse_feed
from library.parsewire import REQUEST, ParseJob, answer_frame, read_job, write_frame

_OUT_OF_MEMORY = object()
_DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def main() -> None:
    memory_bytes = int(sys.argv[1])
    requests: queue.Queue = queue.Queue()
    stdin = sys.stdin.buffer
    # The answers get a descriptor of their own; anything printed goes to stderr.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, resource.RLIM_INFINITY))
    threading.Thread(target=_read_requests, args=(stdin, requests), daemon=True,
                     name="stdin-watch").start()
    # The parser's fast path, which library.parse imports with the first body: here a
    # worker is ready ~10 ms later, and its first parse as much sooner (in a refresh the
    # first body comes a tenth of a second after it is ready, when the cores are busier).
    import library.fastfeed  # noqa: F401
    write_frame(answers, b"")
    while True:
        request = requests.get()
        gc.disable()  # (also while the answer is encoded: see _answer)
        try:
            kind, payload = _answer(request, memory_bytes)
            data = answer_frame(kind, payload)
        finally:
            gc.enable()
        write_frame(answers, data)
        if kind not in ("ok", "unchanged") and not isinstance(payload, FeedParseError):
            os._exit(0)  # after running out of memory or a crash: start afresh


def _read_requests(stdin: BinaryIO, requests: queue.Queue) -> None:
    """Hand each request to the main thread; end the process when stdin closes."""
    while True:
        header = stdin.read(REQUEST.size)
        if len(header) < REQUEST.size:
            os._exit(0)
        length, job_length = REQUEST.unpack(header)
        job = stdin.read(job_length)
        try:
            body = stdin.read(length)
        except MemoryError:
            requests.put(_OUT_OF_MEMORY)
            return  # the main thread answers and exits
        if len(body) < length or len(job) < job_length:
            os._exit(0)
        requests.put((body, read_job(job)))


def _answer(request: object, memory_bytes: int) -> tuple[str, object]:
    if request is _OUT_OF_MEMORY:
        return "memory", None
    # The cyclic garbage collector is off while a body is parsed (and, in main(), while
    # the answer is encoded). What a parse makes (an element tree, episodes, the tuples
    # they are sent as) holds no cycles, yet every 700 allocations the collector went
    # through it again: 2-3% of a parse. What cycles a parse does leave (feedparser
    # leaves a few hundred objects) are collected once the collector is back.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parsed(*request, memory_bytes)  # type: ignore[misc]
    finally:
        if enabled:
            gc.enable()


def _parsed(body: bytes, job: ParseJob, memory_bytes: int) -> tuple[str, object]:
    try:
        body = _decoded(body, job)
        body_hash = hashlib.sha256(body).hexdigest()
        if body_hash == job.known_hash:
            return "unchanged", None
        parsed = parse_feed(body)
    except FeedParseError as exc:
        return "error", exc
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "error", FeedParseError("malformed", "malformed XML: nested too deeply")
    except Exception as exc:
        # Running out of memory deep inside a C parser surfaces as other errors.
        return ("memory", None) if _reached(memory_bytes) else ("error", exc)
    parsed.episodes = newest(parsed.episodes, job.max_episodes)
    if job.base_url:
        resolve_in_place(parsed, job.base_url)
    parsed.body_hash = body_hash
    return "ok", parsed


def _decoded(body: bytes, job: ParseJob) -> bytes:
    """The body with its Content-Encoding undone (a FeedParseError if that fails)."""
    if not job.content_encoding:
        return body
    max_bytes = job.max_bytes or _DEFAULT_MAX_BYTES
    try:
        return contentcoding.decode(body, job.content_encoding, max_bytes)
    except contentcoding.TooLarge:
        raise FeedParseError("too_large", contentcoding.too_large(max_bytes)) from None
    except contentcoding.DecodingFailed as exc:
        raise FeedParseError("network", f"network error: {str(exc)[:160]}") from None


def newest(episodes: list[ParsedEpisode], count: int) -> list[ParsedEpisode]:
    """The ``count`` most recent episodes (undated ones count as oldest, in feed order)."""
    if len(episodes) <= count:
        return episodes
    return sorted(episodes, key=lambda e: (e.published_at is None,
                                           -(e.published_at or 0.0)))[:count]


def _reached(memory_bytes: int) -> bool:
    """Whether this process's address space came close to its cap (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 > memory_bytes * 0.9
    except OSError:
        pass
    return False


if __name__ == "__main__":
    main()
