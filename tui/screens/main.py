"""The main screen: Up Next, the inbox and the subscriptions, the selected one's
episodes and notes, the status lines, the now-playing bar and the keys.

What the lists show, and how they load and draw it, is :class:`BrowsingScreen`'s
(tui/screens/browsing.py). This class adds the features that act on it (playback,
sleep timer, media keys, subscriptions, feed health, Up Next, downloads, sync), their
workers and timers, and the key actions of :mod:`tui.actions`. Features talk back with
the messages of :mod:`tui.messages`; the handlers here and in BrowsingScreen are the
only code that updates these widgets.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Sequence

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from library.archive import ArchiveRule
from tui import heap, keys
from tui.actions import ACTIONS, BY_ID, Action
from tui.commands import ActionCommands
from tui.downloads import Downloads
from tui.health import FeedHealth
from tui.messages import (
    DownloadReported, DownloadsChanged, EngineEvent, EngineStarted, NowPlaying,
    PlayerStateChanged, QuitRequested, RefreshFinished, RefreshProgress, RefreshRequested,
    RefreshStarted, ShowSettingsChanged, SubscribeRequested, SyncChanged,
)
from tui.mpris import Mpris
from tui.playback import Playback
from tui.screens.browsing import BrowsingScreen
from tui.services import Services
from tui.sleep import SleepTimer
from tui.startup import FirstView, first_view
from tui.state import UiState, save_state
from tui.subscriptions import Subscriptions
from tui.sync import Sync
from tui.terminal import start_resource_tracker
from tui.upnext import Lists, UpNext
from tui.warmup import import_later_modules
from tui.widgets.details import EpisodeDetails
from tui.widgets.downloads_bar import DownloadsBar
from tui.widgets.footer import KeyFooter
from tui.widgets.now_playing import NowPlayingBar
from tui.widgets.painting import LinePainter, after_drawn
from tui.widgets.panes import EpisodesTable, FeedsPane
from tui.widgets.status import EmptyLibrary, FeedHeader, RefreshStatus
from tui.widgets.sync_status import SyncStatus

log = logging.getLogger(__name__)

RELOAD_DURING_REFRESH_S = 5.0
DAILY_CHECK_EVERY_S = 24 * 60 * 60


class MainScreen(BrowsingScreen, inherit_bindings=False):
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
        self.sync = Sync(self)
        self._key_hints: tuple[bool | None, ...] = ()  # what update_key_hints last showed
        self._key_hints_asked = False  # update_key_hints is waiting for the lists
        self._painter = LinePainter()
        self._last_feeds_reload = 0.0

    def compose(self) -> ComposeResult:
        painter = self._painter  # the two lists' changed lines share each frame
        with Horizontal(id="library"):
            yield FeedsPane(painter)
            with Vertical(id="right"):
                yield FeedHeader(ArchiveRule.from_table(self.services.config["health"]),
                                 id="feed-header")
                yield EpisodesTable(self.downloads.mark, painter)
                yield EpisodeDetails()
        yield EmptyLibrary(id="empty")
        yield RefreshStatus(keys.describe(BY_ID["refresh_all"], self.services.keymap),
                            id="refresh-status")
        if self.sync.view() is not None:  # sync is set up (for the whole session)
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

    def on_unmount(self) -> None:
        self.subscriptions.stop()
        self.sync.stop()
        self.downloads.stop()
        heap.thaw()

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
        heap.freeze_long_lived()
        start_resource_tracker()  # before sync or a refresh starts a child process
        import_later_modules()
        self.playback.start()
        self.mpris.start()
        self.sync.start()
        # the rest of a long feed, and the download marks (rows that did not change
        # are not drawn again)
        self.load_episodes()
        why = self.read_only  # known: the library was opened to read the first view
        if why:
            self.notify(f"{why}\nShowing it read-only: nothing you do can be saved.",
                        title="Library", severity="warning", timeout=30, markup=False)
            return
        self.check_library()
        self.set_interval(DAILY_CHECK_EVERY_S, self.check_library)
        if self.services.config["refresh"]["on_start"]:
            self.subscriptions.refresh(automatic=True)

    def _ui_state(self) -> UiState:
        playing = self.playback.episode
        return UiState(self.selected_feed_id, self.query_one(EpisodesTable).highlighted_id,
                       playing.id if playing else None)

    # -- what features announce -----------------------------------------------------
    def on_show_settings_changed(self, message: ShowSettingsChanged) -> None:
        self.playback.apply_settings(message.settings)

    def on_sync_changed(self, _message: SyncChanged) -> None:
        for status in self.query(SyncStatus):
            status.update_view()

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
                self.load_episodes()
            if message.time - self._last_feeds_reload > RELOAD_DURING_REFRESH_S:
                self._last_feeds_reload = message.time
                self.load_feeds()

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self.query_one(RefreshStatus).finish(message.outcomes, message.error)
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
        """Redraw the keys if one became available or unavailable, once the lists'
        changed lines are drawn (several asks meanwhile are one). Drawn in the same
        frame as rows, the footer (2-4 ms) made the longest frames of a refresh; and
        Textual draws every widget inside the box around a frame's changes, so the
        footer at the bottom with the notes drew the lists between them too."""
        if not self._key_hints_asked:
            self._key_hints_asked = True
            # and after the notes' frame: they wait for the lists too
            details = self.query_one(EpisodeDetails)
            self._painter.after_painting(
                self, lambda: after_drawn(details, self._update_key_hints_now))

    def _update_key_hints_now(self) -> None:
        """(Textual asks every binding's ``check_action`` again on each
        ``refresh_bindings``.)"""
        self._key_hints_asked = False
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
