"""Playback in the TUI: the player engine and the library's saved positions, wired
together.

The engine never blocks its callers and calls subscribers on threads of its own. Its
events cross into Textual only as messages (``post_message`` is thread-safe and
non-blocking; ``call_from_thread`` once deadlocked against ``stop()``): :meth:`bridge`
is the subscriber, and the owning screen hands each :class:`EngineEvent` back to
:meth:`handle` on the UI loop. Library work runs on the librarian's thread.

Positions are saved every :data:`SAVE_EVERY_S` while playing, on pause, when playback
stops or switches to another episode (the engine's ``Stopped`` event), and on quit.
The last episode stays *cued* after it stops (and across restarts): space plays it
again from its saved position.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Callable

from library.episodes import get_episode, save_position, set_played
from library.models import Episode
from player import (
    Ended, PlaybackError, PlayerEvent, PlayerState, PositionChanged, StateChanged, Stopped,
    is_finished,
)
from tui.messages import EngineEvent, EngineStarted, EpisodeChanged, NowPlaying, \
    PlayerStateChanged
from tui.screens.dialogs import MessageDialog
from tui.services import Engine, Host

log = logging.getLogger(__name__)

SAVE_EVERY_S = 5.0
VOLUME_STEP = 5


@dataclass(frozen=True)
class NowPlayingView:
    """What the now-playing bar shows."""

    state: PlayerState
    show_title: str
    episode_title: str
    position: float
    duration: float | None
    rate: float
    volume: int
    error: str | None = None


class Playback:
    def __init__(self, host: Host) -> None:
        self.host = host
        table = host.services.config["playback"]
        self.seek_back_s = float(table["seek_back_s"])
        self.seek_forward_s = float(table["seek_forward_s"])
        self.play_next = bool(table["play_next"])
        self.engine: Engine | None = None
        self.engine_error: Exception | None = None
        self.episode: Episode | None = None     # loaded in the engine, or cued
        self.following: list[Episode] = []      # what plays after it (play_next)
        self.history: list[Episode] = []        # what played before it (previous)
        self.stop_after_current = False         # the sleep timer: do not play on
        self._by_source: dict[str, Episode] = {}
        self._pending: tuple[Episode, list[Episode]] | None = None
        self._last_saved = 0.0
        self._unsubscribe: Callable[[], None] | None = None

    # -- engine life cycle ----------------------------------------------------------
    def start(self) -> None:
        """Create the engine on a thread (libVLC start-up must not stall the UI)."""
        self.host.run_worker(self._create_engine, thread=True, group="engine",
                             exit_on_error=False)

    def _create_engine(self) -> None:
        services = self.host.services
        try:
            engine = services.engine_factory(services.player_settings, services.paths.log_dir)
        except Exception as exc:  # LibVLCMissing, PlayerError, or a bug: the app goes on
            log.warning("the player did not start: %s", exc)
            self.host.post_message(EngineStarted(None, exc))
            return
        self.host.post_message(EngineStarted(engine, None))

    def bridge(self, event: PlayerEvent) -> None:
        """The engine's subscriber; runs on the engine's delivery thread."""
        self.host.post_message(EngineEvent(event))

    def engine_started(self, message: EngineStarted) -> None:
        self.engine, self.engine_error = message.engine, message.error
        if self.engine is not None:
            self._unsubscribe = self.engine.subscribe(self.bridge)
        if self._pending is not None:
            episode, following = self._pending
            self._pending = None
            self.play(episode, following)
        self.host.post_message(PlayerStateChanged())

    async def shutdown(self) -> None:
        """Save where we are and close the engine (which gives fd 2 back)."""
        engine, self.engine = self.engine, None
        if engine is None:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
        status = engine.status()
        episode = self._by_source.get(status.source or "")
        if episode is not None and status.loaded and not self.host.services.librarian.read_only:
            await self._store(episode, status.position, status.duration)
        await asyncio.to_thread(engine.close)

    # -- what is loaded -------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        """Something is loaded that pause, seek, rate and volume apply to."""
        return self.engine is not None and self.engine.status().loaded

    @property
    def resumable(self) -> bool:
        """Space does something: pause what is loaded, or play the cued episode."""
        return self.loaded or (self.episode is not None and self.engine_error is None)

    def cue(self, episode: Episode) -> None:
        """Show ``episode`` as paused at its saved position without loading it (the
        now-playing bar picks it up; the list marks only what is loaded)."""
        if self.episode is None:
            self.episode = episode
            self.host.post_message(PlayerStateChanged())

    def view(self) -> NowPlayingView | None:
        """The now-playing bar's contents (None: nothing playing or cued)."""
        status = self.engine.status() if self.engine is not None else None
        episode = self.episode
        if status is not None and (status.loaded or status.state is PlayerState.ERROR):
            return NowPlayingView(status.state, episode.feed_title if episode else "",
                                  episode.title if episode else status.source or "",
                                  status.position, status.duration, status.rate,
                                  status.volume, status.error)
        if episode is None:
            return None
        settings = self.host.services.player_settings
        return NowPlayingView(PlayerState.PAUSED, episode.feed_title, episode.title,
                              0.0 if episode.played else episode.position_s,
                              episode.duration_s,
                              status.rate if status else settings.rate,
                              status.volume if status else settings.volume)

    # -- commands -------------------------------------------------------------------
    def play(self, episode: Episode, following: list[Episode]) -> None:
        if self.engine_error is not None:
            self.host.push_screen(MessageDialog("Cannot play: the player did not start",
                                                str(self.engine_error)))
            return
        if not episode.enclosure_url:
            self.host.notify("This episode has no audio file.", severity="error",
                             markup=False)
            return
        if self.engine is None:  # still starting: play as soon as it is ready
            self._pending = (episode, following)
            return
        self.host.run_worker(self._play(episode, following), group="play", exclusive=True,
                             exit_on_error=False)

    async def _play(self, episode: Episode, following: list[Episode]) -> None:
        fresh = await self.host.services.librarian.run(get_episode, episode.id) or episode
        self.episode, self.following = fresh, following
        self._by_source[fresh.enclosure_url or ""] = fresh
        self._last_saved = time.monotonic()
        start_at = 0.0 if fresh.played else fresh.position_s
        assert self.engine is not None
        self.engine.play(fresh.enclosure_url or "", start_at=start_at)
        self.host.post_message(NowPlaying(fresh))

    def toggle_pause(self) -> None:
        if self.loaded:
            self._engine.toggle_pause()
        elif self.episode is not None:  # stopped, or cued from the last session
            self.play(self.episode, self.following)

    def pause(self) -> None:
        if self.loaded:
            self._engine.pause()

    def resume(self) -> None:
        """Play: continue what is paused, or play the stopped or cued episode."""
        if self.loaded:
            self._engine.resume()
        elif self.episode is not None:
            self.play(self.episode, self.following)

    def stop(self) -> None:
        self._engine.stop()

    def skip(self, delta_s: float) -> None:
        self._engine.skip(delta_s)

    def seek_to(self, position_s: float) -> None:
        self._engine.seek(position_s)

    def set_rate(self, rate: float) -> float:
        return self._engine.set_rate(rate)

    def set_volume(self, percent: int) -> int:
        return self._engine.set_volume(percent)

    def seek_back(self) -> None:
        self._engine.skip(-self.seek_back_s)

    def seek_forward(self) -> None:
        self._engine.skip(self.seek_forward_s)

    def slower(self) -> None:
        self._engine.slower()

    def faster(self) -> None:
        self._engine.faster()

    def volume(self, direction: int) -> None:
        self._engine.change_volume(direction * VOLUME_STEP)

    def next(self) -> None:
        """Skip to the next episode of the list this one was played from."""
        following = [e for e in self.following if e.enclosure_url]
        if self.episode is not None and following:
            self.history.append(self.episode)
            self.play(following[0], following[1:])

    def previous(self) -> None:
        """Go back to the episode that played before this one (skipped or finished)."""
        if self.history:
            episode = self.history.pop()
            current = [self.episode] if self.episode is not None else []
            self.play(episode, [*current, *self.following])

    @property
    def _engine(self) -> Engine:
        assert self.engine is not None, "the actions that use the engine apply only once loaded"
        return self.engine

    # -- events (UI loop) -----------------------------------------------------------
    def handle(self, event: PlayerEvent) -> None:
        episode = self._by_source.get(event.source or "")
        if isinstance(event, PositionChanged):
            if episode is not None and time.monotonic() - self._last_saved >= SAVE_EVERY_S:
                self._save(episode, event.position, event.duration)
        elif isinstance(event, StateChanged):
            if event.state is PlayerState.PAUSED and episode is not None:
                self._save(episode, event.position, event.duration)
            self.host.post_message(PlayerStateChanged())
        elif isinstance(event, Stopped):
            if episode is not None:
                self._save(episode, event.position, event.duration, finished=event.finished)
        elif isinstance(event, Ended):
            if episode is not None:
                self._save(episode, event.position, event.duration, finished=True)
            self._play_next()
        elif isinstance(event, PlaybackError):
            title = episode.title if episode else event.source or ""
            self.host.notify(f"{event.reason}\n({title})", title="Cannot play this episode",
                             severity="error", timeout=10, markup=False)

    def _play_next(self) -> None:
        following = [e for e in self.following if not e.played and e.enclosure_url]
        if self.play_next and following and not self.stop_after_current:
            if self.episode is not None:
                self.history.append(self.episode)
            self.play(following[0], following[1:])
        else:
            self.episode = None
            self.host.post_message(NowPlaying(None))

    def _save(self, episode: Episode, position: float, duration: float | None,
              finished: bool = False) -> None:
        self._last_saved = time.monotonic()
        if self.host.services.librarian.read_only:
            return  # nothing can be saved; the user was told when the library opened
        self.host.run_worker(self._store(episode, position, duration, finished),
                             group="save", exit_on_error=False)

    async def _store(self, episode: Episode, position: float, duration: float | None,
                     finished: bool = False) -> None:
        """Write the position (or the played mark) and announce the stored episode."""
        librarian = self.host.services.librarian
        played = finished or is_finished(position, duration)
        if played:
            stored = await librarian.run(set_played, episode.id, True)
        else:
            stored = await librarian.run(save_position, episode.id, position)
        if stored is None:
            return  # the episode is gone (its feed was removed meanwhile)
        if self.episode is not None and self.episode.id == stored.id:
            self.episode = stored
        self.host.post_message(EpisodeChanged(stored, counts_changed=played))
