"""Playback in the TUI: the player engine, the library's saved positions and the
now-playing bar, wired together.

The engine (``player.Player``) never blocks its callers and calls subscribers on
threads of its own. Its events cross into Textual only through ``App.post_message``
(thread-safe and non-blocking; ``call_from_thread`` once deadlocked against ``stop()``):
:meth:`Playback.bridge` is the subscriber. Everything else here runs on the UI loop, and
the library work it causes runs on the librarian's thread.

Positions are saved every :data:`SAVE_EVERY_S` while playing, on pause, when playback
stops or switches to another episode (the engine's ``Stopped`` event), and on quit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from library.episodes import get_episode, save_position, set_played
from library.models import Episode
from player import (
    Ended, PlaybackError, PlayerEvent, PlayerSettings, PlayerState, PositionChanged,
    StateChanged, Stopped, is_finished,
)
from tui.messages import EngineEvent, EngineStarted
from tui.screens.dialogs import MessageDialog

if TYPE_CHECKING:
    from tui.app import PodtermApp

log = logging.getLogger(__name__)

SAVE_EVERY_S = 5.0
VOLUME_STEP = 5
ACTIVE = frozenset({PlayerState.OPENING, PlayerState.BUFFERING, PlayerState.PLAYING,
                    PlayerState.PAUSED})

EngineFactory = Callable[[PlayerSettings, Path], Any]


class Playback:
    def __init__(self, app: "PodtermApp", engine_factory: EngineFactory,
                 settings: PlayerSettings, playback_table: dict[str, Any]) -> None:
        self.app = app
        self.engine_factory, self.settings = engine_factory, settings
        self.seek_back_s = float(playback_table["seek_back_s"])
        self.seek_forward_s = float(playback_table["seek_forward_s"])
        self.play_next = bool(playback_table["play_next"])
        self.engine: Any = None
        self.engine_error: Exception | None = None
        self.episode: Episode | None = None     # what the engine has loaded
        self.following: list[Episode] = []      # what plays after it (play_next)
        self._by_source: dict[str, Episode] = {}
        self._pending: tuple[Episode, list[Episode]] | None = None
        self._last_saved = 0.0
        self._unsubscribe: Callable[[], None] | None = None

    # -- engine life cycle ----------------------------------------------------------
    def start(self) -> None:
        """Create the engine on a thread (libVLC start-up must not stall the UI)."""
        self.app.run_worker(self._create_engine, thread=True, group="engine",
                            exit_on_error=False)

    def _create_engine(self) -> None:
        try:
            engine = self.engine_factory(self.settings, self.app.paths.log_dir)
        except Exception as exc:  # LibVLCMissing, PlayerError, or a bug: the app goes on
            log.warning("the player did not start: %s", exc)
            self.app.post_message(EngineStarted(None, exc))
            return
        self.app.post_message(EngineStarted(engine, None))

    def bridge(self, event: PlayerEvent) -> None:
        """The engine's subscriber; runs on the engine's delivery thread."""
        self.app.post_message(EngineEvent(event))

    def engine_started(self, message: EngineStarted) -> None:
        self.engine, self.engine_error = message.engine, message.error
        if self.engine is not None:
            self._unsubscribe = self.engine.subscribe(self.bridge)
        if self._pending is not None:
            episode, following = self._pending
            self._pending = None
            self.play(episode, following)

    async def shutdown(self) -> None:
        """Save where we are and close the engine (which gives fd 2 back)."""
        engine, self.engine = self.engine, None
        if engine is None:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
        status = engine.status()
        episode = self._by_source.get(status.source or "")
        if episode is not None and status.state in ACTIVE:
            await self._store(episode, status.position, status.duration)
        await asyncio.to_thread(engine.close)

    # -- commands -------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Something is loaded that pause, seek, rate and volume apply to."""
        return self.engine is not None and self.engine.status().state in ACTIVE

    def play(self, episode: Episode, following: list[Episode]) -> None:
        if self.engine_error is not None:
            self.app.push_screen(MessageDialog("Cannot play: the player did not start",
                                               str(self.engine_error)))
            return
        if not episode.enclosure_url:
            self.app.notify("This episode has no audio file.", severity="error", markup=False)
            return
        if self.engine is None:  # still starting: play as soon as it is ready
            self._pending = (episode, following)
            return
        self.app.run_worker(self._play(episode, following), group="play", exclusive=True,
                            exit_on_error=False)

    async def _play(self, episode: Episode, following: list[Episode]) -> None:
        fresh = await self.app.librarian.run(get_episode, episode.id) or episode
        self.episode, self.following = fresh, following
        self._by_source[fresh.enclosure_url or ""] = fresh
        self._last_saved = time.monotonic()
        start_at = 0.0 if fresh.played else fresh.position_s
        self.engine.play(fresh.enclosure_url, start_at=start_at)
        self.app.playing_changed(fresh)

    def toggle_pause(self) -> None:
        self.engine.toggle_pause()

    def stop(self) -> None:
        self.engine.stop()

    def seek_back(self) -> None:
        self.engine.skip(-self.seek_back_s)

    def seek_forward(self) -> None:
        self.engine.skip(self.seek_forward_s)

    def slower(self) -> None:
        self.engine.slower()

    def faster(self) -> None:
        self.engine.faster()

    def volume(self, direction: int) -> None:
        self.engine.change_volume(direction * VOLUME_STEP)

    # -- events (UI loop) -----------------------------------------------------------
    def handle(self, event: PlayerEvent) -> None:
        episode = self._by_source.get(event.source or "")
        if isinstance(event, PositionChanged):
            if episode is not None and time.monotonic() - self._last_saved >= SAVE_EVERY_S:
                self._save(episode, event.position, event.duration)
        elif isinstance(event, StateChanged):
            if event.state is PlayerState.PAUSED and episode is not None:
                self._save(episode, event.position, event.duration)
            self.app.update_key_hints()
        elif isinstance(event, Stopped):
            if episode is not None:
                self._save(episode, event.position, event.duration, finished=event.finished)
        elif isinstance(event, Ended):
            if episode is not None:
                self._save(episode, event.position, event.duration, finished=True)
            self._play_next()
        elif isinstance(event, PlaybackError):
            title = episode.title if episode else event.source or ""
            self.app.notify(f"{event.reason}\n({title})", title="Cannot play this episode",
                            severity="error", timeout=10, markup=False)
        self.app.update_now_playing()

    def _play_next(self) -> None:
        following = [e for e in self.following if not e.played and e.enclosure_url]
        if self.play_next and following:
            self.play(following[0], following[1:])
        else:
            self.episode = None
            self.app.playing_changed(None)

    def _save(self, episode: Episode, position: float, duration: float | None,
              finished: bool = False) -> None:
        self._last_saved = time.monotonic()
        self.app.run_worker(self._store(episode, position, duration, finished),
                            group="save", exit_on_error=False)

    async def _store(self, episode: Episode, position: float, duration: float | None,
                     finished: bool = False) -> None:
        """Write the position (or the played mark) and show it in the episode's row."""
        if finished or is_finished(position, duration):
            await self.app.librarian.run(set_played, episode.id, True)
            episode.played, episode.position_s = True, 0.0
            self.app.episode_changed(episode, counts_changed=True)
        else:
            await self.app.librarian.run(save_position, episode.id, position)
            episode.position_s = position
            self.app.episode_changed(episode)
