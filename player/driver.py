"""The driver: one libVLC instance and one media player, worked by one thread.

Threads, and why:

- Callers (the UI thread, or any other) go through :class:`player.engine.Player`, which
  only queues commands here with :meth:`VLCDriver.post`; they never wait on libVLC.
- libVLC calls :meth:`VLCDriver._on_vlc_event` on its own threads. Calling libVLC from
  there deadlocks, so it only copies the event's values and queues them (no locks).
- The engine thread ("podterm-player", running :meth:`VLCDriver.run`) works through the
  queue: commands and libVLC events, in order. After start-up it is the only thread that
  calls libVLC. The ``do_*`` methods and the ``_vlc_*`` handlers run there and nowhere else.
- Subscribers are called on threads of their own (see :mod:`player.dispatch`).

Every time the driver stops libVLC it bumps ``_generation``; events queued by libVLC
before that belong to the old media and are dropped, so a late "end reached" of the
previous episode cannot end the next one.

libVLC is never given a remote address: remote sources go through the driver's
:class:`player.proxy.StreamProxy`, and libVLC gets the proxy's loopback address for them.
Media that has not started playing after ``settings.open_timeout_s`` is an error.
"""

from __future__ import annotations

import logging
import os
import queue
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

from .events import (
    LOADED_STATES, Ended, PlaybackError, PlayerState, PositionChanged, Stopped, is_finished,
)
from .libvlc import PlayerError
from .model import PlaybackModel
from .proxy import StreamProxy, Upstream
from .settings import PlayerSettings
from .sources import explain_no_audio, explain_open_failure, explain_timeout, resolve_source

log = logging.getLogger(__name__)

BASE_VLC_ARGS = ("--no-video",)  # a podcast player never opens a video window
TICK_S = 0.1                     # how often the engine looks at the clock while playing
STALL_S = 4.0                    # playing, but libVLC's time has not moved for this long
AUDIO_TRACK = 0                  # libvlc_track_audio

_AUDIO_OUT = frozenset({PlayerState.BUFFERING, PlayerState.PLAYING, PlayerState.PAUSED})
_SHUTDOWN = object()
# libVLC event -> (our name for it, how to read its value from the event's union).
# ESAdded's es_changed.i_type is the union's first field, which python-vlc calls meta_type.
_VLC_EVENTS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "MediaPlayerPlaying": ("playing", None),
    "MediaPlayerPaused": ("paused", None),
    "MediaPlayerStopped": ("stopped", None),
    "MediaPlayerEndReached": ("ended", None),
    "MediaPlayerEncounteredError": ("error", None),
    "MediaPlayerTimeChanged": ("time", lambda u: u.new_time / 1000),
    "MediaPlayerLengthChanged": ("length", lambda u: u.new_length / 1000),
    "MediaPlayerESAdded": ("track", lambda u: u.meta_type),
}


@dataclass
class _Loaded:
    """Engine-thread bookkeeping for the media libVLC has loaded; replaced by each play."""

    asked_start: float                    # play()'s start_at, before the rewind
    open_deadline: float = float("inf")   # an error if not playing by then (monotonic)
    has_audio: bool = False
    playing_without_audio: bool = False   # libVLC said playing before any audio track
    failing: bool = False                 # an error is being reported: ignore libVLC
    pending_seek: float | None = None     # asked while opening, applied once playing
    pause_when_playing: bool = False      # pause asked while opening
    volume_unconfirmed: bool = False      # re-apply at the first time report


