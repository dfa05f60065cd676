"""Changing the subscriptions from the TUI: add, import, export, remove, refresh.

Each flow asks with a dialog, then does the work off the UI loop (the librarian's
thread, a plain thread for files, a thread worker for refreshes) and reports back with a
notification or a dialog. Refresh progress arrives as messages posted from the worker.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from library.feeds import add_feed, remove_feed
from library.importer import export_library, import_opml, read_opml_file
from library.models import Feed
from library.opml import OpmlError
from library.archive import ArchiveRule
from library.isolated import refresh_isolated
from library.refresh import FeedOutcome, RefreshSettings
from library.urls import UnsupportedURL
from tui.messages import RefreshFinished, RefreshProgress
from tui.screens.dialogs import ConfirmDialog, MessageDialog, PromptDialog
from tui.screens.opml import ImportReportDialog, PathPromptDialog
from tui.widgets.status import RefreshStatus

if TYPE_CHECKING:
    from tui.app import PodtermApp

log = logging.getLogger(__name__)

EXPORT_DEFAULT = "~/podterm-subscriptions.opml"
FAILURES_LISTED = 8
RELOAD_DURING_REFRESH_S = 5.0


class Subscriptions:
    def __init__(self, app: "PodtermApp") -> None:
        self.app = app
        self.refreshing = False
        self.stopping = threading.Event()  # set when the app quits: ends a running refresh
        self._failed: list[FeedOutcome] = []
        self._last_reload = 0.0

    # -- add ------------------------------------------------------------------------
    def add(self) -> None:
        self.app.push_screen(
            PromptDialog("Add a feed", "The address of the podcast's RSS or Atom feed:",
                         placeholder="https://example.org/feed.xml"),
            lambda url: url and self._work(self._add(url)))

    def subscribe(self, url: str, title: str = "", itunes_id: str | None = None) -> None:
        """Add a show found in a directory, and fetch it."""
        self._work(self._add(url, title, itunes_id))

    async def _add(self, url: str, title: str = "", itunes_id: str | None = None) -> None:
        try:
            feed_id, added = await self.app.librarian.run(add_feed, url, title, "", None,
                                                          itunes_id)
        except UnsupportedURL as exc:
            self.app.notify(str(exc), title="Cannot add this feed", severity="error",
                            markup=False)
            return
        self.app.load_feeds(select=feed_id)
        if added:
            self.refresh([feed_id])
        else:
            self.app.notify("You are already subscribed to this feed.", markup=False)

    # -- import / export ------------------------------------------------------------
    def import_opml(self) -> None:
        self.app.push_screen(
            PathPromptDialog("Import subscriptions",
                             "The OPML file exported by your other podcast app "
                             "(tab completes the name):"),
            lambda typed: typed and self._work(self._import(typed)))

    async def _import(self, typed: str) -> None:
        path = Path(typed).expanduser()
        try:
            document = await asyncio.to_thread(read_opml_file, path)
        except OpmlError as exc:
            self.app.push_screen(MessageDialog("Cannot import", str(exc)))
            return
        report = await self.app.librarian.run(import_opml, document)
        self.app.push_screen(ImportReportDialog(path, report))
        self.app.load_feeds()
        if report.added_ids:
            self.refresh(report.added_ids)

    def export_opml(self) -> None:
        self.app.push_screen(
            PathPromptDialog("Export subscriptions", "Write an OPML file with every "
                             "subscription to (tab completes the name):", EXPORT_DEFAULT),
            lambda typed: typed and self._work(self._export(typed)))

    async def _export(self, typed: str) -> None:
        path = Path(typed).expanduser()
        if await asyncio.to_thread(path.is_dir):
            path = path / Path(EXPORT_DEFAULT).name
        if await asyncio.to_thread(path.exists):
            question = Text(f"{path} exists. Replace it?")
            if not await self.app.push_screen_wait(ConfirmDialog("Replace file?", question)):
                return
        document, count = await self.app.librarian.run(export_library)
        try:
            await asyncio.to_thread(path.write_bytes, document)
        except OSError as exc:
            self.app.push_screen(MessageDialog("Cannot export",
                                               f"Cannot write {path}: {exc.strerror or exc}"))
            return
        self.app.notify(f"Exported {count} subscriptions to {path}", markup=False)

    # -- remove ---------------------------------------------------------------------
    def remove(self, feed: Feed) -> None:
        question = Text("Unsubscribe from ")
        question.append(feed.display_title, style="bold")
        question.append(f" and forget its {feed.episode_count} episodes, with what you "
                        "played of them?")
        self.app.push_screen(ConfirmDialog("Remove feed", question),
                             lambda yes: yes and self._work(self._remove(feed)))

    async def _remove(self, feed: Feed) -> None:
        await self.app.librarian.run(remove_feed, feed.id)
        self.app.notify(f"Removed {feed.display_title}.", markup=False)
        self.app.load_feeds()

    # -- refresh --------------------------------------------------------------------
    def refresh(self, feed_ids: list[int]) -> None:
        if not feed_ids:
            return
        if self.refreshing:
            self.app.notify("A refresh is already running; try again when it is done.",
                            severity="warning")
            return
        self.refreshing, self._failed = True, []
        status = self.app.query_one(RefreshStatus)
        status.show_progress(0, len(feed_ids), 0, "")
        status.display = True
        self.app.update_key_hints()
        self.app.run_worker(lambda: self._run_refresh(feed_ids), thread=True,
                            group="refresh", exit_on_error=False)

    def _run_refresh(self, feed_ids: list[int]) -> None:
        """Runs on a worker thread; reports only through posted messages.

        The refresh itself runs in a child process, so that its HTTP, decompression and
        SQLite work never holds this process's GIL while the UI wants to draw.
        """
        config = self.app.config
        try:
            outcomes = refresh_isolated(
                self.app.paths.database, feed_ids, RefreshSettings.from_table(config["refresh"]),
                lambda o, done, total: self.app.post_message(RefreshProgress(o, done, total)),
                rule=ArchiveRule.from_table(config["health"]), stop=self.stopping)
        except Exception as exc:
            log.exception("refresh failed")
            self.app.post_message(RefreshFinished([], exc))
            return
        self.app.post_message(RefreshFinished(outcomes))

    def progress(self, message: RefreshProgress) -> None:
        outcome = message.outcome
        if outcome.outcome == "failed":
            self._failed.append(outcome)
        self.app.query_one(RefreshStatus).show_progress(
            message.done, message.total, len(self._failed), outcome.title)
        if outcome.outcome == "updated":
            if outcome.feed_id == self.app.selected_feed_id:
                self.app.load_episodes(keep=self.app.query_one("#episodes").highlighted_id)
            if time.monotonic() - self._last_reload > RELOAD_DURING_REFRESH_S:
                self._last_reload = time.monotonic()
                self.app.load_feeds()

    def finished(self, message: RefreshFinished) -> None:
        self.refreshing = False
        self.app.query_one(RefreshStatus).display = False
        self.app.load_feeds()
        self.app.update_key_hints()
        if message.error is not None:
            self.app.notify(f"{message.error}", title="Refresh failed", severity="error",
                            markup=False)
            return
        outcomes = message.outcomes
        updated = [o for o in outcomes if o.outcome == "updated"]
        new = sum(o.new_episodes for o in updated)
        summary = (f"{len(outcomes)} feeds checked: {len(updated)} updated "
                   f"({new} new episodes), {len(self._failed)} failed.")
        if not self._failed:
            self.app.notify(summary, title="Refresh done", markup=False)
            return
        lines = [f"• {o.title}: {o.error}" for o in self._failed[:FAILURES_LISTED]]
        if len(self._failed) > FAILURES_LISTED:
            lines.append(f"… and {len(self._failed) - FAILURES_LISTED} more (marked ! in the list)")
        self.app.notify("\n".join([summary, *lines]), title="Refresh done, with failures",
                        severity="warning", timeout=15, markup=False)

    def _work(self, coroutine) -> None:
        self.app.run_worker(coroutine, group="subscriptions", exit_on_error=False)
