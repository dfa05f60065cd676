"""The background downloader: episodes fetched in parallel, bounded overall and per host.

:class:`Downloader` runs on a thread of its own with its own event loop, HTTP client and
SQLite connection, so a UI keeps its loop free; every public method is safe to call from
any thread and returns at once::

    downloader = Downloader(paths.database, settings, on_event)
    downloader.add([12, 13])        # queue episodes (already complete ones: 'done' at once)
    downloader.cancel(13)           # or cancel_all(); the .part stays for a resume
    downloader.wait(timeout)        # True once nothing is queued or running
    downloader.close()              # cancels what still runs, ends the thread

``on_event`` receives :class:`DownloadStatus` (state changes, and progress about ten times
a second per episode) and :class:`DownloadRemoved` (a played download deleted to stay
under ``max_gb``). It runs on the downloader's thread: a UI posts a message and returns.
One episode's failure is reported in its status and never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Union
from urllib.parse import urlsplit

from library import downloads as store
from library.download_fetch import Transfer, TransferError, download, make_download_client
from library.download_names import part_path
from library.download_rules import make_room
from library.downloads import DownloadSettings, Planned
from library.store import connect

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.1   # events per episode
SAVE_EVERY_S = 1.0       # byte count written to the library


@dataclass(frozen=True)
class DownloadStatus:
    """Where one episode's download stands. ``state`` is one of
    :data:`library.downloads.STATES`; ``error`` says why it failed."""

    episode_id: int
    title: str
    state: str
    bytes: int = 0
    total_bytes: int | None = None
    error: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class DownloadRemoved:
    """A played episode's download was deleted to make room (``max_gb``)."""

    episode_id: int
    title: str
    reason: str


DownloadEvent = Union[DownloadStatus, DownloadRemoved]


