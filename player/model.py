"""What the player reports, behind one lock: the engine thread writes, any thread reads.

The lock is held for microseconds and never while calling libVLC or a subscriber, so
``status()`` from the UI thread cannot block on playback.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from .clock import PlaybackClock
from .dispatch import EventHub
from .events import PlayerEvent, PlayerState, PlayerStatus, StateChanged
from .settings import PlayerSettings, clamp_volume, snap_rate
from .sources import Source


class PlaybackModel:
    """State, source, duration, error, volume, rate and the clock; fields are read and
    written under :attr:`lock` (the ``*_locked`` methods expect it held)."""

    def __init__(self, settings: PlayerSettings, hub: EventHub) -> None:
        self.lock = threading.Lock()
        self.hub = hub
        self.state = PlayerState.IDLE
        self.source: Source | None = None
        self.duration: float | None = None
        self.error: str | None = None
        self.volume = settings.volume
        self.rate = settings.rate
        self.clock = PlaybackClock()
        self.clock.set_rate(self.rate, time.monotonic())

    def status(self) -> PlayerStatus:
        with self.lock:
            return PlayerStatus(state=self.state, volume=self.volume, rate=self.rate,
                                error=self.error, **self.fields_locked(time.monotonic()))

    def change_rate(self, compute: Callable[[float], float]) -> float:
        with self.lock:
            self.rate = snap_rate(compute(self.rate))
            return self.rate

    def change_volume(self, compute: Callable[[int], float]) -> int:
        with self.lock:
            self.volume = clamp_volume(compute(self.volume))
            return self.volume

    def set_state(self, state: PlayerState) -> None:
        """Change the state; subscribers hear about it if it changed."""
        with self.lock:
            previous, self.state = self.state, state
            fields = self.fields_locked(time.monotonic())
        if previous is not state:
            self.hub.publish(StateChanged(state=state, previous=previous, **fields))

    def publish(self, event_class: type[PlayerEvent], **extra: Any) -> None:
        """Send an event about the current source, as of now."""
        with self.lock:
            fields = self.fields_locked(time.monotonic())
        self.hub.publish(event_class(**fields, **extra))

    def fields_locked(self, now: float) -> dict[str, Any]:
        """The fields every event carries."""
        return {
            "source": self.source.text if self.source else None,
            "position": self.position_locked(now),
            "duration": self.duration,
        }

    def position_locked(self, now: float) -> float:
        position = self.clock.position(now)
        return min(position, self.duration) if self.duration else position
