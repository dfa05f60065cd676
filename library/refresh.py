"""Refreshing many feeds at once.

Bounded concurrency overall and per host; an address that answers 429/503 with
Retry-After is left alone for that long, in this run and the next ones, and skipping it
is never a failure (see :mod:`library.backoff`); bodies identical to last time are not
parsed; parsing runs
in worker processes; all writes go through one writer thread with its own connection,
one transaction per feed. One failing feed never stops the others; a library that cannot
be written (full disk, read-only, damaged) stops the refresh with a StoreError.

:func:`refresh` is synchronous and runs its own event loop: call it from a CLI command
or from a UI's worker thread, never from a running event loop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit


from library import backoff, health, parsepool
from library.parsepool import ParseBudget
from library.archive import ArchiveRule, apply_archive_rule
from library.feeds import get_feed
from library.fetch import FetchLimits, FetchResult, HostClients, fetch_feed, make_client
from library.migrate import migrate_feed
from library.models import Feed
from library.parse import FeedParseError
from library.record import Record
from library.refreshsettings import RefreshSettings
from library.resolve import parse_fetched, parse_if_changed
from library.store import StoreError, connect, failure, transaction
from library.urls import same_feed_key

log = logging.getLogger(__name__)

# A wait the server asks for that is no longer than this is waited out, once, in the same
# refresh; a longer one skips the feed until then.
MAX_BACKOFF_WAIT_S = 10.0


class FeedOutcome(Record):
    """One feed's result. ``outcome`` is 'updated', 'not_modified', 'failed', or 'skipped'
    (the server asked podterm to wait; ``error`` says until when; not a failure)."""

    feed_id: int
    title: str
    url: str
    outcome: str
    new_episodes: int = 0
    error_kind: str | None = None
    error: str | None = None
    moved_to: str | None = None
    archived: bool = False   # this check archived the feed ...
    archived_because: str | None = None   # ... in a few words: "410 Gone twice"

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _HostGate:
    """Per-host slots, and addresses whose server asked us to wait (until a UNIX time)."""

    def __init__(self, per_host: int, waits: dict[str, float]) -> None:
        self.per_host = per_host
        self.waits = waits
        self.slots: dict[str, asyncio.Semaphore] = {}

    def slot(self, host: str) -> asyncio.Semaphore:
        if host not in self.slots:
            self.slots[host] = asyncio.Semaphore(self.per_host)
        return self.slots[host]


Progress = Callable[[FeedOutcome, int, int], None]


def refresh(db_path: Path, feed_ids: list[int], settings: RefreshSettings,
            progress: Progress | None = None, *, rule: ArchiveRule = ArchiveRule(),
            clock: Callable[[], float] = time.time) -> list[FeedOutcome]:
    """Check ``feed_ids`` now; ``progress(outcome, done, total)`` follows each feed.

    Failing feeds are archived by ``rule``; ``clock`` dates every check (tests pass one
    that runs weeks in seconds).
    """
    with _fewer_collections():
        return asyncio.run(_refresh(db_path, feed_ids, settings, progress, rule, clock))


# While feeds are refreshed, the garbage collector looks at new objects after this many
# allocations instead of 700. A refresh's objects hold no cycles, but every 700
# allocations the collector walked the episodes just unpickled (tens of thousands, alive
# until stored): 0.1 G instructions, 3% of a cold refresh's main process. (The setting is
# the process's: it is put back when the last refresh running ends.)
YOUNG_COLLECTION_THRESHOLD = 20_000
_collections_lock = threading.Lock()
_refreshes_running = 0
_threshold_before = gc.get_threshold()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    global _refreshes_running, _threshold_before
    with _collections_lock:
        if _refreshes_running == 0:
            _threshold_before = gc.get_threshold()
            if _threshold_before[0]:  # (0: the program turned automatic collection off)
                gc.set_threshold(max(YOUNG_COLLECTION_THRESHOLD, _threshold_before[0]),
                                 *_threshold_before[1:])
        _refreshes_running += 1
    try:
        yield
    finally:
        with _collections_lock:
            _refreshes_running -= 1
            if _refreshes_running == 0:
                gc.set_threshold(*_threshold_before)


async def _refresh(db_path: Path, feed_ids: list[int], settings: RefreshSettings,
                   progress: Progress | None, rule: ArchiveRule,
                   clock: Callable[[], float]) -> list[FeedOutcome]:
    writer = _Writer(db_path, rule, clock)
    try:
        feeds, waits = await writer.run(lambda conn: (
            [get_feed(conn, feed_id) for feed_id in feed_ids], backoff.pending(conn, clock())))
        limits = FetchLimits(settings.timeout_s, int(settings.max_feed_mb * 1024 * 1024))
        budget = settings.parse_budget()
        if any(feed.last_checked_at is None for feed in feeds):
            parsepool.start_workers(budget)  # (a new feed's first answer is parsed: now)
        overall = asyncio.Semaphore(max(1, settings.concurrency))
        gate = _HostGate(max(1, settings.per_host), waits)
        outcomes: list[FeedOutcome] = []
        async with make_client(limits, max(1, settings.concurrency)) as client:

            async def one(feed: Feed) -> None:
                async with overall:
                    try:
                        outcome = await _refresh_one(client, writer, gate, limits, budget, feed)
                    except StoreError:
                        raise  # the library cannot be written: stop, nothing else will save
                    except Exception as exc:  # a bug must cost one feed, not the refresh
                        log.exception("refreshing %s failed", feed.url)
                        outcome = FeedOutcome(feed.id, feed.display_title, feed.url, "failed",
                                              error_kind="error", error=f"unexpected error: {exc}")
                outcomes.append(outcome)
                if progress is not None:
                    progress(outcome, len(outcomes), len(feeds))

            tasks = [asyncio.ensure_future(one(feed)) for feed in feeds]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        await writer.run(lambda conn: None)  # every queued write done, or its failure raised
        order = {feed_id: n for n, feed_id in enumerate(feed_ids)}
        return sorted(outcomes, key=lambda o: order[o.feed_id])
    finally:
        writer.close()


async def _refresh_one(client: HostClients, writer: "_Writer", gate: _HostGate,
                       limits: FetchLimits, budget: ParseBudget, feed: Feed) -> FeedOutcome:
    result = await _fetch_politely(client, writer, gate, limits, feed)
    if result.outcome == "skipped":
        return FeedOutcome(feed.id, feed.display_title, feed.url, "skipped",
                           error_kind="rate_limited", error=result.error)
    if result.outcome == "error":
        return await writer.fail(feed, result.error_kind or "error", result.error or "failed",
                                 result.http_status)
    try:
        # The parser process decodes the body and does not parse it if its hash is the
        # last parsed body's.
        parsed = None if result.outcome == "not_modified" else await parse_if_changed(
            result, budget, feed.body_hash, limits=limits, release_body=True)
    except FeedParseError as exc:
        return await writer.fail(feed, exc.kind, str(exc), result.http_status)
    if parsed is None:
        writer.later(lambda c: _store_unchanged(c, feed, result, writer.clock()))
        return FeedOutcome(feed.id, feed.display_title, result.final_url, "not_modified",
                           moved_to=result.moved_to)

    announced = parsed.new_feed_url
    if announced and same_feed_key(announced) != same_feed_key(result.final_url):
        moved = await _follow_announced_move(client, gate, limits, budget, writer, feed,
                                             announced, result.public_host)
        if moved is not None:
            return moved

    def store(conn: sqlite3.Connection) -> int:
        with transaction(conn):
            _apply_move(conn, feed, result)
            return health.record_update(conn, feed.id, parsed, http_status=result.http_status,
                                        etag=result.etag, last_modified=result.last_modified,
                                        body_hash=parsed.body_hash or "", now=writer.clock())

    new = await writer.run(store)
    return FeedOutcome(feed.id, parsed.title or feed.display_title, result.final_url,
                       "updated", new_episodes=new, moved_to=result.moved_to)


async def _follow_announced_move(client: HostClients, gate: _HostGate,
                                 limits: FetchLimits, budget: ParseBudget, writer: "_Writer",
                                 feed: Feed, new_url: str,
                                 named_by: str | None) -> FeedOutcome | None:
    """Move to the address the feed announced, once it has been fetched and parsed as a
    feed; None (stay, and remember the announcement) if it does not work. ``named_by``:
    the announcing host, if public (it may not send podterm into the private network)."""
    result = await _fetch_politely(client, writer, gate, limits,
                                   feed.replace(url=new_url, etag=None, last_modified=None),
                                   named_by)
    if result.outcome != "ok":
        return None
    try:
        parsed = await parse_fetched(result, budget, limits=limits)
    except FeedParseError:
        return None
    found = await writer.run(lambda conn: migrate_feed(
        conn, feed.id, result.final_url, parsed,
        "the feed announced its new address (itunes:new-feed-url)", writer.clock()))
    return FeedOutcome(feed.id, parsed.title or feed.display_title, result.final_url, "updated",
                       new_episodes=found.theirs - found.matched, moved_to=result.final_url)


async def _fetch_politely(client: HostClients, writer: "_Writer", gate: _HostGate,
                          limits: FetchLimits, feed: Feed,
                          named_by: str | None = None) -> FetchResult:
    """Fetch within the host's slots. An address whose server asked us to wait is not
    asked before then (a 'skipped' result); a short wait is waited out, once."""
    host = urlsplit(feed.url).hostname or ""
    until = gate.waits.get(feed.url, 0.0)
    if until > writer.clock():
        return _skipped(feed.url, until, writer.clock())

    async def fetch() -> FetchResult:
        async with gate.slot(host):
            return await fetch_feed(client, feed.url, limits, feed.etag, feed.last_modified,
                                    named_by=named_by, decode=False)

    result = await fetch()
    if _asks_to_wait(result) and result.retry_after_s <= MAX_BACKOFF_WAIT_S:
        await asyncio.sleep(result.retry_after_s)
        result = await fetch()
    if not _asks_to_wait(result):
        return result
    now = writer.clock()
    gate.waits[feed.url] = until = now + result.retry_after_s
    await writer.run(lambda conn: backoff.remember(conn, feed.url, until, now))
    return _skipped(feed.url, until, now)


def _asks_to_wait(result: FetchResult) -> bool:
    return result.http_status in (429, 503) and result.retry_after_s is not None


def _skipped(url: str, until: float, now: float) -> FetchResult:
    return FetchResult("skipped", url, error_kind="rate_limited",
                       error=backoff.describe_wait(until, now))


def _store_unchanged(conn: sqlite3.Connection, feed: Feed, result: FetchResult,
                     now: float) -> None:
    with transaction(conn):
        _apply_move(conn, feed, result)
        health.record_unchanged(conn, feed.id, result.http_status, result.etag,
                                result.last_modified, now)


def _apply_move(conn: sqlite3.Connection, feed: Feed, result: FetchResult) -> None:
    if result.moved_to and result.moved_to != feed.url:
        health.record_move(conn, feed.id, feed.url, result.moved_to,
                           "the server redirected permanently (HTTP 301/308)")


def _writer_connection(db_path: Path) -> sqlite3.Connection:
    """A connection with a page cache of 8 MB (SQLite's default is 2 MB): storing 50,000
    new episodes re-read index pages it had just written, and took an eighth more CPU."""
    conn = connect(db_path)
    conn.execute("PRAGMA cache_size = -8192")
    return conn


class _Writer:
    """One thread with its own SQLite connection; all database work goes through it."""

    def __init__(self, db_path: Path, rule: ArchiveRule, clock: Callable[[], float]) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="podterm-db")
        try:
            self._conn = self._executor.submit(_writer_connection, db_path).result()
        except BaseException:
            self._executor.shutdown()
            raise
        self._path, self.rule, self.clock = db_path, rule, clock
        self._deferred_failure: BaseException | None = None

    async def run(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``work`` on the writer's thread; a storage failure (this one's or a queued
        write's) raises StoreError."""
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, work, self._conn)
        except sqlite3.Error as exc:
            raise self._store_error(exc) from exc
        if self._deferred_failure is not None:
            raise self._store_error(self._deferred_failure) from self._deferred_failure
        return result

    def later(self, work: Callable[[sqlite3.Connection], Any]) -> None:
        """Queue ``work`` without waiting for it (the writes stay in order; the next
        :meth:`run` reports a queued write's failure). Waiting costs the event loop a
        thread hop per feed, which on a busy machine was most of a warm refresh."""
        self._executor.submit(work, self._conn).add_done_callback(self._check_later)

    def _check_later(self, future: Future) -> None:
        error = future.exception()
        if error is None:
            return
        log.error("storing a check failed", exc_info=error)
        if self._deferred_failure is None:
            self._deferred_failure = error

    def _store_error(self, exc: BaseException) -> BaseException:
        problem = failure(exc, self._path) if isinstance(exc, sqlite3.Error) else None
        return problem or exc

    async def fail(self, feed: Feed, kind: str, error: str,
                   http_status: int | None) -> FeedOutcome:
        """Record a failed check and apply the archive rule, in one transaction."""
        def store(conn: sqlite3.Connection) -> str | None:
            now = self.clock()
            with transaction(conn):
                health.record_failure(conn, feed.id, kind, error, http_status, now)
                return apply_archive_rule(conn, feed.id, self.rule, now)

        because = await self.run(store)
        return FeedOutcome(feed.id, feed.display_title, feed.url, "failed", error_kind=kind,
                           error=error, archived=because is not None, archived_because=because)

    def close(self) -> None:
        self._executor.submit(self._conn.close).result()
        self._executor.shutdown()