class VLCDriver:
    """Owns libVLC; built by :class:`player.engine.Player`, which runs :meth:`run` on the
    engine thread. What it learns goes into the shared :class:`PlaybackModel`."""

    def __init__(self, vlc: ModuleType, settings: PlayerSettings, model: PlaybackModel,
                 position_interval_s: float) -> None:
        self._settings = settings
        self._model = model
        self._position_interval_s = position_interval_s
        self._generation = 0
        self._media: Any = None
        self._loaded = _Loaded(asked_start=0.0)
        self._next_position_at = 0.0
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

        self._instance = vlc.Instance([*BASE_VLC_ARGS, *settings.vlc_args])
        if self._instance is None:
            raise PlayerError(
                f"libVLC did not start with the options {settings.vlc_args} (from [player] "
                "vlc_args or PODTERM_VLC_ARGS); its own messages are in the player's log"
            )
        self._media_player = self._instance.media_player_new()
        self._proxy = StreamProxy()
        self._upstream: Upstream | None = None  # what the proxy streams for the media
        self._event_types = [getattr(vlc.EventType, name) for name in _VLC_EVENTS]
        manager = self._media_player.event_manager()
        for event_type, (kind, read) in zip(self._event_types, _VLC_EVENTS.values()):
            manager.event_attach(event_type, self._on_vlc_event, kind, read)

    # -- any thread ----------------------------------------------------------------------
    def post(self, handler: Callable[..., None], *args: Any) -> None:
        """Queue ``handler(*args)`` for the engine thread."""
        self._inbox.put((handler, args))

    def post_shutdown(self) -> None:
        """Queue the end: stop, release libVLC, return from :meth:`run`."""
        self._inbox.put(_SHUTDOWN)

    def change_rate(self, compute: Callable[[float], float]) -> float:
        rate = self._model.change_rate(compute)
        self.post(self._apply_rate)
        return rate

    def change_volume(self, compute: Callable[[int], float]) -> int:
        volume = self._model.change_volume(compute)
        self.post(self._apply_volume)
        return volume

    def _on_vlc_event(self, event: Any, kind: str, read: Callable[[Any], Any] | None) -> None:
        """Runs on a libVLC thread: copy the values and queue them. Never call libVLC here
        (it deadlocks) and take no lock."""
        value = read(event.u) if read else None
        self.post(self._handle_vlc_event, self._generation, kind, value, time.monotonic())

    # -- the engine thread ---------------------------------------------------------------
    @property
    def _state(self) -> PlayerState:
        return self._model.state  # only this thread writes it, so no lock to read

    def run(self) -> None:
        while True:
            timeout = TICK_S if self._state is PlayerState.PLAYING else None
            if self._state is PlayerState.OPENING and not self._loaded.failing:
                timeout = max(0.0, self._loaded.open_deadline - time.monotonic())
            try:
                item = self._inbox.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _SHUTDOWN:
                self._shutdown()
                return
            try:
                if item is not None:
                    handler, args = item
                    handler(*args)
                self._tick(time.monotonic())
            except Exception:
                log.exception("player engine failed handling %r", item)

    def _tick(self, now: float) -> None:
        if self._state is PlayerState.OPENING and not self._loaded.failing \
                and now >= self._loaded.open_deadline:
            self._fail(explain_timeout(self._model.source,  # type: ignore[arg-type]
                                       self._settings.open_timeout_s))
            return
        if self._state is not PlayerState.PLAYING:
            return
        with self._model.lock:
            stalled = self._model.clock.since_moved(now) > STALL_S
            if stalled:
                self._model.clock.freeze(now)
        if stalled:
            self._model.set_state(PlayerState.BUFFERING)
        elif now >= self._next_position_at:
            self._model.publish(PositionChanged)
            self._next_position_at = now + self._position_interval_s

    def do_play(self, source_arg: str | os.PathLike[str], start_at: float,
                origin: str | None = None) -> None:
        source = resolve_source(source_arg, origin)
        self._end_current()
        start = max(0.0, start_at - self._settings.rewind_on_resume_s) if start_at > 0 else 0.0
        model = self._model
        with model.lock:
            model.source, model.duration, model.error = source, None, None
            model.clock.reset(start)
            rate = model.rate
        self._loaded = _Loaded(asked_start=start_at,
                               open_deadline=time.monotonic() + self._settings.open_timeout_s)
        model.set_state(PlayerState.OPENING)
        if source.problem:
            self._fail(source.problem)
            return
        if source.url is not None:
            self._upstream = self._proxy.open(source.url, source.origin)
            media = self._instance.media_new(self._upstream.local_url)
        else:
            media = self._instance.media_new_path(str(source.path))
        if start:
            media.add_option(f":start-time={start:.3f}")
        self._media_player.set_media(media)
        self._release_media()
        self._media = media
        self._media_player.set_rate(rate)
        if self._media_player.play() != 0:
            self._fail(None)

    def do_pause(self) -> None:
        if self._state in (PlayerState.PLAYING, PlayerState.BUFFERING):
            self._media_player.set_pause(1)
        elif self._state is PlayerState.OPENING:
            self._loaded.pause_when_playing = True

    def do_resume(self) -> None:
        if self._state is PlayerState.PAUSED:
            self._media_player.set_pause(0)
        elif self._state is PlayerState.OPENING:
            self._loaded.pause_when_playing = False
        elif self._state is PlayerState.ENDED and self._model.source is not None:
            self.do_play(self._model.source.text, 0.0, self._model.source.origin)

    def do_toggle(self) -> None:
        opening = self._state is PlayerState.OPENING
        if self._state in (PlayerState.PLAYING, PlayerState.BUFFERING) or (
                opening and not self._loaded.pause_when_playing):
            self.do_pause()
        else:
            self.do_resume()

    def do_stop(self) -> None:
        self._end_current()
        with self._model.lock:
            self._model.source, self._model.duration = None, None
            self._model.clock.reset(0.0)
        self._model.set_state(PlayerState.IDLE)

    def do_seek(self, seconds: float, relative: bool) -> None:
        if self._state not in LOADED_STATES:
            return
        now = time.monotonic()
        model = self._model
        with model.lock:
            target = max(0.0, seconds + model.position_locked(now) if relative else seconds)
            if model.duration is not None:
                target = min(target, model.duration)
            model.clock.seek(target, now)
        if self._state is PlayerState.OPENING:
            self._loaded.pending_seek = target
            return
        self._media_player.set_time(int(target * 1000))
        model.publish(PositionChanged)

    def _apply_rate(self) -> None:
        with self._model.lock:
            rate = self._model.rate
            self._model.clock.set_rate(rate, time.monotonic())
        self._media_player.set_rate(rate)

    def _apply_volume(self) -> None:
        # libVLC starts every new audio output at 100 % and loses a volume set before the
        # output has started, which can be just after the Playing event; --aout=dummy
        # cannot even report it. So our value is the truth, applied at Playing and again
        # at the first time report, when audio is certainly flowing.
        if self._state in _AUDIO_OUT:
            self._media_player.audio_set_volume(self._model.volume)

    # -- libVLC's events, in order, on the engine thread ---------------------------------
    def _handle_vlc_event(self, generation: int, kind: str, value: Any, wall: float) -> None:
        if generation == self._generation and not self._loaded.failing:
            getattr(self, f"_vlc_{kind}")(value, wall)

    def _vlc_playing(self, _value: None, wall: float) -> None:
        # An HTML page behind an .mp3 URL also "plays" (for 0 s): say playing only once
        # there is an audio track.
        if self._loaded.has_audio:
            self._start_playing(wall)
        else:
            self._loaded.playing_without_audio = True

    def _vlc_track(self, track_type: int, wall: float) -> None:
        if track_type == AUDIO_TRACK and not self._loaded.has_audio:
            self._loaded.has_audio = True
            if self._loaded.playing_without_audio:
                self._start_playing(wall)

    def _start_playing(self, wall: float) -> None:
        loaded = self._loaded
        if loaded.pending_seek is not None:
            self._media_player.set_time(int(loaded.pending_seek * 1000))
            loaded.pending_seek = None
        if loaded.pause_when_playing:
            loaded.pause_when_playing = False
            self._media_player.set_pause(1)
        with self._model.lock:
            self._model.clock.start(wall)
        self._next_position_at = wall + self._position_interval_s
        self._model.set_state(PlayerState.PLAYING)
        self._apply_volume()
        loaded.volume_unconfirmed = True

    def _vlc_paused(self, _value: None, wall: float) -> None:
        with self._model.lock:
            self._model.clock.freeze(wall)
        self._model.set_state(PlayerState.PAUSED)

    def _vlc_time(self, seconds: float, wall: float) -> None:
        if self._state is PlayerState.OPENING:
            return  # before playing, libVLC says 0 even when starting further in
        if self._loaded.volume_unconfirmed:
            self._loaded.volume_unconfirmed = False
            self._apply_volume()
        with self._model.lock:
            moved = self._model.clock.observe(seconds, wall)
            unstalled = moved and self._state is PlayerState.BUFFERING
            if unstalled:
                self._model.clock.start(wall)
        if unstalled:
            self._model.set_state(PlayerState.PLAYING)

    def _vlc_length(self, seconds: float, _wall: float) -> None:
        if seconds > 0:
            with self._model.lock:
                self._model.duration = seconds

    def _vlc_ended(self, _value: None, wall: float) -> None:
        if not self._loaded.has_audio:
            self._fail(explain_no_audio(self._model.source))  # type: ignore[arg-type]
            return
        if self._upstream is not None and self._upstream.failed:
            self._fail(None)  # a seek's request was refused or failed: not the end
            return
        with self._model.lock:
            self._model.clock.reset(self._model.duration or self._model.clock.position(wall))
        self._model.publish(Ended)
        self._model.set_state(PlayerState.ENDED)

    def _vlc_error(self, _value: None, _wall: float) -> None:
        self._fail(None)

    def _vlc_stopped(self, _value: None, _wall: float) -> None:
        if self._state in LOADED_STATES:  # libVLC gave up on its own and did not say why
            self._fail(None)

    # -- failures ------------------------------------------------------------------------
    def _fail(self, reason: str | None) -> None:
        """Report an error; with no ``reason``, from what the proxy saw upstream."""
        self._loaded.failing = True
        if reason is None:
            reason = explain_open_failure(self._model.source,  # type: ignore[arg-type]
                                          self._upstream)
        self._halt()
        with self._model.lock:
            self._model.error = reason
            self._model.clock.freeze(time.monotonic())
        self._model.publish(PlaybackError, reason=reason)
        self._model.set_state(PlayerState.ERROR)

    # -- helpers -------------------------------------------------------------------------
    def _end_current(self) -> None:
        """Stop libVLC; if something was loaded, send Stopped with where it was."""
        previous = self._state
        if previous is PlayerState.IDLE:
            return
        with self._model.lock:
            self._model.clock.freeze(time.monotonic())
            fields = self._model.fields_locked(time.monotonic())
        self._halt()
        if previous not in LOADED_STATES:
            return
        if previous is PlayerState.OPENING and self._loaded.pending_seek is None:
            # Nothing was heard: the resume point is what was asked, not the rewound start
            # (else every quick switch between episodes would lose the rewind).
            fields["position"] = self._loaded.asked_start
        finished = is_finished(fields["position"], fields["duration"])
        self._model.hub.publish(Stopped(finished=finished, **fields))

    def _halt(self) -> None:
        self._media_player.stop()
        self._generation += 1
        if self._upstream is not None:
            self._proxy.release(self._upstream)
            self._upstream = None

    def _release_media(self) -> None:
        if self._media is not None:
            self._media.release()
            self._media = None

    def _shutdown(self) -> None:
        self.do_stop()
        manager = self._media_player.event_manager()
        for event_type in self._event_types:
            manager.event_detach(event_type)
        self._media_player.release()
        self._release_media()
        self._instance.release()
        self._proxy.close()
