"""The podterm app: the main screen, loading what it shows, and the key actions.

:func:`build_app` is the one way to make the app, for the CLI, the demo and the tests.
Library work happens on the librarian's thread (:mod:`tui.librarian`), refreshes on a
thread worker, playback through :mod:`tui.playback`; the UI loop only draws.
"""

from __future__ import annotations

import logging
import os
from multiprocessing import resource_tracker
from typing import Sequence

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input
from textual.worker import Worker, WorkerState

from library.config import Config
from library.episodes import list_episodes, set_played
from library.feeds import list_feeds
from library.models import Episode, Feed
from library.paths import Paths
from player import Player, PlayerStatus, settings_from
from tui import keys
from tui.commands import PlayerCommands
from tui.health import ACTIONS as HEALTH_ACTIONS, FeedHealth
from tui.librarian import Librarian
from tui.messages import EngineEvent, EngineStarted, RefreshFinished, RefreshProgress
from tui.playback import EngineFactory, Playback
from tui.screens.help import HelpScreen
from tui.subscriptions import Subscriptions
from tui.widgets.details import EpisodeDetails
from tui.widgets.now_playing import NowPlayingBar
from tui.widgets.panes import EpisodesTable, FeedsPane
from tui.widgets.status import EmptyLibrary, FeedHeader, RefreshStatus

log = logging.getLogger(__name__)

# Actions that need something loaded in the player; dimmed in the Footer otherwise.
PLAYER_ACTIONS = frozenset({"toggle_pause", "stop", "seek_back", "seek_forward", "slower",
                            "faster", "volume_down", "volume_up"})
NOW_PLAYING_EVERY_S = 0.25


class FilterInput(Input):
    """The episode filter; escape clears it and goes back to the list."""

    BINDINGS = keys.bindings("filter")

    def action_clear_filter(self) -> None:
        self.value = ""
        self.app.query_one(EpisodesTable).focus()


class MainScreen(Screen, inherit_bindings=False):
    BINDINGS = keys.bindings("screen")

    def compose(self) -> ComposeResult:
        with Horizontal(id="library"):
            yield FeedsPane()
            with Vertical(id="right"):
                yield FeedHeader(id="feed-header")
                yield FilterInput(placeholder="Filter episodes by title (escape clears)",
                                  id="filter")
                yield EpisodesTable()
                yield EpisodeDetails()
        yield EmptyLibrary(id="empty")
        yield RefreshStatus(id="refresh-status")
        yield NowPlayingBar()
        yield Footer()

    def on_mount(self) -> None:
        self.app.main_screen_mounted()  # type: ignore[attr-defined]


class PodtermApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "podterm"
    BINDINGS = keys.bindings("app")
    COMMANDS = App.COMMANDS | {PlayerCommands}

    def __init__(self, paths: Paths, config: Config, engine_factory: EngineFactory,
                 notices: Sequence[str] = ()) -> None:
        super().__init__()
        self.notices = list(notices)
        self.paths, self.config = paths, config
        self.keymap, key_warnings = keys.keymap_from_config(config["keys"])
        self.startup_warnings = [*config.warnings, *key_warnings]
        self.librarian = Librarian(paths.database)
        self.playback = Playback(self, engine_factory, settings_from(config["player"], os.environ),
                                 config["playback"])
        self.subscriptions = Subscriptions(self)
        self.health = FeedHealth(self)
        self.feeds: list[Feed] = []
        self.selected_feed_id: int | None = None
        self.episodes: dict[int, Episode] = {}
        self.filter_text = ""
        self._key_hints: tuple[bool | None, ...] = ()  # what update_key_hints last showed

    def get_default_screen(self) -> Screen:
        return MainScreen(id="main")

    def main_screen_mounted(self) -> None:
        """Start loading, now that the panes exist."""
        self.set_keymap(self.keymap)
        for warning in self.startup_warnings:
            self.notify(warning, title="Config", severity="warning", timeout=10, markup=False)
        for notice in self.notices:
            self.notify(notice, timeout=30, markup=False)
        self.query_one(EmptyLibrary).show_keys(*(
            keys.describe(key_id, self.keymap)
            for key_id in ("add_feed", "import_opml", "search_directory")))
        self.load_feeds()
        self.playback.start()
        self.set_interval(NOW_PLAYING_EVERY_S, self.update_now_playing)

    # -- loading --------------------------------------------------------------------
    @work(exclusive=True, group="feeds", exit_on_error=False)
    async def load_feeds(self, select: int | None = None) -> None:
        """Reload the subscriptions (counts, health) and keep or change the selection."""
        feeds = await self.librarian.run(list_feeds)
        self.feeds = feeds
        ids = {feed.id for feed in feeds}
        selected = select if select in ids else self.selected_feed_id
        if selected not in ids:
            selected = feeds[0].id if feeds else None
        empty = not feeds
        self.query_one("#library").display = not empty
        self.query_one(EmptyLibrary).display = empty
        self.query_one(FeedsPane).show(feeds, selected)
        if selected != self.selected_feed_id or select is not None:
            self.select_feed(selected)
        else:
            self.query_one(FeedHeader).show(self.feed(selected))
        if empty:
            self.episodes = {}
            self.query_one(EpisodesTable).clear()
        elif self.focused is None:
            self.query_one(FeedsPane).focus()
        self.update_key_hints()

    def select_feed(self, feed_id: int | None) -> None:
        self.selected_feed_id = feed_id
        self.query_one(FeedHeader).show(self.feed(feed_id))
        self.load_episodes()

    @work(exclusive=True, group="episodes", exit_on_error=False)
    async def load_episodes(self, keep: int | None = None) -> None:
        """Load the selected feed's episodes (filtered), keeping the cursor on ``keep``."""
        feed_id = self.selected_feed_id
        if feed_id is None:
            return
        episodes = await self.librarian.run(list_episodes, feed_id, self.filter_text or None)
        self.episodes = {episode.id: episode for episode in episodes}
        table = self.query_one(EpisodesTable)
        table.show(episodes, keep)
        self.query_one(EpisodeDetails).show(self.highlighted_episode())
        self.update_key_hints()

    def feed(self, feed_id: int | None) -> Feed | None:
        return next((feed for feed in self.feeds if feed.id == feed_id), None)

    def highlighted_episode(self) -> Episode | None:
        return self.episodes.get(self.query_one(EpisodesTable).highlighted_id or -1)

    @on(DataTable.RowHighlighted, "#feeds")
    def feed_highlighted(self) -> None:
        feed_id = self.query_one(FeedsPane).highlighted_id
        if feed_id != self.selected_feed_id:
            self.select_feed(feed_id)

    @on(DataTable.RowHighlighted, "#episodes")
    def episode_highlighted(self) -> None:
        if not self.screen_stack or not self.query(EpisodeDetails):
            return  # a late highlight while the app closes: the widgets are already gone
        self.query_one(EpisodeDetails).show(self.highlighted_episode())
        self.update_key_hints()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.query_one("#filter").set_class(bool(event.value), "active")
        self.load_episodes()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one(EpisodesTable).focus()

    # -- what changed elsewhere -----------------------------------------------------
    def episode_changed(self, episode: Episode, counts_changed: bool = False) -> None:
        """A saved position or played mark: redraw its row and details."""
        if episode.id in self.episodes:
            self.episodes[episode.id] = episode
            self.query_one(EpisodesTable).update_episode(episode)
            if self.highlighted_episode() is episode:
                self.query_one(EpisodeDetails).show(episode)
        if counts_changed:
            self.load_feeds()

    def playing_changed(self, episode: Episode | None) -> None:
        table = self.query_one(EpisodesTable)
        previous = self.episodes.get(table.playing_id or -1)
        table.playing_id = episode.id if episode else None
        for row in (previous, episode and self.episodes.get(episode.id)):
            if row is not None:
                table.update_episode(row)
        self.update_now_playing()
        self.update_key_hints()

    def update_now_playing(self) -> None:
        engine = self.playback.engine
        status: PlayerStatus | None = engine.status() if engine is not None else None
        episode = self.playback.episode
        self.query_one(NowPlayingBar).show(
            status, episode.feed_title if episode else "", episode.title if episode else "")

    def on_refresh_progress(self, message: RefreshProgress) -> None:
        self.subscriptions.progress(message)

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self.subscriptions.finished(message)

    def on_engine_started(self, message: EngineStarted) -> None:
        self.playback.engine_started(message)

    def on_engine_event(self, message: EngineEvent) -> None:
        self.playback.handle(message.event)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers never take the app down: log the error and say so briefly."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            log.error("%s failed", event.worker.name, exc_info=error)
            self.notify(f"{type(error).__name__}: {error}\n(details in {self.paths.log_dir})",
                        title="Something went wrong", severity="error", markup=False)

    # -- key actions ----------------------------------------------------------------
    def update_key_hints(self) -> None:
        """Refresh the Footer if a key became available or unavailable.

        The Footer rebuilds every key widget on each refresh (~50 ms): calling this after
        every load instead of ``refresh_bindings`` keeps refreshes and playback smooth.
        """
        state = tuple(self.check_action(key.action, ()) for key in keys.KEYS
                      if key.where == "app")
        if state != self._key_hints:
            self._key_hints = state
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim (None) the keys that do nothing right now."""
        if action in PLAYER_ACTIONS:
            return True if self.playback.active else None
        if action in HEALTH_ACTIONS:
            return self.health.applies(action)
        if action in ("play", "toggle_played"):
            return True if self.highlighted_episode() is not None else None
        # Refresh keys stay lit during a refresh (pressing them says one is running):
        # rebuilding the Footer at its start and end would stall the UI for ~50 ms.
        if action in ("refresh_feed", "remove_feed", "filter"):
            return True if self.selected_feed_id is not None else None
        if action == "refresh_all":
            return True if self.feeds else None
        if action == "export_opml":
            return True if self.feeds else None
        return True

    def action_play(self) -> None:
        episode = self.highlighted_episode()
        if episode is None:
            return
        table = self.query_one(EpisodesTable)
        below = [self.episodes[int(key.value)] for key in list(table.rows)[table.cursor_row + 1:]
                 if key.value is not None]
        self.playback.play(episode, below)

    def action_toggle_pause(self) -> None:
        self.playback.toggle_pause()

    def action_stop(self) -> None:
        self.playback.stop()

    def action_seek_back(self) -> None:
        self.playback.seek_back()

    def action_seek_forward(self) -> None:
        self.playback.seek_forward()

    def action_slower(self) -> None:
        self.playback.slower()

    def action_faster(self) -> None:
        self.playback.faster()

    def action_volume_down(self) -> None:
        self.playback.volume(-1)

    def action_volume_up(self) -> None:
        self.playback.volume(+1)

    @work(group="played", exit_on_error=False)
    async def action_toggle_played(self) -> None:
        episode = self.highlighted_episode()
        if episode is None:
            return
        await self.librarian.run(set_played, episode.id, not episode.played)
        episode.played, episode.position_s = not episode.played, 0.0
        self.episode_changed(episode, counts_changed=True)

    def action_filter(self) -> None:
        self.query_one("#filter").add_class("active")
        self.query_one("#filter").focus()

    def action_add_feed(self) -> None:
        self.subscriptions.add()

    def action_import_opml(self) -> None:
        self.subscriptions.import_opml()

    def action_export_opml(self) -> None:
        self.subscriptions.export_opml()

    def action_refresh_feed(self) -> None:
        if self.selected_feed_id is not None:
            self.subscriptions.refresh([self.selected_feed_id])

    def action_refresh_all(self) -> None:
        self.subscriptions.refresh([f.id for f in self.feeds if f.status == "active"])

    def action_search_newer_version(self) -> None:
        self.health.search_newer_version()

    def action_check_again(self) -> None:
        self.health.check_again()

    def action_edit_feed_url(self) -> None:
        self.health.edit_feed_url()

    def action_search_directory(self) -> None:
        self.health.search_directory()

    def action_remove_feed(self) -> None:
        feed = self.feed(self.selected_feed_id)
        if feed is not None:
            self.subscriptions.remove(feed)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.keymap, str(self.paths.config_file)))

    async def action_quit(self) -> None:
        """Save the position, close the player and the database, then leave."""
        self.subscriptions.stopping.set()
        await self.playback.shutdown()
        await self.librarian.close()
        self.exit()


def build_app(paths: Paths, config: Config, engine_factory: EngineFactory | None = None,
              notices: Sequence[str] = ()) -> PodtermApp:
    """The app for the CLI, the demo and the tests.

    ``engine_factory(settings, log_dir)`` makes the player engine (default: the libVLC
    :class:`player.Player`); ``notices`` are shown as notifications once the app opens.
    """
    # Feed parsing runs in worker processes, and multiprocessing starts its resource
    # tracker (once) with sys.stderr's descriptor. While Textual runs, sys.stderr is a
    # capture object whose fileno() is -1, which would fail every refresh: start it now.
    resource_tracker.ensure_running()
    return PodtermApp(paths, config, engine_factory or Player, notices)

