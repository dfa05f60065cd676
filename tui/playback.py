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

Each episode plays with its show's settings: speed, volume, skipped intro and outro
(:mod:`tui.tuning`). An episode that ends (or reaches its skipped outro) is marked
played and leaves Up Next and the inbox (:func:`library.listening.finish_episode`);
then the next queued episode plays, else (``[playback] play_next``) the next unplayed
one below it in the list it was played from. :meth:`Playback.next` and
:meth:`Playback.previous` skip through the same order (:mod:`tui.playorder`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from typing import Callable

from library import upnext
from library.downloads import feed_address, playable_source
from library.episodes import get_episode, save_position
from library.listening import Starting, finish_episode, mark, start_episode
from library.models import Episode
from library.record import Record
from library.showsettings import ShowDefaults, ShowSettings, show_settings
from library.upnext import UnknownEpisodes
from player import (
    Ended, PlaybackError, PlayerEvent, PlayerState, PositionChanged, StateChanged, Stopped,
    is_finished,
)
from tui.messages import EngineEvent, EngineStarted, EpisodeChanged, NowPlaying, \
    PlayerStateChanged, UpNextChanged
from tui.playorder import PlayOrder, Step, picked
from tui.services import Engine, Host
from tui.tuning import Tuning
from tui.upnext import read_lists

log = logging.getLogger(__name__)

SAVE_EVERY_S = 5.0
VOLUME_STEP = 5


class NowPlayingView(Record, frozen=True):
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
        self.defaults = ShowDefaults.from_table(host.services.config["player"])
        self.engine: Engine | None = None
        self.engine_error: Exception | None = None
        self.episode: Episode | None = None     # loaded in the engine, or cued
        self.order = PlayOrder()                # what comes after and before it
        self.tuning = Tuning(host, host.services.player_settings, self.defaults)
        self.stop_after_current = False         # the sleep timer: do not play on
        self._by_source: dict[str, Episode] = {}
        self._finished: set[int] = set()        # ended here: no position saved after that
        self._pending: Step | None = None
        self._last_saved = 0.0
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def _read_only(self) -> bool:
        return self.host.services.librarian.read_only is not None

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
            step, self._pending = self._pending, None
            self._go(step)
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
        if episode is not None and status.loaded and not self._read_only \
                and episode.id not in self._finished:
            await self._store(episode, status.position,
                              is_finished(status.position, status.duration))
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
    def play(self, episode: Episode, following: list[Episode],
             preceding: list[Episode] | None = None) -> None:
        """Play ``episode``, picked in a list: ``following`` is below it, ``preceding``
        above it (next / previous and play_next move through them)."""
        self._go(picked(episode, following, preceding or []))

    def _go(self, step: Step) -> None:
        if self.engine_error is not None:
            from tui.screens.dialogs import MessageDialog

            self.host.push_screen(MessageDialog("Cannot play: the player did not start",
                                                str(self.engine_error)))
            return
        if not step.episode.enclosure_url:
            self.host.notify("This episode has no audio file.", severity="error",
                             markup=False)
            return
        if self.engine is None:  # still starting: play as soon as it is ready
            self._pending = step
            return
        self.host.run_worker(self._play(step), group="play", exclusive=True,
                             exit_on_error=False)

    async def _play(self, step: Step) -> None:
        try:
            starting, lists, source, origin = await self.host.services.librarian.run(
                self._start, step.episode.id)
        except UnknownEpisodes as exc:
            self.host.notify(str(exc), severity="error", markup=False)
            return
        fresh = starting.episode
        self.order.started(self.episode, step)
        self.episode, self.tuning.settings = fresh, starting.settings
        self._by_source[source] = fresh
        self._finished.discard(fresh.id)
        self._last_saved = time.monotonic()
        assert self.engine is not None
        self.engine.set_rate(self.tuning.rate)
        self.engine.set_volume(self.tuning.volume)
        self.engine.play(source, start_at=self.tuning.start_at(fresh), origin=origin)
        self.host.post_message(NowPlaying(fresh))
        self.host.post_message(UpNextChanged(lists.queue, lists.inbox))

    def _start(self, conn: sqlite3.Connection, episode_id: int):  # type: ignore[no-untyped-def]
        """On the librarian's thread: the episode leaves the inbox (when the library
        can be written), with its show's settings; the lists after that; what to open
        (its downloaded file when complete, else its address) and the feed that named it
        (a public feed's episode may not be in the private network)."""
        if self._read_only:
            episode = get_episode(conn, episode_id)
            if episode is None:
                raise UnknownEpisodes(f"episode {episode_id} is gone")
            starting = Starting(episode, show_settings(conn, episode.feed_id, self.defaults))
        else:
            starting = start_episode(conn, episode_id, self.defaults)
        return (starting, read_lists(conn), playable_source(conn, starting.episode),
                feed_address(conn, starting.episode))

    def toggle_pause(self) -> None:
        if self.loaded:
            self._engine.toggle_pause()
        elif self.episode is not None:  # stopped, or cued from the last session
            self._go(Step(self.episode, back=True))

    def pause(self) -> None:
        if self.loaded:
            self._engine.pause()

    def resume(self) -> None:
        """Play: continue what is paused, or play the stopped or cued episode."""
        if self.loaded:
            self._engine.resume()
        elif self.episode is not None:
            self._go(Step(self.episode, back=True))

    def stop(self) -> None:
        self._engine.stop()

    def seek_back(self) -> None:
        self._engine.skip(-self.seek_back_s)

    def seek_forward(self) -> None:
        self._engine.skip(self.seek_forward_s)

    def skip(self, delta_s: float) -> None:
        self._engine.skip(delta_s)

    def seek_to(self, position_s: float) -> None:
        self._engine.seek(position_s)

    def set_rate(self, rate: float) -> float:
        """Set the speed (media keys); remembered for the show as the keys' changes are."""
        rate = self._engine.set_rate(rate)
        self.tuning.rate_changed(rate, can_save=not self._read_only)
        return rate

    def set_volume(self, percent: int) -> int:
        return self._engine.set_volume(percent)

    def slower(self) -> None:
        self.tuning.rate_changed(self._engine.slower(), can_save=not self._read_only)

    def faster(self) -> None:
        self.tuning.rate_changed(self._engine.faster(), can_save=not self._read_only)

    def volume(self, direction: int) -> None:
        self.tuning.volume_changed(self._engine.change_volume(direction * VOLUME_STEP))

    def next(self) -> None:
        """Skip to the next queued episode, else the next one in the list."""
        self.host.run_worker(self._skip(forward=True), group="skip", exclusive=True,
                             exit_on_error=False)

    def previous(self) -> None:
        """Back to the queued episode above this one, else the one played before it,
        else the one above it in the list."""
        self.host.run_worker(self._skip(forward=False), group="skip", exclusive=True,
                             exit_on_error=False)

    async def _skip(self, forward: bool) -> None:
        current = self.episode
        if current is None:
            return
        librarian = self.host.services.librarian
        if forward:
            entry = await librarian.run(upnext.next_after, current.id)
            step = self.order.after(current, entry.episode if entry else None,
                                    unplayed_only=False)
        else:
            entry = await librarian.run(upnext.previous_before, current.id)
            step = self.order.before(current, entry.episode if entry else None)
        if step is None:
            self.host.notify("Nothing comes after this episode: Up Next is empty and it is "
                             "the last in its list." if forward else
                             "Nothing comes before this episode.", markup=False)
        else:
            self._go(step)

    def apply_settings(self, settings: ShowSettings) -> None:
        """A show's settings were saved: if it is playing, its speed and volume apply."""
        if self.tuning.saved(settings) and self.loaded:
            self._engine.set_rate(self.tuning.rate)
            self._engine.set_volume(self.tuning.volume)

    @property
    def _engine(self) -> Engine:
        assert self.engine is not None, "the actions that use the engine apply only once loaded"
        return self.engine

    # -- events (UI loop) -----------------------------------------------------------
    def handle(self, event: PlayerEvent) -> None:
        episode = self._by_source.get(event.source or "")
        done = episode is None or episode.id in self._finished
        if isinstance(event, PositionChanged):
            if done:
                return
            assert episode is not None
            playing = self.episode is not None and self.episode.id == episode.id
            if playing and self.tuning.outro_reached(episode, event.position, event.duration):
                self._finish(episode)
            elif time.monotonic() - self._last_saved >= SAVE_EVERY_S:
                self._save(episode, event.position)
        elif isinstance(event, StateChanged):
            if event.state is PlayerState.PAUSED and not done:
                assert episode is not None
                self._save(episode, event.position, is_finished(event.position,
                                                                event.duration))
            self.host.post_message(PlayerStateChanged())
        elif isinstance(event, Stopped):
            if not done:
                assert episode is not None
                self._save(episode, event.position, event.finished)
        elif isinstance(event, Ended):
            if episode is None:
                self._advance(None)
            elif not done:
                self._finish(episode)
        elif isinstance(event, PlaybackError):
            title = episode.title if episode else event.source or ""
            self.host.notify(f"{event.reason}\n({title})", title="Cannot play this episode",
                             severity="error", timeout=10, markup=False)

    def _finish(self, episode: Episode) -> None:
        """``episode`` played to its end (or its outro): mark it played, play on."""
        self._finished.add(episode.id)
        # The sleep timer's "at the end of this episode" is decided now: it is cancelled
        # as soon as the episode ends, before the worker below is done.
        play_on = not self.stop_after_current
        self.host.run_worker(self._finish_and_advance(episode, play_on), group="finish",
                             exit_on_error=False)

    async def _finish_and_advance(self, episode: Episode, play_on: bool) -> None:
        librarian = self.host.services.librarian
        if self._read_only:
            entry = await librarian.run(upnext.next_after, episode.id)
            self._advance(episode, entry.episode if entry else None, play_on)
            return
        try:
            finished, stored, lists = await librarian.run(
                lambda conn: (finish_episode(conn, episode.id), get_episode(conn, episode.id),
                              read_lists(conn)))
        except UnknownEpisodes:  # its feed was removed meanwhile
            finished, stored, lists = None, None, None
        if stored is not None:
            self._stored(stored, played=True)
        if lists is not None:
            self.host.post_message(UpNextChanged(lists.queue, lists.inbox))
        self._advance(episode, finished.next.episode if finished and finished.next else None,
                      play_on)

    def _advance(self, episode: Episode | None, queued: Episode | None = None,
                 play_on: bool = True) -> None:
        """Play what comes after ``episode``: the queue's next, else (play_next) the list's
        next unplayed one; else (or not ``play_on``) stop there."""
        step = self.order.after(episode, queued, unplayed_only=True, finished=self._finished)
        if play_on and step is not None and (queued is not None or self.play_next):
            self._go(step)
            return
        if self.loaded and self.episode is not None and self.episode.id in self._finished:
            self._engine.stop()  # its outro is still playing
        self.episode = None
        self.host.post_message(NowPlaying(None))

    def _save(self, episode: Episode, position: float, played: bool = False) -> None:
        self._last_saved = time.monotonic()
        if self._read_only:
            return  # nothing can be saved; the user was told when the library opened
        self.host.run_worker(self._store(episode, position, played), group="save",
                             exit_on_error=False)

    async def _store(self, episode: Episode, position: float, played: bool) -> None:
        """Write the position, or the played mark (which takes the episode out of Up
        Next and the inbox); announce the stored episode."""
        librarian = self.host.services.librarian
        try:
            if played:
                stored, lists = await librarian.run(
                    lambda conn: (mark(conn, [episode.id], True)[0], read_lists(conn)))
                self.host.post_message(UpNextChanged(lists.queue, lists.inbox))
            else:
                stored = await librarian.run(save_position, episode.id, position)
        except UnknownEpisodes:
            stored = None
        if stored is not None:  # else the episode is gone (its feed was removed meanwhile)
            self._stored(stored, played)

    def _stored(self, stored: Episode, played: bool) -> None:
        if self.episode is not None and self.episode.id == stored.id:
            self.episode = stored
        self.host.post_message(EpisodeChanged(stored, counts_changed=played))
