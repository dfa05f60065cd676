"""Downloads in the TUI: one background downloader for the session, the marks and the
status line its events drive, the keys that act on one episode, the library's rules
after each refresh, and a removed show's files.

The :class:`library.downloader.Downloader` runs on a thread of its own (its own event
loop, HTTP client and SQLite connection). It is created the first time something is
downloaded and closed when podterm quits. Its events cross into Textual only as
:class:`~tui.messages.DownloadReported` messages (``post_message`` is thread-safe and
never blocks); the owning screen hands each back to :meth:`Downloads.handle` on the UI
loop and redraws the rows it names. Library work runs on the librarian's thread.

Quitting stops the running downloads and records them as interrupted, as a crash would
be: the next download of the episode (or auto-download after a refresh) resumes them.
A download the user stopped with the cancel key stays cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import TYPE_CHECKING, Any, Coroutine, Iterable

from rich.text import Text
from textual.keys import format_key

from library.config import ConfigError
from library.download_actions import (delete_downloads, delete_feed_downloads, delete_one,
                                      files_of_feed, mark_interrupted, room_for)
from library.download_rules import auto_downloads, tidy
from library.downloads import BUSY, Download, DownloadSettings, list_downloads
from library.models import Episode, Feed
from library.text import clean_line, plural
from tui import heap
from tui.download_batch import Batch, DownloadsView, download_mark, human_size
from tui.messages import DownloadReported, DownloadsChanged
from tui.services import Host

if TYPE_CHECKING:  # the downloader and its HTTP client load with the first download
    from library.downloader import Downloader, DownloadEvent, DownloadStatus

log = logging.getLogger(__name__)

DOWNLOAD_KEY = "D"
FAILURES_LISTED = 8
STOP_WAIT_S = 30.0   # how long removing a show waits for its downloads to stop


class Downloads:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.known: dict[int, DownloadStatus] = {}   # the last word on each episode shown
        self.batch = Batch()
        self._mine: dict[int, bool] = {}    # queued or running here -> the user asked for it
        self._cancelled: set[int] = set()   # stopped by the user (not interrupted by quit)
        self._stopped: dict[int, asyncio.Event] = {}
        self._declined: set[int] = set()    # auto-downloads the user gave no room for
        self._downloader: Downloader | None = None
        self._starting = asyncio.Lock()
        self._settings: DownloadSettings | None = None
        self._problem: str | None = None
        self._closed = False

    # -- settings and the downloader ------------------------------------------------
    @property
    def settings(self) -> DownloadSettings | None:
        """The ``[downloads]`` table; None (and :attr:`problem` says why) if it is wrong."""
        if self._settings is None and self._problem is None:
            services = self.host.services
            try:
                self._settings = DownloadSettings.from_config(services.config["downloads"],
                                                              services.paths)
            except ConfigError as exc:
                self._problem = str(exc)
        return self._settings

    @property
    def problem(self) -> str | None:
        """Why nothing can be downloaded (None: downloads work)."""
        return None if self.settings is not None else self._problem

    async def _start(self) -> Downloader | None:
        """The session's downloader, started on first use (its thread connects to the
        library and makes its HTTP client: not on the UI loop)."""
        from library.downloader import Downloader

        async with self._starting:
            if self._downloader is not None or self._closed:
                return self._downloader
            settings = self.settings
            if settings is None:
                self.host.notify(f"Cannot download: {self._problem}", severity="error",
                                 markup=False)
                return None
            try:
                downloader = await asyncio.to_thread(
                    Downloader, self.host.services.paths.database, settings, self._bridge)
            except (OSError, sqlite3.Error, ValueError) as exc:
                log.exception("the downloader did not start")
                self.host.notify(f"Cannot download: {exc}", severity="error", markup=False)
                return None
            if self._closed:  # podterm quit while it started
                await asyncio.to_thread(downloader.close)
                return None
            self._downloader = downloader
            heap.freeze_long_lived()  # with its HTTP client and the modules it loaded
            return downloader

    def _bridge(self, event: DownloadEvent) -> None:
        """The downloader's listener; runs on the downloader's thread."""
        self.host.post_message(DownloadReported(event))

    async def shutdown(self) -> None:
        """Before the app quits (and the librarian closes): stop the downloads, and record
        the ones that were running or queued as interrupted, to resume next time."""
        self._closed = True
        downloader, self._downloader = self._downloader, None
        if downloader is None:
            return
        interrupted = [i for i in self._mine if i not in self._cancelled]
        await asyncio.to_thread(downloader.close)
        if interrupted and not self.host.services.librarian.read_only:
            await self.host.services.librarian.run(mark_interrupted, interrupted)

    def stop(self) -> None:
        """The screen closes without a quit: end the downloader's thread (the .part
        files stay)."""
        self._closed = True
        downloader, self._downloader = self._downloader, None
        if downloader is not None:
            downloader.close()

    # -- what the screen shows ------------------------------------------------------
    def mark(self, episode_id: int) -> Text:
        return download_mark(self.known.get(episode_id))

    def view(self) -> DownloadsView | None:
        """The status line's contents while downloads are queued or run here."""
        return self.batch.view() if self._mine else None

    def loaded(self, episode_ids: Iterable[int], statuses: list[DownloadStatus]) -> list[int]:
        """The library's word on the downloads of the episodes just loaded (what this
        session's downloader reports is fresher); returns the episodes whose status
        changed, whose rows must be drawn again."""
        rows = {status.episode_id: status for status in statuses}
        changed = []
        for episode_id in episode_ids:
            if episode_id in self._mine:
                continue
            status = rows.get(episode_id)
            if self.known.get(episode_id) != status:
                changed.append(episode_id)
                if status is None:
                    del self.known[episode_id]
                else:
                    self.known[episode_id] = status
        return changed

    def handle(self, event: DownloadEvent) -> list[int]:
        """A downloader event, on the UI loop: remember it and tell the user what they
        need to know; returns the episodes whose rows changed."""
        from library.downloader import DownloadRemoved

        if self._closed:
            return []
        episode_id = event.episode_id
        if isinstance(event, DownloadRemoved):
            self.known.pop(episode_id, None)
            self.host.notify(f"{event.title}: {event.reason}.", title="Download deleted",
                             markup=False)
            return [episode_id]
        self.known[episode_id] = event
        self.batch.update(event)
        if event.state in BUSY:
            return [episode_id]
        asked = self._mine.pop(episode_id, None)
        self._cancelled.discard(episode_id)
        stopped = self._stopped.pop(episode_id, None)
        if stopped is not None:
            stopped.set()
        if event.state == "failed":
            if asked:
                self.host.notify(f"{event.title}: {event.error or 'failed'}\n"
                                 f"{self._key()} tries again.", title="Download failed",
                                 severity="error", timeout=10, markup=False)
            else:
                self.batch.quiet.add(episode_id)
        if not self._mine:
            self._end_batch()
        return [episode_id]

    def _end_batch(self) -> None:
        """Nothing is queued or running any more: one summary of what happened."""
        batch, self.batch = self.batch, Batch()
        done, failed = batch.of_state("done"), batch.of_state("failed")
        quiet = [status for status in failed if status.episode_id in batch.quiet]
        if not done and not quiet:
            return  # only stopped, or one failure already told
        size = human_size(sum(status.bytes for status in done))
        if len(batch.entries) == 1:
            summary = f"Downloaded {done[0].title} ({size})." if done else ""
        else:
            summary = (f"Downloaded {len(done)} of {plural(len(batch.entries), 'episode')} "
                       f"({size})" + (f"; {len(failed)} failed." if failed else "."))
        lines = [f"• {status.title}: {status.error}" for status in quiet[:FAILURES_LISTED]]
        if len(quiet) > FAILURES_LISTED:
            lines.append(f"… and {len(quiet) - FAILURES_LISTED} more (marked ↓✗ in the list)")
        if quiet:
            lines.append(f"{self._key()} on an episode tries again.")
        self.host.notify("\n".join(line for line in (summary, *lines) if line),
                         title="Downloads", severity="warning" if failed else "information",
                         timeout=15 if failed else 5, markup=False)

    def _key(self) -> str:
        keys = self.host.services.keymap.get("download", DOWNLOAD_KEY)
        return format_key(keys.split(",")[0].strip())

    # -- whether the keys apply to the highlighted episode ---------------------------
    def why_not_download(self, episode: Episode) -> str | None:
        if self.problem:
            return self.problem
        if not episode.enclosure_url:
            return "the episode has no audio file"
        status = self.known.get(episode.id)
        if episode.id in self._mine:
            return "it is being downloaded"
        if status is not None and status.state == "done":
            return "it is downloaded already"
        if status is not None and status.state in BUSY:
            return "another podterm is downloading it"
        return None

    def why_not_cancel(self, episode: Episode) -> str | None:
        if episode.id not in self._mine:
            return "it is not being downloaded here"
        return "the downloader is still starting" if self._downloader is None else None

    def why_not_delete(self, episode: Episode) -> str | None:
        status = self.known.get(episode.id)
        if status is None:
            return "it has no downloaded file"
        if episode.id in self._mine or status.state in BUSY:
            return "it is being downloaded; stop it first"
        return None

    # -- commands -------------------------------------------------------------------
    def _refused(self, what: str, reason: str | None) -> bool:
        if reason:
            self.host.notify(f"{what}: not now, {reason}.", markup=False)
        return bool(reason)

    def download(self, episode: Episode | None) -> None:
        """Download (or resume, or retry) ``episode``."""
        if episode is None or self._refused("Download", self.why_not_download(episode)):
            return
        self._mine[episode.id] = True
        self._work(self._queue([episode.id]))

    async def _queue(self, episode_ids: list[int]) -> None:
        downloader = await self._start()
        if downloader is None:
            for episode_id in episode_ids:
                self._mine.pop(episode_id, None)
            self.host.post_message(DownloadsChanged(episode_ids))
            return
        try:
            downloader.add(episode_ids)
        except RuntimeError:  # closed meanwhile: podterm is quitting
            pass

    def cancel(self, episode: Episode | None) -> None:
        """Stop ``episode``'s download; its .part stays, and downloading it again resumes."""
        if episode is None or self._refused("Stop download", self.why_not_cancel(episode)):
            return
        assert self._downloader is not None
        self._cancelled.add(episode.id)
        self._downloader.cancel(episode.id)

    def delete(self, episode: Episode | None) -> None:
        """Delete ``episode``'s downloaded (or partial) file, after asking."""
        if episode is None or self._refused("Delete file", self.why_not_delete(episode)):
            return
        self._work(self._delete(episode))

    async def _delete(self, episode: Episode) -> None:
        from tui.screens.dialogs import ConfirmDialog

        status = self.known[episode.id]
        question = Text(f"Delete the {'' if status.state == 'done' else 'partly '}"
                        "downloaded file of ")
        question.append(clean_line(episode.title), style="bold")
        question.append(f" ({human_size(status.bytes)})?")
        if status.state == "done" and not episode.played:
            question.append(" You have not played it yet.")
        if not await self.host.push_screen_wait(ConfirmDialog("Delete download", question)):
            return
        problem = await self.host.services.librarian.run(delete_one, episode.id)
        if problem:
            self.host.notify(problem, title="Not deleted", severity="warning", markup=False)
            return
        self.known.pop(episode.id, None)
        self.host.post_message(DownloadsChanged([episode.id]))
        self.host.notify(f"Deleted the download of {episode.title}.", markup=False)

    # -- a removed show -------------------------------------------------------------
    async def before_remove(self, feed: Feed, question: Text) -> str | None:
        """Ask whether to remove ``feed`` and, in the same dialog, whether to delete its
        downloads too. None: the user said no. Otherwise its downloads here have stopped
        (and its files are gone if the user chose so): returns a sentence for the
        "Removed" notice."""
        from tui.screens.dialogs import ConfirmDialog
        from tui.screens.remove_feed import RemoveFeedDialog

        librarian = self.host.services.librarian
        files = await librarian.run(files_of_feed, feed.id)
        if not files:
            if not await self.host.push_screen_wait(ConfirmDialog("Remove feed", question)):
                return None
            delete = False
        else:
            size = human_size(sum(download.bytes for download in files))
            choice = await self.host.push_screen_wait(RemoveFeedDialog(
                question, f"Also delete its {plural(len(files), 'downloaded episode')} "
                          f"({size})"))
            if choice is None:
                return None
            delete = choice
        episode_ids = await librarian.run(
            lambda conn: [d.episode_id for d in list_downloads(conn, feed.id)])
        await self._stop(episode_ids)
        for episode_id in episode_ids:
            self.known.pop(episode_id, None)
        if not files:
            return ""
        if delete:
            await librarian.run(delete_feed_downloads, feed.id)
            return f" Deleted its {plural(len(files), 'download')} ({size})."
        where = self.settings.dir if self.settings else "the downloads folder"
        return (f" Kept its {plural(len(files), 'downloaded file')} ({size}) in {where}; "
                "`podterm downloads --verify` can delete them later.")

    async def _stop(self, episode_ids: list[int]) -> None:
        """Cancel these episodes' downloads here and wait until they have stopped."""
        running = [i for i in episode_ids if i in self._mine]
        if not running or self._downloader is None:
            return
        waits = [self._stopped.setdefault(i, asyncio.Event()).wait() for i in running]
        for episode_id in running:
            self._cancelled.add(episode_id)
            self._downloader.cancel(episode_id)
        try:
            await asyncio.wait_for(asyncio.gather(*waits), STOP_WAIT_S)
        except TimeoutError:
            log.warning("downloads %s did not stop in %s s", running, STOP_WAIT_S)

    # -- the library's rules after a refresh ----------------------------------------
    def after_refresh(self, feed_ids: list[int]) -> None:
        """Like ``podterm refresh``: delete played downloads past their grace period,
        keep the size cap, then download each show's newest episodes if asked to."""
        if feed_ids and not self.problem and not self.host.services.librarian.read_only:
            self._work(self._after_refresh(feed_ids))

    async def _after_refresh(self, feed_ids: list[int]) -> None:
        settings = self.settings
        assert settings is not None
        librarian = self.host.services.librarian
        removed = await librarian.run(tidy, settings)
        if removed:
            self._forget(removed)
            self.host.notify(f"Deleted {plural(len(removed), 'download')} of played episodes "
                             f"({human_size(sum(d.bytes for d in removed))}).", markup=False)
        wanted = await librarian.run(auto_downloads, feed_ids, settings.auto_newest)
        wanted = [i for i in wanted if i not in self._mine and i not in self._declined]
        if wanted and settings.cap_bytes:
            wanted = await self._make_room(settings, wanted)
        if wanted:
            self._mine.update((episode_id, False) for episode_id in wanted)
            await self._queue(wanted)

    async def _make_room(self, settings: DownloadSettings, wanted: list[int]) -> list[int]:
        """Under ``max_gb``: ask before unplayed downloads go to make room for ``wanted``;
        returns what to download (without room: only what fits)."""
        from tui.screens.dialogs import ConfirmDialog

        librarian = self.host.services.librarian
        victims, fitting = await librarian.run(room_for, wanted, settings.cap_bytes)
        if not victims:
            return wanted
        names = "; ".join(clean_line(d.title) for d in victims[:5])
        question = Text(f"Downloading {plural(len(wanted), 'new episode')} automatically "
                        f"needs room under max_gb = {settings.max_gb:g}. Delete "
                        f"{plural(len(victims), 'unplayed download')} to make it? ({names}"
                        f"{' …' if len(victims) > 5 else ''})")
        if await self.host.push_screen_wait(ConfirmDialog("Make room?", question)):
            await librarian.run(delete_downloads, victims)
            self._forget(victims)
            return wanted
        skipped = [i for i in wanted if i not in fitting]
        self._declined.update(skipped)
        if skipped:
            self.host.notify(f"Skipped {plural(len(skipped), 'automatic download')}: no room "
                             f"under max_gb = {settings.max_gb:g} without deleting unplayed "
                             "downloads.", severity="warning", markup=False)
        return fitting

    def _forget(self, downloads: list[Download]) -> None:
        ids = [download.episode_id for download in downloads]
        for episode_id in ids:
            self.known.pop(episode_id, None)
        self.host.post_message(DownloadsChanged(ids))

    def _work(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self.host.run_worker(coroutine, group="downloads", exit_on_error=False)
