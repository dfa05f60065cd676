"""The driver: one libVLC instance and one media player, worked by one thread.

Threads, and why:

- Callers (the UI thread, or any other) go through :class:`player.engine.Player`, which only
  queues commands here with :meth:`VLCDriver.post`; they never wait on libVLC.
- libVLC calls :meth:`VLCDriver._on_vlc_event` on its own threads. Calling libVLC from there
  deadlocks, so it only copies the event's values and queues them (no locks, no libVLC).
- The engine thread ("podterm-player", running :meth:`VLCDriver.run`) works through the
  queue: commands and libVLC events, in order. After start-up it is the only thread that
  calls libVLC. The ``do_*`` methods and the ``_vlc_*`` handlers run there and nowhere else.
- Subscribers are called on threads of their own (see :mod:`player.dispatch`).

Every time the driver stops libVLC it bumps ``_generation``; events queued by libVLC
before that belong to the old media and are dropped, so a late "end reached" of the
previous episode cannot end the next one.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from types import ModuleType
from typing import Any, Callable

from .clock import PlaybackClock
from .dispatch import EventHub
from .events import (
    Ended, PlaybackError, PlayerEvent, PlayerState, PlayerStatus, PositionChanged,
    StateChanged, Stopped, is_finished,
)
from .libvlc import PlayerError
from .settings import PlayerSettings, clamp_volume, snap_rate
from .sources import Source, explain_no_audio, explain_open_failure, resolve_source

log = logging.getLogger(__name__)

BASE_VLC_ARGS = ("--no-video",)       # a podcast player never opens a video window
TICK_S = 0.1                          # how often the engine looks at the clock while playing
STALL_S = 4.0                         # playing with no media-time progress this long: buffering
AUDIO_TRACK = 0                       # libvlc_track_audio

_ACTIVE = frozenset({PlayerState.OPENING, PlayerState.BUFFERING, PlayerState.PLAYING,
                     PlayerState.PAUSED})
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


class VLCDriver:
    """Owns libVLC; built by :class:`player.engine.Player`, which runs :meth:`run` on the
    engine thread.

    The fields under ``_lock`` are what :meth:`status` reports; the engine thread writes
    them, holding the lock briefly and never while calling libVLC.
    """

    def __init__(self, vlc: ModuleType, settings: PlayerSettings, hub: EventHub,
                 position_interval_s: float) -> None:
        self._settings = settings
        self._hub = hub
        self._position_interval_s = position_interval_s
        self._lock = threading.Lock()
        self._state = PlayerState.IDLE
        self._source: Source | None = None
        self._duration: float | None = None
        self._error: str | None = None
        self._volume = settings.volume
        self._rate = settings.rate
        self._clock = PlaybackClock()
        self._clock.set_rate(self._rate, time.monotonic())
        # Engine-thread bookkeeping for the current media.
        self._generation = 0
        self._media: Any = None
        self._has_audio = False
        self._playing_without_audio = False  # libVLC said playing before any audio track
        self._failing = False
        self._pending_seek: float | None = None
        self._pause_when_playing = False
        self._volume_unconfirmed = False  # re-apply at the first time report (see _apply_volume)
        self._last_progress = (0.0, 0.0)  # (media s, wall s) of the last time report that moved
        self._next_position_at = 0.0
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

        self._instance = vlc.Instance([*BASE_VLC_ARGS, *settings.vlc_args])
        if self._instance is None:
            raise PlayerError(
                f"libVLC did not start with the options {settings.vlc_args} (from [player] "
                "vlc_args or PODTERM_VLC_ARGS); its own messages are in the player's log"
            )
        self._media_player = self._instance.media_player_new()
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
        with self._lock:
            self._rate = rate = snap_rate(compute(self._rate))
        self.post(self._apply_rate)
        return rate

    def change_volume(self, compute: Callable[[int], float]) -> int:
        with self._lock:
            self._volume = volume = clamp_volume(compute(self._volume))
        self.post(self._apply_volume)
        return volume

    def status(self) -> PlayerStatus:
        with self._lock:
            fields = self._event_fields_locked(time.monotonic())
            return PlayerStatus(state=self._state, volume=self._volume, rate=self._rate,
                                error=self._error, **fields)

    def _on_vlc_event(self, event: Any, kind: str, read: Callable[[Any], Any] | None) -> None:
        """Runs on a libVLC thread: copy the values and queue them. Never call libVLC here
        (it deadlocks) and take no lock."""
        value = read(event.u) if read else None
        self.post(self._handle_vlc_event, self._generation, kind, value, time.monotonic())

    # -- the engine thread ---------------------------------------------------------------
    def run(self) -> None:
        while True:
            timeout = TICK_S if self._state is PlayerState.PLAYING else None
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
        if self._state is not PlayerState.PLAYING:
            return
        if now - self._last_progress[1] > STALL_S:
            with self._lock:
                self._clock.freeze(now)
            self._set_state(PlayerState.BUFFERING)
        elif now >= self._next_position_at:
            self._publish(PositionChanged)
            self._next_position_at = now + self._position_interval_s

    def do_play(self, source_arg: str | os.PathLike[str], start_at: float) -> None:
        source = resolve_source(source_arg)
        self._end_current()
        start = max(0.0, start_at - self._settings.rewind_on_resume_s) if start_at > 0 else 0.0
        with self._lock:
            self._source, self._duration, self._error = source, None, None
            self._clock.reset(start)
            rate = self._rate
        self._has_audio = self._playing_without_audio = False
        self._failing = self._pause_when_playing = False
        self._pending_seek = None
        self._set_state(PlayerState.OPENING)
        if source.problem:
            self._fail(source.problem)
            return
        if source.url is not None:
            media = self._instance.media_new(source.url)
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
            self._pause_when_playing = True

    def do_resume(self) -> None:
        if self._state is PlayerState.PAUSED:
            self._media_player.set_pause(0)
        elif self._state is PlayerState.OPENING:
            self._pause_when_playing = False
        elif self._state is PlayerState.ENDED and self._source is not None:
            self.do_play(self._source.text, 0.0)

    def do_toggle(self) -> None:
        playing = self._state in (PlayerState.PLAYING, PlayerState.BUFFERING)
        if playing or (self._state is PlayerState.OPENING and not self._pause_when_playing):
            self.do_pause()
        else:
            self.do_resume()

    def do_stop(self) -> None:
        self._end_current()
        with self._lock:
            self._source, self._duration = None, None
            self._clock.reset(0.0)
        self._set_state(PlayerState.IDLE)

    def do_seek(self, seconds: float, relative: bool) -> None:
        if self._state not in _ACTIVE:
            return
        now = time.monotonic()
        with self._lock:
            target = seconds + self._position_locked(now) if relative else seconds
            target = max(0.0, target if self._duration is None else min(target, self._duration))
            self._clock.seek(target, now)
        if self._state is PlayerState.OPENING:
            self._pending_seek = target
            return
        self._media_player.set_time(int(target * 1000))
        self._last_progress = (target, now)
        self._publish(PositionChanged)

    def _apply_rate(self) -> None:
        with self._lock:
            rate = self._rate
            self._clock.set_rate(rate, time.monotonic())
        self._media_player.set_rate(rate)

    def _apply_volume(self) -> None:
        # libVLC starts every new audio output at 100 % and loses a volume set before the
        # output has started, which can be just after the Playing event; --aout=dummy
        # cannot even report it. So our value is the truth, applied at Playing and again
        # at the first time report, when audio is certainly flowing.
        if self._state in (PlayerState.PLAYING, PlayerState.PAUSED, PlayerState.BUFFERING):
            self._media_player.audio_set_volume(self._volume)

    # libVLC events, in order, on the engine thread
    def _handle_vlc_event(self, generation: int, kind: str, value: Any, wall: float) -> None:
        if generation == self._generation and not self._failing:
            getattr(self, f"_vlc_{kind}")(value, wall)

    def _vlc_playing(self, _value: None, wall: float) -> None:
        # An HTML page behind an .mp3 URL also "plays" (for 0 s): say playing only once
        # there is an audio track.
        if self._has_audio:
            self._start_playing(wall)
        else:
            self._playing_without_audio = True

    def _vlc_track(self, track_type: int, wall: float) -> None:
        if track_type == AUDIO_TRACK and not self._has_audio:
            self._has_audio = True
            if self._playing_without_audio:
                self._start_playing(wall)

    def _start_playing(self, wall: float) -> None:
        if self._pending_seek is not None:
            self._media_player.set_time(int(self._pending_seek * 1000))
            self._pending_seek = None
        if self._pause_when_playing:
            self._pause_when_playing = False
            self._media_player.set_pause(1)
        with self._lock:
            self._clock.start(wall)
            self._last_progress = (self._clock.position(wall), wall)
        self._next_position_at = wall + self._position_interval_s
        self._set_state(PlayerState.PLAYING)
        self._apply_volume()
        self._volume_unconfirmed = True

    def _vlc_paused(self, _value: None, wall: float) -> None:
        with self._lock:
            self._clock.freeze(wall)
        self._set_state(PlayerState.PAUSED)

    def _vlc_time(self, seconds: float, wall: float) -> None:
        if self._state is PlayerState.OPENING:
            return  # before playing, libVLC says 0 even when starting further in
        if self._volume_unconfirmed:
            self._volume_unconfirmed = False
            self._apply_volume()
        moved = seconds != self._last_progress[0]
        if moved:
            self._last_progress = (seconds, wall)
        with self._lock:
            self._clock.observe(seconds, wall)
            if moved and self._state is PlayerState.BUFFERING:
                self._clock.start(wall)
        if moved and self._state is PlayerState.BUFFERING:
            self._set_state(PlayerState.PLAYING)

    def _vlc_length(self, seconds: float, _wall: float) -> None:
        if seconds > 0:
            with self._lock:
                self._duration = seconds

    def _vlc_ended(self, _value: None, wall: float) -> None:
        if not self._has_audio:
            self._fail(explain_no_audio(self._source))  # type: ignore[arg-type]
            return
        with self._lock:
            self._clock.reset(self._duration or self._clock.position(wall))
        self._publish(Ended)
        self._set_state(PlayerState.ENDED)

    def _vlc_error(self, _value: None, _wall: float) -> None:
        self._fail(None)

    def _vlc_stopped(self, _value: None, _wall: float) -> None:
        if self._state in _ACTIVE:  # libVLC gave up on its own and did not say why
            self._fail(None)

    # failures
    def _fail(self, reason: str | None) -> None:
        """Report an error; with no ``reason``, find one on a worker thread first."""
        self._failing = True
        if reason is not None:
            self._report_error(self._generation, reason)
            return
        source, generation = self._source, self._generation

        def probe() -> None:
            self.post(self._report_error, generation, explain_open_failure(source))

        threading.Thread(target=probe, name="podterm-player-probe", daemon=True).start()

    def _report_error(self, generation: int, reason: str) -> None:
        if generation != self._generation:
            return  # the user moved on while we were finding out
        self._halt()
        with self._lock:
            self._error = reason
            self._clock.freeze(time.monotonic())
        self._publish(PlaybackError, reason=reason)
        self._set_state(PlayerState.ERROR)

    # helpers (engine thread)
    def _end_current(self) -> None:
        """Stop libVLC; if something was playing, send Stopped with its last position."""
        previous = self._state
        if previous is PlayerState.IDLE:
            return
        with self._lock:
            self._clock.freeze(time.monotonic())
        self._halt()
        if previous in _ACTIVE:
            with self._lock:
                fields = self._event_fields_locked(time.monotonic())
            finished = is_finished(fields["position"], fields["duration"])
            self._hub.publish(Stopped(finished=finished, **fields))

    def _halt(self) -> None:
        self._media_player.stop()
        self._generation += 1

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

    def _set_state(self, state: PlayerState) -> None:
        with self._lock:
            previous, self._state = self._state, state
            fields = self._event_fields_locked(time.monotonic())
        if previous is not state:
            self._hub.publish(StateChanged(state=state, previous=previous, **fields))

    def _publish(self, event_class: type[PlayerEvent], **extra: Any) -> None:
        with self._lock:
            fields = self._event_fields_locked(time.monotonic())
        self._hub.publish(event_class(**fields, **extra))

    def _event_fields_locked(self, now: float) -> dict[str, Any]:
        return {
            "source": self._source.text if self._source else None,
            "position": self._position_locked(now),
            "duration": self._duration,
        }

    def _position_locked(self, now: float) -> float:
        position = self._clock.position(now)
        return min(position, self._duration) if self._duration else position
