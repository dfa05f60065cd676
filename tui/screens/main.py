"""The main screen: Up Next, the inbox and the subscriptions, the selected one's
episodes and notes, the now-playing bar.

It owns what it shows (feeds, episodes, the queue and the inbox, the selection, the
filter), the features that act on it (playback, subscriptions, feed health, Up Next,
sync), their workers and timers, and the key actions of :mod:`tui.actions`. Features
talk back with the messages of
:mod:`tui.messages`; the handlers here are the only code that updates these widgets.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from library.episodes import ListeningTime, list_episodes, listening_time
from library.feeds import list_feeds
from library.models import Episode, Feed
from tui import keys, places
from tui.actions import ACTIONS, BY_ID, Action
from tui.commands import ActionCommands
from tui.downloads import Downloads, feed_downloads
from tui.health import FeedHealth
from tui.messages import (
    DownloadReported, DownloadsChanged, EngineEvent, EngineStarted, EpisodeChanged,
    FeedsChanged, LibraryChanged, NowPlaying, PlayerStateChanged, QuitRequested,
    RefreshFinished, RefreshProgress, RefreshRequested, RefreshStarted, ShowSettingsChanged,
    SubscribeRequested, SyncChanged, UpNextChanged,
)
from tui.mpris import Mpris
from tui.playback import Playback
from tui.services import Services
from tui.sleep import SleepTimer
from tui.startup import FirstView, first_view
from tui.state import UiState, save_state
from tui.subscriptions import Subscriptions
from tui.sync import Sync
from tui.upnext import Lists, UpNext
from tui.widgets.details import EpisodeDetails
from tui.widgets.downloads_bar import DownloadsBar
from tui.widgets.footer import KeyFooter
from tui.widgets.now_playing import NowPlayingBar
from tui.widgets.panes import EpisodesTable, FeedsPane
from tui.widgets.rowlist import RowList
from tui.widgets.status import EmptyLibrary, FeedHeader, RefreshStatus
from tui.widgets.sync_status import SyncStatus

if TYPE_CHECKING:
    from library.downloader import DownloadStatus

log = logging.getLogger(__name__)

RELOAD_DURING_REFRESH_S = 5.0
DAILY_CHECK_EVERY_S = 24 * 60 * 60
SHORT_SCREEN_ROWS = 30  # below this, the archived notice compacts (app.tcss: .-short)


class FilterInput(Input):
    """The episode filter; escape clears it and goes back to the list."""

    BINDINGS = keys.bindings("filter")

    def action_clear_filter(self) -> None:
        self.value = ""
        self.screen.query_one(EpisodesTable).focus()


class MainScreen(Screen[None], inherit_bindings=False):
    BINDINGS = keys.bindings("main", ACTIONS)
    COMMANDS = {ActionCommands}

    def __init__(self, services: Services, notices: Sequence[str] = ()) -> None:
        super().__init__(id="main")
        self.services = services
        self.notices = list(notices)
        self.playback = Playback(self)
        self.sleep = SleepTimer(self, self.playback)
        self.mpris = Mpris(self, self.playback)
        self.downloads = Downloads(self)
        self.subscriptions = Subscriptions(self, self.downloads)
        self.health = FeedHealth(self)
        self.upnext = UpNext(self)
        self.place: str | None = None   # Up Next or the inbox, when one is shown
        self.lists = Lists()
        self.sync = Sync(self)
        self.feeds: list[Feed] = []
        self.episodes: dict[int, Episode] = {}
        self.selected_feed_id: int | None = None
        self.listening: ListeningTime | None = None
        self.filter_text = ""
        self._key_hints: tuple[bool | None, ...] = ()  # what update_key_hints last showed
        self._last_feeds_reload = 0.0

    def compose(self) -> ComposeResult:
        with Horizontal(id="library"):
            yield FeedsPane()
            with Vertical(id="right"):
                yield FeedHeader(id="feed-header")
                yield FilterInput(placeholder="Filter episodes by title (escape clears)",
                                  id="filter")
                yield EpisodesTable(self.downloads.mark)
                yield EpisodeDetails()
        yield EmptyLibrary(id="empty")
        yield RefreshStatus(id="refresh-status")
        yield SyncStatus(self.sync.view, self.services.keymap, id="sync-status")
        yield DownloadsBar(self.downloads.view)
        yield NowPlayingBar(self.playback.view, self.sleep.label)
        yield KeyFooter()

    def on_mount(self) -> None:
        keymap = self.services.keymap
        self.query_one(EmptyLibrary).show_keys(*(
            keys.describe(BY_ID[key_id], keymap)
            for key_id in ("add_feed", "import_opml", "search_directory")))
        for notice in self.notices:
            self.notify(notice, timeout=30, markup=False)
        view = self.services.librarian.ready(first_view, self.services.paths.data_dir)
        if view is not None:  # read while Textual loaded: shown in the very first frame
            self._show_first_view(view)
        else:
            self.reopen()
        interval_min = self.services.config["refresh"]["interval_min"]
        if interval_min:
            self.set_interval(interval_min * 60, self._refresh_on_timer)

    def _refresh_on_timer(self) -> None:
        if not self.read_only:
            self.subscriptions.refresh(automatic=True)

    @work(group="check", exit_on_error=False)
    async def check_library(self) -> None:
        """Once a day: check the library file and back it up (see library.backups)."""
        problem = await self.services.librarian.check_and_back_up()
        if problem:
            self.notify(problem, title="Backup", severity="warning", timeout=15,
                        markup=False)

    def on_resize(self) -> None:
        short = self.size.height < SHORT_SCREEN_ROWS
        if short != self.has_class("-short"):
            self.set_class(short, "-short")
            self.query_one(FeedHeader).compact = short
            self._show_header()

    def on_unmount(self) -> None:
        self.subscriptions.stop()
        self.sync.stop()
        self.downloads.stop()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """This screen's workers never take the app down: log the error, say so briefly."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            log.error("%s failed", event.worker.name, exc_info=error)
            self.notify(f"{type(error).__name__}: {error}\n"
                        f"(details in {self.services.paths.log_dir})",
                        title="Something went wrong", severity="error", markup=False)

    def put_notices_away(self) -> None:
        """A dialog is about to open: the welcome notices would cover it."""
        if self.notices:
            self.notices = []
            self.app.clear_notifications()

    async def shutdown(self) -> None:
        """Before the app quits: remember where we are, save the position, stop work."""
        await self.mpris.stop()
        self.subscriptions.stop()
        self.sync.stop()
        await asyncio.to_thread(save_state, self.services.paths.data_dir, self._ui_state())
        await self.playback.shutdown()
        await self.downloads.shutdown()

    # -- the Host interface features use --------------------------------------------
    def push_screen(self, screen: Screen[Any]) -> Any:
        return self.app.push_screen(screen)

    async def push_screen_wait(self, screen: Screen[Any]) -> Any:
        return await self.app.push_screen_wait(screen)

    # -- what is selected -----------------------------------------------------------
    @property
    def selected_feed(self) -> Feed | None:
        return next((feed for feed in self.feeds if feed.id == self.selected_feed_id), None)

    @property
    def highlighted_episode(self) -> Episode | None:
        return self.episodes.get(self.query_one(EpisodesTable).highlighted_id or -1)

    @property
    def has_feeds(self) -> bool:
        return bool(self.feeds)

    @property
    def read_only(self) -> str | None:
        return self.services.librarian.read_only

    # -- loading --------------------------------------------------------------------
    @work(group="reopen", exit_on_error=False)
    async def reopen(self) -> None:
        """Open the library (read-only if it must), select what was selected when
        podterm last closed, and cue what was playing (when :func:`tui.main.open_player`
        did not read that while Textual loaded)."""
        self._show_first_view(
            await self.services.librarian.run(first_view, self.services.paths.data_dir))

    def _show_first_view(self, view: FirstView) -> None:
        """Show where the user left off, and cue what was playing. What the first
        screen does not need starts once it is drawn."""
        if view.playing is not None:
            self.playback.cue(view.playing)
        self.lists = Lists(view.queue, view.inbox)
        self.selected_feed_id, self.listening = view.selected, view.listening
        self._show_feeds(view.feeds, view.selected)
        keep = view.state.episode_id if view.selected == view.state.feed_id else None
        self._show_episodes(view.episodes, keep, [])  # download marks: once drawn
        self.call_after_refresh(self._after_first_screen)

    def _after_first_screen(self) -> None:
        self.playback.start()
        self.mpris.start()
        self.sync.start()
        # the rest of a long feed, and the download marks (rows that did not change
        # are not drawn again)
        self.load_episodes(keep=self.query_one(EpisodesTable).highlighted_id)
        why = self.read_only  # known: the library was opened to read the first view
        if why:
            self.notify(f"{why}\nShowing it read-only: nothing you do can be saved.",
                        title="Library", severity="warning", timeout=30, markup=False)
            return
        self.check_library()
        self.set_interval(DAILY_CHECK_EVERY_S, self.check_library)
        if self.services.config["refresh"]["on_start"]:
            self.subscriptions.refresh(automatic=True)

    @work(exclusive=True, group="feeds", exit_on_error=False)
    async def load_feeds(self, select: int | None = None, keep: int | None = None) -> None:
        """Reload the subscriptions (counts, health) and keep or change the selection."""
        feeds = await self.services.librarian.run(list_feeds)
        ids = {feed.id for feed in feeds}
        selected = select if select in ids else self.selected_feed_id
        if selected not in ids:
            selected = feeds[0].id if feeds else None
        stay = self.place is not None and select is None
        self._show_feeds(feeds, self.place if stay else selected)
        self.upnext.reload()
        if not stay and (selected != self.selected_feed_id or select is not None):
            self.select_feed(selected, keep)
        else:
            self._show_header()
        self.update_key_hints()

    def _show_feeds(self, feeds: list[Feed], selected: int | str | None) -> None:
        self.feeds = feeds
        empty = not feeds
        self.query_one("#library").display = not empty
        self.query_one(EmptyLibrary).display = empty
        self.query_one(FeedsPane).show(feeds, selected,
                                       places.pane_rows(self.lists) if feeds else None)
        if empty:
            self.episodes = {}
            self.query_one(EpisodesTable).clear()
        elif self.focused is None:
            self.query_one(FeedsPane).focus()

    def select_feed(self, feed_id: int | None, keep: int | None = None) -> None:
        if feed_id != self.selected_feed_id:
            self.listening = None
        self.selected_feed_id, self.place = feed_id, None
        self._show_header()
        self.load_episodes(keep)

    @work(exclusive=True, group="episodes", exit_on_error=False)
    async def load_episodes(self, keep: int | None = None) -> None:
        """Load the selected feed's episodes (filtered), keeping the cursor on ``keep``."""
        feed_id = self.selected_feed_id
        if self.place is not None:
            self.show_place()
        if feed_id is None:
            return
        text = self.filter_text or None
        episodes, self.listening, downloads = await self.services.librarian.run(
            lambda conn: (list_episodes(conn, feed_id, text), listening_time(conn, feed_id),
                          feed_downloads(conn, feed_id)))
        self._show_episodes(episodes, keep, downloads)

    def _show_episodes(self, episodes: list[Episode], keep: int | None,
                       downloads: list[DownloadStatus]) -> None:
        self.episodes = {episode.id: episode for episode in episodes}
        self.downloads.loaded(self.episodes, downloads)
        self.query_one(EpisodesTable).show(episodes, keep)
        self._show_header()
        self.query_one(EpisodeDetails).show(self.highlighted_episode)
        self.update_key_hints()

    def _show_header(self) -> None:
        if self.place is not None:
            self.query_one(FeedHeader).show_text(places.header(self.place, self.lists,
                                                               self.services.keymap))
        else:
            self.query_one(FeedHeader).show(self.selected_feed, self.listening,
                                            self.services.keymap)

    def show_place(self) -> None:
        """Show Up Next or the inbox; the cursor stays on its episode (or its row)."""
        assert self.place is not None
        self.episodes = places.fill(self.query_one(EpisodesTable), self.place, self.lists,
                                    list(self.episodes), self.filter_text)
        self._show_header()
        self.query_one(EpisodeDetails).show(self.highlighted_episode)
        self.update_key_hints()

    def _ui_state(self) -> UiState:
        playing = self.playback.episode
        return UiState(self.selected_feed_id, self.query_one(EpisodesTable).highlighted_id,
                       playing.id if playing else None)

    @on(RowList.Highlighted, "#feeds")
    def feed_highlighted(self) -> None:
        pane = self.query_one(FeedsPane)
        place = pane.highlighted_place
        if place is not None and place != self.place:  # read again: the CLI may change it
            self.place, self.selected_feed_id, self.listening, self.episodes = \
                place, None, None, {}
            self.query_one(EpisodesTable).clear()  # the cursor starts at the top
            self.show_place()
            self.upnext.reload()
        elif place is None and (pane.highlighted_id != self.selected_feed_id or self.place):
            self.select_feed(pane.highlighted_id)

    @on(RowList.Highlighted, "#episodes")
    def episode_highlighted(self) -> None:
        self.query_one(EpisodeDetails).show(self.highlighted_episode)
        self.update_key_hints()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.query_one("#filter").set_class(bool(event.value), "active")
        self.load_episodes()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one(EpisodesTable).focus()

    # -- what features announce -----------------------------------------------------
    def on_feeds_changed(self, message: FeedsChanged) -> None:
        self.load_feeds(select=message.select)

    def on_episode_changed(self, message: EpisodeChanged) -> None:
        """A saved position or played mark: redraw its row and details."""
        episode = message.episode
        if episode.id in self.episodes:
            self.episodes[episode.id] = episode
            self.query_one(EpisodesTable).update_episode(episode)
            if self.query_one(EpisodesTable).highlighted_id == episode.id:
                self.query_one(EpisodeDetails).show(episode, keep_scroll=True)
        if message.counts_changed:
            self.load_feeds()

    def on_up_next_changed(self, message: UpNextChanged) -> None:
        self.lists = Lists(message.queue, message.inbox)
        pane = self.query_one(FeedsPane)
        if self.feeds:
            pane.show(self.feeds, pane.highlighted_key, places.pane_rows(self.lists))
        if self.place is not None:
            self.show_place()

    def on_show_settings_changed(self, message: ShowSettingsChanged) -> None:
        self.playback.apply_settings(message.settings)
    def on_library_changed(self, _message: LibraryChanged) -> None:
        self.load_feeds()
        self.load_episodes(keep=self.query_one(EpisodesTable).highlighted_id)

    def on_sync_changed(self, _message: SyncChanged) -> None:
        self.query_one(SyncStatus).update_view()

    def on_now_playing(self, message: NowPlaying) -> None:
        table = self.query_one(EpisodesTable)
        previous = self.episodes.get(table.playing_id or -1)
        table.playing_id = message.episode.id if message.episode else None
        for row in (previous, message.episode and self.episodes.get(message.episode.id)):
            if row is not None:
                table.update_episode(row)
        self.query_one(NowPlayingBar).update_view()
        self.mpris.changed()
        self.update_key_hints()
        self.run_worker(asyncio.to_thread(save_state, self.services.paths.data_dir,
                                          self._ui_state()), group="state")

    def on_player_state_changed(self, _message: PlayerStateChanged) -> None:
        self.update_key_hints()

    def on_engine_started(self, message: EngineStarted) -> None:
        self.playback.engine_started(message)

    def on_engine_event(self, message: EngineEvent) -> None:
        self.playback.handle(message.event)
        self.sleep.handle(message.event)
        self.query_one(NowPlayingBar).update_view()
        self.mpris.changed()

    async def on_quit_requested(self, _message: QuitRequested) -> None:
        await self.app.run_action("quit")

    def on_refresh_requested(self, message: RefreshRequested) -> None:
        self.subscriptions.refresh(message.feed_ids)

    def on_subscribe_requested(self, message: SubscribeRequested) -> None:
        self.subscriptions.subscribe(message.url, message.title, message.itunes_id)

    def on_refresh_started(self, message: RefreshStarted) -> None:
        self.query_one(RefreshStatus).start(message.total)

    def on_refresh_progress(self, message: RefreshProgress) -> None:
        self.subscriptions.progress(message)
        self.query_one(RefreshStatus).progress(message)
        outcome = message.outcome
        if outcome.outcome == "updated":
            if outcome.feed_id == self.selected_feed_id:
                self.load_episodes(keep=self.query_one(EpisodesTable).highlighted_id)
            if message.time - self._last_feeds_reload > RELOAD_DURING_REFRESH_S:
                self._last_feeds_reload = message.time
                self.load_feeds()

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self.query_one(RefreshStatus).finish()
        self.subscriptions.finished(message)
        self.load_feeds()
        self.downloads.after_refresh([outcome.feed_id for outcome in message.outcomes])

    def on_download_reported(self, message: DownloadReported) -> None:
        """(The status line follows on its own timer.)"""
        self.query_one(EpisodesTable).downloads_changed(self.downloads.handle(message.event))

    def on_downloads_changed(self, message: DownloadsChanged) -> None:
        self.query_one(EpisodesTable).downloads_changed(message.episode_ids)

    # -- key actions ----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim (None) or hide (False) the keys that do nothing right now."""
        if action != "run" or not parameters or parameters[0] not in BY_ID:
            return True
        entry = BY_ID[str(parameters[0])]
        if entry.when(self) is None:
            return True
        return False if entry.hidden else None

    def action_run(self, action_id: str) -> None:
        entry: Action = BY_ID[action_id]
        reason = entry.when(self)
        if reason is None:
            entry.run(self)
        else:
            self.notify(f"{entry.help}: not now, {reason}.", markup=False)

    def update_key_hints(self) -> None:
        """Refresh the Footer if a key became available or unavailable (Textual asks
        every binding's ``check_action`` again on each ``refresh_bindings``)."""
        state = tuple(self.check_action("run", (action.id,)) for action in ACTIONS)
        if state != self._key_hints:
            self._key_hints = state
            self.refresh_bindings()

    def play_highlighted(self) -> None:
        episode = self.highlighted_episode
        if episode is None:
            return
        table = self.query_one(EpisodesTable)
        self.playback.play(episode, table.below_cursor(), table.above_cursor())

    def open_filter(self) -> None:
        self.query_one("#filter").add_class("active")
        self.query_one("#filter").focus()

    def scroll_notes(self, pages: int) -> None:
        details = self.query_one(EpisodeDetails)
        details.scroll_page_down() if pages > 0 else details.scroll_page_up()
