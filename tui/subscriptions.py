"""Changing the subscriptions from the TUI: add, import, export, remove, refresh.

Each flow runs in a worker of the owning screen: it asks with a dialog (awaited with
``push_screen_wait``), does the work off the UI loop (the librarian's thread, a plain
thread for files, a thread worker for refreshes) and reports with a notification, a
dialog or a message. Refresh progress arrives as messages posted from the worker.

The modules that fetch, parse, refresh and read OPML are imported by the flows that
use them (a refresh imports them on its own thread), not with this module: the first
screen does not wait for them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Coroutine

from rich.text import Text

from library.feeds import active_feed_ids, remove_feed
from library.models import Feed
from library.urls import UnsupportedURL
from library.text import plural
from tui.downloads import Downloads
from tui.messages import FeedsChanged, RefreshFinished, RefreshProgress, RefreshStarted
from tui.services import Host
from tui.terminal import start_resource_tracker

if TYPE_CHECKING:
    from library.refresh import FeedOutcome
    from library.subscribe import Subscribed

log = logging.getLogger(__name__)

EXPORT_DEFAULT = "~/podterm-subscriptions.opml"
FAILURES_LISTED = 8


class Subscriptions:
    def __init__(self, host: Host, downloads: Downloads) -> None:
        self.host = host
        self.downloads = downloads  # asked about a removed show's files
        self.refreshing = False
        self.stopping = threading.Event()  # set when the screen closes: ends a refresh
        self._automatic = False
        self._failed: list[FeedOutcome] = []
        self._imported: list[int] = []  # an import's new feeds, until its refresh ends

    @property
    def _librarian(self):
        return self.host.services.librarian

    # -- add ------------------------------------------------------------------------
    def add(self) -> None:
        self._work(self._ask_and_add())

    async def _ask_and_add(self) -> None:
        from tui.screens.dialogs import PromptDialog

        url = await self.host.push_screen_wait(
            PromptDialog("Add a feed", "The address of the podcast's RSS or Atom feed:",
                         placeholder="https://example.org/feed.xml"))
        if url:
            await self._add(url)

    def subscribe(self, url: str, title: str = "", itunes_id: str | None = None) -> None:
        """Add a show found in a directory."""
        self._work(self._add(url, title, itunes_id))

    async def _add(self, url: str, title: str = "", itunes_id: str | None = None) -> None:
        """Fetch first, subscribe only to a feed (or the feed a web page names), never
        twice; a feed that is down for now is subscribed only if the user says so."""
        from library.subscribe import AlreadySubscribed, NotSubscribed
        from tui.screens.dialogs import ConfirmDialog

        self.host.notify(f"Checking {url} …", markup=False)
        try:
            try:
                done = await self._subscribe(url, title, itunes_id, force=False)
            except AlreadySubscribed:
                raise
            except NotSubscribed as exc:
                if not exc.can_force or not await self.host.push_screen_wait(ConfirmDialog(
                        "Not a usable feed now", Text(f"{exc}.\n\nSubscribe anyway, as a "
                                                      "feed that is down for now?"))):
                    raise
                done = await self._subscribe(url, title, itunes_id, force=True)
        except AlreadySubscribed as exc:
            self.host.notify(f"You are already subscribed: {exc.duplicate.describe()}.",
                             markup=False)
            self.host.post_message(FeedsChanged(select=exc.duplicate.of))
            return
        except (NotSubscribed, UnsupportedURL) as exc:
            self.host.notify(str(exc), title="Cannot add this feed", severity="error",
                             markup=False)
            return
        if done.page_url:
            self.host.notify(f"{done.page_url} is a web page; subscribed to the feed it "
                             f"names: {done.url}", markup=False)
        self.host.notify(f"Added {done.title}" + (f": fetching it failed: {done.error}"
                                                  if done.error else
                                                  f" ({plural(done.new_episodes, 'episode')})."),
                         markup=False)
        self.host.post_message(FeedsChanged(select=done.feed_id))

    async def _subscribe(self, url: str, title: str, itunes_id: str | None,
                         force: bool) -> Subscribed:
        from library.refreshsettings import RefreshSettings
        from library.subscribe import subscribe

        services = self.host.services
        return await asyncio.to_thread(
            subscribe, services.paths.database, url,
            RefreshSettings.from_table(services.config["refresh"]), title=title,
            itunes_id=itunes_id, force=force)

    # -- import / export ------------------------------------------------------------
    def import_opml(self) -> None:
        self._work(self._import())

    async def _import(self) -> None:
        from library.importer import import_opml, read_opml_file
        from tui.screens.opml import ImportReportDialog, PathPromptDialog

        # The file is read inside the dialog: a missing file or one that is not OPML
        # keeps the dialog open with the name as typed and the reason.
        found = await self.host.push_screen_wait(PathPromptDialog(
            "Import subscriptions",
            "The OPML file exported by your other podcast app (tab completes the name):",
            check=lambda path: (path, read_opml_file(path))))
        if not found:
            return
        path, document = found
        report = await self._librarian.run(import_opml, document)
        self.host.post_message(FeedsChanged())
        if report.added_ids:
            self._imported = list(report.added_ids)
            self.refresh(report.added_ids)
        await self.host.push_screen_wait(ImportReportDialog(path, report))

    def export_opml(self) -> None:
        self._work(self._export())

    async def _export(self) -> None:
        from library.importer import export_library
        from tui.screens.dialogs import ConfirmDialog, MessageDialog
        from tui.screens.opml import PathPromptDialog

        typed = await self.host.push_screen_wait(PathPromptDialog(
            "Export subscriptions",
            "Write an OPML file with every subscription to (tab completes the name):",
            EXPORT_DEFAULT))
        if not typed:
            return
        path = Path(typed).expanduser()
        if await asyncio.to_thread(path.is_dir):
            path = path / Path(EXPORT_DEFAULT).name
        if await asyncio.to_thread(path.exists):
            question = Text(f"{path} exists. Replace it?")
            if not await self.host.push_screen_wait(ConfirmDialog("Replace file?", question)):
                return
        document, count = await self._librarian.run(export_library)
        try:
            await asyncio.to_thread(path.write_bytes, document)
        except OSError as exc:
            await self.host.push_screen_wait(MessageDialog(
                "Cannot export", f"Cannot write {path}: {exc.strerror or exc}"))
            return
        self.host.notify(f"Exported {plural(count, 'subscription')} to {path}", markup=False)

    # -- remove ---------------------------------------------------------------------
    def remove(self, feed: Feed | None) -> None:
        if feed is not None:
            self._work(self._remove(feed))

    async def _remove(self, feed: Feed) -> None:
        question = Text("Unsubscribe from ")
        question.append(feed.display_title, style="bold")
        question.append(f" and forget its {plural(feed.episode_count, 'episode')}, with "
                        "what you played of them?")
        downloads = await self.downloads.before_remove(feed, question)
        if downloads is None:
            return
        await self._librarian.run(remove_feed, feed.id)
        self.host.notify(f"Removed {feed.display_title}.{downloads}", markup=False)
        self.host.post_message(FeedsChanged())

    # -- refresh --------------------------------------------------------------------
    def refresh_feed(self, feed: Feed | None) -> None:
        if feed is not None:
            self.refresh([feed.id])

    def refresh(self, feed_ids: list[int] | None = None, *, automatic: bool = False) -> None:
        """Check ``feed_ids`` (None: every active feed, as the library lists them now, so
        feeds added from the command line meanwhile are included)."""
        if self.refreshing:
            if not automatic:
                self.host.notify("A refresh is already running; try again when it is done.",
                                 severity="warning")
            return
        self.refreshing, self._automatic, self._failed = True, automatic, []
        self._work(self._start_refresh(feed_ids))

    async def _start_refresh(self, feed_ids: list[int] | None) -> None:
        if feed_ids is None:
            feed_ids = await self._librarian.run(active_feed_ids)
        if not feed_ids:
            self.refreshing = False
            return
        self.host.post_message(RefreshStarted(len(feed_ids)))
        start_resource_tracker()  # for the refresh's child process
        self.host.run_worker(lambda: self._run_refresh(feed_ids), thread=True,
                             group="refresh", exit_on_error=False)

    def _run_refresh(self, feed_ids: list[int]) -> None:
        """Runs on a worker thread; reports only through posted messages.

        The refresh itself runs in a child process, so that its HTTP, decompression and
        SQLite work never holds this process's GIL while the UI wants to draw.
        """
        from library.archive import ArchiveRule
        from library.isolated import refresh_isolated
        from library.refreshsettings import RefreshSettings

        services = self.host.services
        config = services.config
        try:
            outcomes = refresh_isolated(
                services.paths.database, feed_ids,
                RefreshSettings.from_table(config["refresh"]),
                lambda o, done, total: self.host.post_message(RefreshProgress(o, done, total)),
                rule=ArchiveRule.from_table(config["health"]), stop=self.stopping)
        except Exception as exc:
            log.exception("refresh failed")
            self.host.post_message(RefreshFinished([], exc))
            return
        self.host.post_message(RefreshFinished(outcomes))

    def progress(self, message: RefreshProgress) -> None:
        if message.outcome.outcome == "failed":
            self._failed.append(message.outcome)

    def finished(self, message: RefreshFinished) -> None:
        self.refreshing = False
        if self._imported:  # only now are their podcast:guid and self links known
            imported, self._imported = self._imported, []
            self._work(self._drop_duplicates(imported))
        if message.error is not None:
            self.host.notify(f"{message.error}", title="Refresh failed", severity="error",
                             markup=False)
            return
        outcomes = message.outcomes
        updated = [o for o in outcomes if o.outcome == "updated"]
        new = sum(o.new_episodes for o in updated)
        if self._automatic and not new and not self._failed:
            return  # a routine refresh that found nothing: no need to interrupt
        archived = [o for o in self._failed if o.archived]
        summary = (f"{plural(len(outcomes), 'feed')} checked: {len(updated)} updated "
                   f"({plural(new, 'new episode')}), {len(self._failed)} failed"
                   + (f", {len(archived)} of them archived." if archived else "."))
        waiting = sum(o.outcome == "skipped" for o in outcomes)
        if waiting:
            summary += f" {waiting} not asked: the server asked podterm to wait."
        if not self._failed:
            self.host.notify(summary, title="Refresh done", markup=False)
            return
        # Archived feeds first: they will not be checked again, so they must not slip by.
        failed = archived + [o for o in self._failed if not o.archived]
        lines = [f"• {o.title} archived: {o.archived_because}" if o.archived
                 else f"• {o.title}: {o.error}" for o in failed[:FAILURES_LISTED]]
        if len(failed) > FAILURES_LISTED:
            lines.append(f"… and {len(failed) - FAILURES_LISTED} more (marked ! or ⊘ in "
                         "the list)")
        if archived:
            lines.append("Archived feeds are no longer checked: select one to see what "
                         "you can do.")
        title = (f"Refresh done: {plural(len(archived), 'feed')} archived" if archived
                 else "Refresh done, with failures")
        self.host.notify("\n".join([summary, *lines]), title=title, severity="warning",
                         timeout=20 if archived else 15, markup=False)

    async def _drop_duplicates(self, feed_ids: list[int]) -> None:
        from library.duplicates import drop_duplicates

        dropped = await self._librarian.run(drop_duplicates, feed_ids)
        if dropped:
            lines = [f"• {d.url}: {d.describe()}" for d in dropped[:FAILURES_LISTED]]
            self.host.notify("\n".join([f"{plural(len(dropped), 'imported feed')} "
                                         "unsubscribed again:", *lines]),
                             title="Duplicates", timeout=15, markup=False)
            self.host.post_message(FeedsChanged())

    def stop(self) -> None:
        """End a running refresh (the screen is closing)."""
        self.stopping.set()

    def _work(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self.host.run_worker(coroutine, group="subscriptions", exit_on_error=False)
