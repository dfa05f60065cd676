"""The public face of the engine: every method is safe on any thread and returns at once.

Methods only queue commands for the engine thread (see :mod:`player.driver`), so the UI
never waits on libVLC. Volume and rate are stored immediately, so :meth:`Player.status`
shows a new value before libVLC has applied it.
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path
from typing import Callable

from .dispatch import Callback, EventHub
from .driver import VLCDriver
from .events import PlayerStatus
from .libvlc import load_vlc
from .model import PlaybackModel
from .settings import RATE_STEP, PlayerSettings
from .stderr_log import StderrToFile

STDERR_LOG_NAME = "libvlc-stderr.log"


class Player:
    """Plays one source at a time; see the ``player`` package docstring for the contract.

    Raises :class:`~player.LibVLCMissing` when libVLC is not installed, and
    :class:`~player.PlayerError` when libVLC rejects ``settings.vlc_args``. While the
    player is open, file descriptor 2 writes to ``log_dir / STDERR_LOG_NAME``
    (:attr:`stderr_log`). Create one per process and :meth:`close` it.
    """

    def __init__(self, settings: PlayerSettings, log_dir: Path, *,
                 position_interval_s: float = 1.0) -> None:
        vlc = load_vlc()
        self.settings = settings
        self.stderr_log = log_dir / STDERR_LOG_NAME
        self._hub = EventHub()
        self._stderr = StderrToFile(self.stderr_log)
        self._stderr.start()
        self._model = PlaybackModel(settings, self._hub)
        try:
            self._driver = VLCDriver(vlc, settings, self._model, position_interval_s)
        except BaseException:
            self._stderr.stop()
            raise
        self._closed = False
        self._close_lock = threading.Lock()
        self._thread = threading.Thread(target=self._driver.run, name="podterm-player",
                                        daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(event)`` for every event, on a thread of its own (never the
        caller's, never libVLC's); returns a function that unsubscribes."""
        return self._hub.subscribe(callback)

    def play(self, source: str | os.PathLike[str], start_at: float = 0.0, *,
             origin: str | None = None) -> None:
        """Play an http(s) URL or a local file (a path or a file:// URL), replacing what
        is playing. ``start_at`` is a saved position: playback starts
        ``settings.rewind_on_resume_s`` seconds before it (120 -> 115 by default).
        ``origin`` is the address of the feed that named ``source``: when that feed's
        server is public, ``source`` may not be in the private network (a feed on your
        own machine or LAN may link anywhere; no origin: an address the user chose)."""
        self._driver.post(self._driver.do_play, source, start_at, origin)

    def pause(self) -> None:
        self._driver.post(self._driver.do_pause)

    def resume(self) -> None:
        """Continue after pause; after the end, play the same source again from the start."""
        self._driver.post(self._driver.do_resume)

    def toggle_pause(self) -> None:
        self._driver.post(self._driver.do_toggle)

    def stop(self) -> None:
        """Stop and unload; a Stopped event reports where playback was."""
        self._driver.post(self._driver.do_stop)

    def seek(self, position_s: float) -> None:
        """Jump to ``position_s`` seconds (clamped to the media). Ignored when idle, ended
        or failed; while opening, playback starts there."""
        self._driver.post(self._driver.do_seek, position_s, False)

    def skip(self, delta_s: float) -> None:
        """Jump ``delta_s`` seconds forward (negative: back) from the current position."""
        self._driver.post(self._driver.do_seek, delta_s, True)

    def set_rate(self, rate: float) -> float:
        """Set the playback rate, snapped to 0.5-3.0 in 0.1 steps; returns the new rate."""
        return self._driver.change_rate(lambda _current: rate)

    def faster(self) -> float:
        return self._driver.change_rate(lambda current: current + RATE_STEP)

    def slower(self) -> float:
        return self._driver.change_rate(lambda current: current - RATE_STEP)

    def set_volume(self, volume: int) -> int:
        """Set the volume in percent, clamped to 0-150; returns the new volume."""
        return self._driver.change_volume(lambda _current: volume)

    def change_volume(self, delta: int) -> int:
        return self._driver.change_volume(lambda current: current + delta)

    def status(self) -> PlayerStatus:
        """A snapshot for drawing; the position moves smoothly between libVLC's reports,
        so poll it as often as the screen needs (it takes one short lock)."""
        return self._model.status()

    def close(self) -> None:
        """Stop (a final Stopped event goes out first), release libVLC, end the threads
        and give fd 2 back. Safe to call twice, from any thread but libVLC's; runs at
        interpreter exit if the caller forgot."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        atexit.unregister(self.close)
        self._driver.post_shutdown()
        self._thread.join()
        self._hub.close(timeout_s=2.0)
        self._stderr.stop()

    def __enter__(self) -> "Player":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
