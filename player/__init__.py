"""podterm's playback engine: sound through libVLC, nothing about screens or feeds.

Never imports textual, ``library`` or ``tui`` (a test checks).

Start-up::

    from player import Player, LibVLCMissing, PlayerError, settings_from

    settings = settings_from(config["player"], os.environ)  # PODTERM_VLC_ARGS wins
    try:
        player = Player(settings, paths.log_dir)
    except LibVLCMissing as exc:    # message says how to install VLC on each platform
        ...                         # (PlayerError: libVLC rejected the vlc_args)
    unsubscribe = player.subscribe(on_player_event)
    ...
    player.close()                  # at exit: stops, releases libVLC, ends threads

``PlayerSettings(vlc_args=[], rewind_on_resume_s=5.0, volume=100, rate=1.0,
open_timeout_s=20.0)`` is a plain frozen dataclass; ``libvlc_version()`` checks for
libVLC without starting a player.

Player (every method is safe on any thread and returns at once; nothing blocks on libVLC):

- ``play(source, start_at=0.0, *, origin=None)``: an http(s) URL, a path or a file://
  URL. ``start_at`` is a saved position; playback starts ``rewind_on_resume_s`` earlier
  (120 -> 115). An http(s) URL is never given to libVLC: the player streams it through
  its own loopback proxy (player/proxy.py), which follows redirects itself (http/https
  only, at most 5, never from a public server into the private network), so a server
  redirecting to ``file:///etc/passwd`` cannot make libVLC open a local file.
  ``origin`` is the feed that named ``source``: when the feed's server is public, the
  first request is held to the private-network rule too (an episode of a public feed
  cannot make the player connect to 127.0.0.1 or the LAN). Media that is not playing
  ``open_timeout_s`` after play() is an error.
- ``pause()``, ``resume()`` (after the end: play again from the start), ``toggle_pause()``,
  ``stop()``, ``seek(position_s)``, ``skip(delta_s)`` (negative goes back).
- ``set_rate(rate)``, ``faster()``, ``slower()``: 0.5x-3.0x in steps of 0.1; return the
  new rate. ``set_volume(percent)``, ``change_volume(delta)``: 0-150; return the new
  volume. Both are kept by the engine and re-applied to every new media (libVLC resets
  the volume per media and cannot report it without a sound card).
- ``status() -> PlayerStatus(state, source, position, duration, volume, rate, error)``:
  a snapshot; ``position`` is interpolated between libVLC's coarse time reports, so a
  progress bar can poll it every frame; ``loaded`` says whether pause, seek, rate and
  volume apply (opening, buffering, playing or paused: ``LOADED_STATES``).
- ``subscribe(callback) -> unsubscribe``; ``close()``; ``stderr_log`` (a Path).

States (``PlayerState``): idle, opening, buffering (was playing, but libVLC's time has
not moved for 4 s), playing (only once there is an audio track), paused, ended, error.

Events (frozen dataclasses; all carry ``source``, ``position`` and ``duration`` in s):

- ``StateChanged(state, previous)``
- ``PositionChanged``: about once a second while playing, and after each seek: save it.
- ``Stopped(finished)``: stop(), play() of another source or close() cut ``source``
  short; ``finished`` is ``is_finished(position, duration)`` (within the last 10 s).
  Cut short while still opening, ``position`` is the ``start_at`` asked for.
- ``Ended``: ``source`` played to the end; mark the episode played.
- ``PlaybackError(reason)``: a sentence for the user ("The server answered HTTP 404 Not
  Found for this address", "This address did not return audio (got an HTML page?)",
  "the server did not send any audio in 20 s"). A request refused or failing upstream
  after a seek is an error too, never ``Ended``.

Stopped, Ended and PlaybackError come right before the StateChanged they cause.

Threading contract: callbacks run on a thread of the engine's, one per subscriber,
never on the UI thread. In Textual, forward with ``app.post_message(...)`` and return;
never ``call_from_thread`` (it blocks, and deadlocked against stop()). A callback that
is slow delays only its own later events (unseen position reports are collapsed); one
that raises is logged and keeps its subscription. Callbacks may call any Player method.

While a Player is open, file descriptor 2 (where libVLC and ALSA write) goes to
``log_dir / "libvlc-stderr.log"`` instead of the terminal (the previous run's is kept as
``.1``); close() restores it.
"""

from .events import (
    FINISHED_WITHIN_S, LOADED_STATES, Ended, PlaybackError, PlayerEvent, PlayerState,
    PlayerStatus, PositionChanged, StateChanged, Stopped, is_finished,
)
from .libvlc import LibVLCMissing, PlayerError, libvlc_version
from .settings import (
    RATE_MAX, RATE_MIN, RATE_STEP, VOLUME_MAX, PlayerSettings, settings_from,
)

__all__ = [
    "FINISHED_WITHIN_S", "LOADED_STATES", "RATE_MAX", "RATE_MIN", "RATE_STEP",
    "STDERR_LOG_NAME", "VOLUME_MAX", "Ended", "LibVLCMissing", "PlaybackError", "Player",
    "PlayerError", "PlayerEvent", "PlayerSettings", "PlayerState", "PlayerStatus",
    "PositionChanged", "StateChanged", "Stopped", "is_finished", "libvlc_version",
    "settings_from",
]


def __getattr__(name: str) -> object:
    """``Player`` and ``STDERR_LOG_NAME`` load the engine (libVLC's bindings, the HTTP
    proxy) when first used: a program that only needs the events and settings, like the
    TUI before its first screen is drawn, does not wait for them."""
    if name in ("Player", "STDERR_LOG_NAME"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