class Downloader:
    """Downloads on a background thread; see the module's docstring."""

    def __init__(self, db_path: Path, settings: DownloadSettings,
                 on_event: Callable[[DownloadEvent], None] | None = None) -> None:
        self.settings = settings
        self._db_path = db_path
        self._on_event = on_event or (lambda event: None)
        self._loop = asyncio.new_event_loop()
        self._queue: deque[Planned] = deque()            # loop thread only
        self._running: dict[int, asyncio.Task] = {}      # loop thread only
        self._hosts: Counter[str] = Counter()            # loop thread only
        self._pending = 0                                # add() calls not yet handled
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._closed = False
        self._startup_error: BaseException | None = None
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,),
                                        name="podterm-downloads", daemon=True)
        self._thread.start()
        ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error

    # -- any thread ----------------------------------------------------------------------
    def add(self, episode_ids: Iterable[int]) -> None:
        """Queue episodes, in this order; already queued or running ones are ignored."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the downloader is closed")
            self._pending += 1
            self._idle.clear()
        self._loop.call_soon_threadsafe(self._add, list(episode_ids))

    def cancel(self, episode_id: int) -> None:
        self._loop.call_soon_threadsafe(self._cancel, episode_id)

    def cancel_all(self) -> None:
        self._loop.call_soon_threadsafe(self._cancel_all)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or running; False if ``timeout`` passed first."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        """Cancel everything (``.part`` files stay) and end the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()

    def __enter__(self) -> "Downloader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the downloader's thread ---------------------------------------------------------
    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._conn = connect(self._db_path)
            self._client = make_download_client(self.settings.timeout_s,
                                                self.settings.concurrency + 2)
        except BaseException as exc:  # reported to the constructor's caller
            self._startup_error = exc
            ready.set()
            return
        ready.set()
        try:
            self._loop.run_forever()
            self._loop.run_until_complete(self._client.aclose())
        finally:
            self._conn.close()
            self._loop.close()

    def _emit(self, event: DownloadEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a listener's bug must not stop the downloads
            log.exception("download event listener failed")

    def _add(self, episode_ids: list[int]) -> None:
        busy = set(self._running) | {job.episode_id for job in self._queue}
        for episode_id in episode_ids:
            if episode_id in busy:
                continue
            busy.add(episode_id)
            try:
                planned = store.plan_download(self._conn, episode_id, self.settings.dir)
                if planned.action == "download":
                    store.record_queued(self._conn, planned)
            except (ValueError, OSError, sqlite3.Error) as exc:
                planned = Planned(episode_id, "", "refused", error=str(exc))
            if planned.action == "download":
                self._queue.append(planned)
                self._emit(DownloadStatus(episode_id, planned.title, "queued",
                                          path=str(planned.path)))
            elif planned.action == "done":
                size = planned.path.stat().st_size if planned.path else 0
                self._emit(DownloadStatus(episode_id, planned.title, "done", size, size,
                                          path=str(planned.path)))
            else:
                self._emit(DownloadStatus(episode_id, planned.title, "failed",
                                          error=planned.error))
        with self._lock:
            self._pending -= 1
        self._pump()

    def _pump(self) -> None:
        """Start queued downloads while there are free slots, overall and on their host
        (a busy host never holds up the episodes of another)."""
        while len(self._running) < self.settings.concurrency:
            job = next((j for j in self._queue
                        if self._hosts[_host(j.url)] < self.settings.per_host), None)
            if job is None:
                break
            self._queue.remove(job)
            self._hosts[_host(job.url)] += 1
            self._running[job.episode_id] = self._loop.create_task(self._download(job))
        self._update_idle()

    def _update_idle(self) -> None:
        with self._lock:
            if not self._queue and not self._running and self._pending == 0:
                self._idle.set()

    async def _download(self, job: Planned) -> None:
        assert job.path is not None
        transfer = Transfer(job.url, job.feed_url, job.path, job.validator,
                            self.settings.max_episode_bytes)
        report = _Reporter(self, job)
        try:
            size = await download(self._client, transfer, report.started, report.progress)
        except TransferError as exc:
            self._finish(job, "failed", report.bytes_on_disk(), report.total, str(exc))
        except asyncio.CancelledError:
            self._finish(job, "cancelled", report.bytes_on_disk(), report.total, None)
        except Exception as exc:  # a bug must cost one episode, not the others
            log.exception("downloading episode %s failed", job.episode_id)
            self._finish(job, "failed", report.bytes_on_disk(), report.total,
                         f"unexpected error: {exc}")
        else:
            self._finish(job, "done", size, size, None)
        finally:
            del self._running[job.episode_id]
            self._hosts[_host(job.url)] -= 1
            self._pump()

    def _finish(self, job: Planned, state: str, size: int, total: int | None,
                error: str | None) -> None:
        try:
            store.record_finished(self._conn, job.episode_id, state, size, total, error)
        except sqlite3.Error as exc:  # e.g. the library's disk is full: say so, go on
            log.error("cannot record episode %s as %s: %s", job.episode_id, state, exc)
            error = f"{error or state}; the library could not record it: {exc}"
        self._emit(DownloadStatus(job.episode_id, job.title, state, size, total, error,
                                  str(job.path)))

    def _cancel(self, episode_id: int) -> None:
        for job in list(self._queue):
            if job.episode_id == episode_id:
                self._queue.remove(job)
                self._finish(job, "cancelled", _size(job), None, None)
        task = self._running.get(episode_id)
        if task is not None:
            task.cancel()
        self._update_idle()

    def _cancel_all(self) -> None:
        for episode_id in [job.episode_id for job in self._queue] + list(self._running):
            self._cancel(episode_id)

    async def _shutdown(self) -> None:
        self._cancel_all()
        tasks = list(self._running.values())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class _Reporter:
    """One running download's callbacks: records its start (after making room under the
    cap), and reports progress without flooding listeners or the library."""

    def __init__(self, downloader: Downloader, job: Planned) -> None:
        self.downloader, self.job = downloader, job
        self.total: int | None = None
        self.done = 0
        self._last_event = self._last_save = 0.0

    def started(self, offset: int, total: int | None, validator: str | None) -> None:
        d = self.downloader
        self.total, self.done = total, offset
        if d.settings.cap_bytes and total:
            removed, fits = make_room(d._conn, d.settings.cap_bytes, total,
                                      keep={self.job.episode_id})
            for gone in removed:
                d._emit(DownloadRemoved(gone.episode_id, gone.title,
                                        "played; deleted to stay under max_gb"))
            if not fits:
                raise TransferError("cap", f"no room under max_gb = {d.settings.max_gb:g}: "
                                           "only unplayed downloads are left to delete")
        store.record_started(d._conn, self.job.episode_id, offset, total, validator)
        self._last_save = time.monotonic()
        d._emit(DownloadStatus(self.job.episode_id, self.job.title, "downloading", offset,
                               total, path=str(self.job.path)))

    def progress(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        d = self.downloader
        if now - self._last_save >= SAVE_EVERY_S:
            self._last_save = now
            try:
                store.record_progress(d._conn, self.job.episode_id, done)
            except sqlite3.Error as exc:  # the count is refreshed at the end anyway
                log.warning("cannot record progress: %s", exc)
        if now - self._last_event >= PROGRESS_EVERY_S:
            self._last_event = now
            d._emit(DownloadStatus(self.job.episode_id, self.job.title, "downloading", done,
                                   self.total, path=str(self.job.path)))

    def bytes_on_disk(self) -> int:
        return _size(self.job)


def _size(job: Planned) -> int:
    """Bytes kept for a resume: the .part's size (0 when there is none)."""
    try:
        return part_path(job.path).stat().st_size if job.path else 0
    except OSError:
        return 0


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
