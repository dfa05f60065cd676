"""Sync in the TUI: at start, every ``[sync] interval_min`` while open, and on a key.

The library's :func:`~library.sync.engine.sync` blocks, so each sync runs in a thread
worker of the owning screen; a scheduler (an async worker, asleep between syncs) starts
them and waits for the key. What the sync needs from the user is asked with dialogs:

- the password, when neither ``password`` nor ``password_command`` is configured: asked
  once, kept in memory for the session only (forgotten if the server refuses it);
- a feed unsubscribed on another device (the engine's ``decide_removal``, called on the
  sync's thread): remove it here, keep it everywhere, or later. "Later" keeps the feed
  and is not asked again by the timer's syncs, only by the next one the user starts.

New feeds from other devices are fetched by the engine's ``fetch_new`` with the refresh
the TUI always uses (:func:`library.isolated.refresh_isolated`, the ``[refresh]`` and
``[health]`` settings), on the sync's thread: the engine applies other devices' positions
to their episodes right after, and reports feeds that failed to fetch. Changes from other
devices then reload the lists (:class:`~tui.messages.LibraryChanged`).

Closing the screen stops a sync at once (:mod:`library.sync.stoppable`): quitting never
waits for a slow server, and a stopped sync loses nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual.worker import WorkerCancelled

from library.record import Record
from library.sync.settings import SyncError, SyncSettings
from library.text import plural
from tui.messages import LibraryChanged, SyncChanged
from tui.services import Host

if TYPE_CHECKING:  # the engine (httpx, the refresh) loads when a sync starts, not with
    from library.refresh import FeedOutcome          # the first screen
    from library.sync.engine import RemovalQuestion, SyncReport
    from tui.screens.dialogs import Dialog

log = logging.getLogger(__name__)

T = TypeVar("T")
ANSWER_POLL_S = 0.1
ERRORS_LISTED = 5


class SyncView(Record, frozen=True):
    """What the sync status line shows."""

    running: bool
    fetching: int                 # new feeds from other devices being fetched now
    last_success_at: float | None
    error: str | None             # why the last sync failed
    retry_at: float | None        # when the next automatic try is (after a failure)
    paused: str | None            # why syncing waits for the user (the password)
    held: int                     # feeds unsubscribed elsewhere waiting for an answer
    off: str | None               # why sync cannot run at all here


class Sync:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.settings = SyncSettings.from_table(host.services.config["sync"])
        self.stopping = threading.Event()  # set when the screen closes: ends a sync
        self.idle = threading.Event()      # no sync thread is running
        self.idle.set()
        self.running = False
        self._fetching = 0
        self._last_success_at: float | None = None
        self._error: str | None = None
        self._retry_at: float | None = None
        self._paused: str | None = None
        self._off: str | None = None
        self._held = 0
        self._password: str | None = None    # typed this session; never stored
        self._asked = False
        self._postponed: set[str] = set()    # removals answered "later" this session
        self._notified: str | None = None    # the failure last notified
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- what the screen asks ---------------------------------------------------------
    @property
    def unavailable(self) -> str | None:
        """Why "sync now" does nothing (None: it works)."""
        if not self.settings.configured:
            return "sync is not set up (run `podterm sync login`)"
        if self.host.services.librarian.read_only:
            return "the library is read-only"
        return None

    def view(self) -> SyncView | None:
        """The status line's contents; None when sync is not set up."""
        if not self.settings.configured:
            return None
        return SyncView(self.running, self._fetching, self._last_success_at, self._error,
                        self._retry_at, self._paused, self._held, self._off)

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """Sync now and then every ``interval_min`` (if sync is set up)."""
        if self.settings.configured:
            self.host.run_worker(self._schedule(), group="sync", exit_on_error=False)

    def sync_now(self) -> None:
        """Sync now, or right after the sync that is running (it may have started before
        the change you want to send)."""
        if self._wake is None:
            return  # not started: the library is still opening, or read-only
        if self.running:
            self.host.notify("A sync is running; another one starts when it ends.",
                             markup=False)
        self._wake.set()

    def stop(self) -> None:
        """The screen is closing: end a running sync and its questions at once."""
        self.stopping.set()

    async def _schedule(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if await self.host.services.librarian.open():
            self._off = "the library is read-only"
            self._changed()
            return
        await self._load_status()
        manual = False
        while not self.stopping.is_set():
            try:
                report = await self._sync_once(manual)
            except WorkerCancelled:
                return  # the screen is closing
            manual = await self._wait(self._next_delay(report))

    async def _load_status(self) -> None:
        """When the last sync (of an earlier session) worked, for the line."""
        try:
            settings = self.settings.checked()
        except SyncError:
            return  # the sync itself says what is wrong
        from library.sync.engine import status

        before = await self.host.services.librarian.run(status, settings)
        self._last_success_at = before.last_success_at

    async def _wait(self, delay: float | None) -> bool:
        """Sleep ``delay`` seconds (None: until the key); True if the key woke us."""
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), delay)
        except TimeoutError:
            return False
        self._wake.clear()
        return True

    def _next_delay(self, report: SyncReport | None) -> float | None:
        interval = self.settings.interval_min * 60
        if report is None or not interval:
            return None  # paused for the password, or no background sync: the key only
        if self._retry_at is not None:
            return max(0.0, self._retry_at - time.time())
        return interval

    # -- one sync -----------------------------------------------------------------------
    async def _sync_once(self, manual: bool) -> SyncReport | None:
        settings = await self._settings_with_password(manual)
        if settings is None:
            return None
        self.running, self._fetching = True, 0
        self.idle.clear()
        self._changed()
        try:
            worker = self.host.run_worker(partial(self._run, settings, manual), thread=True,
                                          group="sync-thread", exit_on_error=False)
            report: SyncReport = await worker.wait()
        finally:
            self.running, self._fetching = False, 0
        self._finished(report, manual)
        return report

    async def _settings_with_password(self, manual: bool) -> SyncSettings | None:
        settings = self.settings
        if settings.password or settings.password_command:
            return settings
        if self._password is None:
            if self._asked and not manual:
                return None  # asked once this session: the timer does not ask again
            self._asked = True
            from tui.screens.sync import PasswordDialog

            typed = await self.host.push_screen_wait(
                PasswordDialog(settings.username, settings.server))
            if not typed:
                self._paused = "no password"
                self._changed()
                return None
            self._password = typed
        self._paused = None
        return replace(settings, password=self._password)

    def _run(self, settings: SyncSettings, manual: bool) -> SyncReport:
        """The sync itself, on a worker thread: reports only through its result and
        posted messages."""
        from library.sync.engine import SyncReport, sync
        from library.sync.stoppable import StoppableTransport, stoppable_sleep

        try:
            return sync(self.host.services.paths.database, settings,
                        decide_removal=partial(self._decide_removal, manual),
                        fetch_new=self._fetch_new, sleep=stoppable_sleep(self.stopping),
                        transport=StoppableTransport(self.stopping))
        except Exception as exc:  # a bug, or the refresh process failing: say so, go on
            log.exception("sync failed")
            return SyncReport(errors=[f"{type(exc).__name__}: {exc}"])
        finally:
            self.idle.set()

    def _fetch_new(self, database: Path, feed_ids: list[int]) -> list[FeedOutcome]:
        """The engine's ``fetch_new``: the TUI's refresh, on this thread."""
        from library.archive import ArchiveRule
        from library.isolated import refresh_isolated
        from library.refreshsettings import RefreshSettings

        config = self.host.services.config
        self._fetching = len(feed_ids)
        self._changed()
        return refresh_isolated(database, feed_ids,
                                RefreshSettings.from_table(config["refresh"]),
                                rule=ArchiveRule.from_table(config["health"]),
                                stop=self.stopping)

    def _decide_removal(self, manual: bool, question: RemovalQuestion) -> bool | None:
        """The engine's ``decide_removal``, on the sync's thread: a dialog on the UI."""
        from tui.screens.sync import RemovalDialog

        if not manual and question.url in self._postponed:
            return None
        answer = self._ask(RemovalDialog(question))
        if answer is None:
            self._postponed.add(question.url)
        else:
            self._postponed.discard(question.url)
        return answer

    def _ask(self, dialog: Dialog[T]) -> T | None:
        """Show ``dialog`` and wait for its answer, from a thread (None: not answered,
        also when the screen closes meanwhile)."""
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()
        if self._loop is None or self.stopping.is_set():
            return None
        try:
            self._loop.call_soon_threadsafe(self._open, dialog, answer)
        except RuntimeError:  # the event loop has closed
            return None
        while not self.stopping.is_set():
            try:
                return answer.result(timeout=ANSWER_POLL_S)
            except concurrent.futures.TimeoutError:
                continue
        return None

    def _open(self, dialog: Dialog[Any], answer: concurrent.futures.Future[Any]) -> None:
        async def ask() -> None:
            result = None
            try:
                result = await self.host.push_screen_wait(dialog)
            finally:
                answer.set_result(result)

        self.host.run_worker(ask(), group="sync-question", exit_on_error=False)

    # -- the outcome --------------------------------------------------------------------
    def _finished(self, report: SyncReport, manual: bool) -> None:
        from library.sync.client import AUTH_REFUSED

        if report.ok or report.held:  # a sync that failed early did not get to ask
            self._held = len(report.held)
        if report.ok:
            self._last_success_at, self._error, self._retry_at = time.time(), None, None
            self._notified = None
        else:
            self._error = report.errors[-1]
            self._retry_at = report.retry_at if self.settings.interval_min else None
            if AUTH_REFUSED in report.errors and self._password is not None:
                self._password = None  # typed wrong: the next sync you start asks again
                self._paused, self._retry_at = "the server refused the password", None
            self._notify_errors(report, manual)
        if report.subscriptions_added or report.subscriptions_removed or \
                report.episodes_applied:
            self.host.post_message(LibraryChanged())
        self._notify_summary(report, manual)
        self._changed()

    def _notify_errors(self, report: SyncReport, manual: bool) -> None:
        """Each new failure once (the status line keeps showing it); every one the user
        asked for."""
        if not manual and report.errors[-1] == self._notified:
            return
        self._notified = report.errors[-1]
        lines = [f"• {error}" for error in report.errors[:ERRORS_LISTED]]
        if len(report.errors) > ERRORS_LISTED:
            lines.append(f"… and {len(report.errors) - ERRORS_LISTED} more")
        self.host.notify("\n".join(lines) + "\nNothing was lost: waiting changes go with "
                         "the next sync.", title="Sync failed", severity="error",
                         timeout=15, markup=False)

    def _notify_summary(self, report: SyncReport, manual: bool) -> None:
        """What came from other devices; after a sync the user asked for, also that
        it worked."""
        parts = []
        if report.subscriptions_added:
            parts.append(f"{plural(report.subscriptions_added, 'feed')} added")
        if report.subscriptions_removed:
            parts.append(f"{plural(report.subscriptions_removed, 'feed')} removed")
        if manual and report.episodes_applied:
            parts.append(f"{plural(report.episodes_applied, 'episode')} updated")
        if parts:
            self.host.notify(f"From other devices: {', '.join(parts)}.", title="Synced",
                             markup=False)
        elif manual and report.ok:
            sent = report.subscriptions_uploaded + report.episodes_uploaded
            self.host.notify(f"Nothing new from other devices; {plural(sent, 'change')} "
                             "uploaded.", title="Synced", markup=False)

    def _changed(self) -> None:
        self.host.post_message(SyncChanged())
