"""What the engine tells its subscribers: the playback state and plain event objects.

Every event names the ``source`` it is about (the URL or path given to ``play``) and the
``position`` and ``duration`` in seconds at the moment it was made, so a subscriber can
save a resume point from any event without asking the engine again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# "Finished" means within this many seconds of the end (at most a tenth of the duration).
FINISHED_WITHIN_S = 10.0


class PlayerState(StrEnum):
    IDLE = "idle"            # nothing loaded (before the first play, after stop)
    OPENING = "opening"      # connecting, reading headers, filling the first buffer
    BUFFERING = "buffering"  # was playing, but the media time has stopped moving (stalled)
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"          # played to the end
    ERROR = "error"          # could not play; the PlaybackError event says why


# Something is loaded that pause, seek, rate and volume apply to.
LOADED_STATES = frozenset({PlayerState.OPENING, PlayerState.BUFFERING, PlayerState.PLAYING,
                           PlayerState.PAUSED})


def is_finished(position: float, duration: float | None) -> bool:
    """True when ``position`` is close enough to the end to mark the episode played.

    Close enough: within :data:`FINISHED_WITHIN_S` seconds, or a tenth of the duration for
    media shorter than 100 s. Unknown or zero durations never count as finished.
    """
    if not duration or duration <= 0:
        return False
    return position >= duration - min(FINISHED_WITHIN_S, duration / 10)


@dataclass(frozen=True, kw_only=True)
class PlayerEvent:
    """Something the player did, with where playback was at that moment."""

    source: str | None
    position: float
    duration: float | None


@dataclass(frozen=True, kw_only=True)
class StateChanged(PlayerEvent):
    """The state changed from ``previous`` to ``state``."""

    state: PlayerState
    previous: PlayerState


@dataclass(frozen=True, kw_only=True)
class PositionChanged(PlayerEvent):
    """Sent about once a second while playing, and after every seek: save the position."""


@dataclass(frozen=True, kw_only=True)
class Stopped(PlayerEvent):
    """Playback of ``source`` was cut short by stop(), by play() of something else or by
    close(). ``finished`` says whether ``position`` was close enough to the end to mark the
    episode played (see :func:`is_finished`)."""

    finished: bool


@dataclass(frozen=True, kw_only=True)
class Ended(PlayerEvent):
    """``source`` played to its end: mark the episode played."""


@dataclass(frozen=True, kw_only=True)
class PlaybackError(PlayerEvent):
    """``source`` could not be played; ``reason`` is a sentence to show the user."""

    reason: str


@dataclass(frozen=True)
class PlayerStatus:
    """A consistent snapshot for drawing: position is interpolated, so poll it freely."""

    state: PlayerState
    source: str | None
    position: float
    duration: float | None
    volume: int
    rate: float
    error: str | None

    @property
    def loaded(self) -> bool:
        """Something is loaded that pause, seek, rate and volume apply to."""
        return self.state in LOADED_STATES
