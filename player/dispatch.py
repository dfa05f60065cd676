"""Deliver events to subscriber callbacks, each on its own thread.

Every subscriber gets a queue and a daemon thread that calls it in order, so a callback
that is slow only delays itself, and one that raises is logged and keeps receiving. When
a subscriber falls behind, position reports it has not seen yet are collapsed into the
newest one (state, end and error events are always delivered).
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from .events import PlayerEvent, PositionChanged

log = logging.getLogger(__name__)

Callback = Callable[[PlayerEvent], None]
_STOP = object()


class _Subscriber:
    def __init__(self, callback: Callback, number: int) -> None:
        self.callback = callback
        self.inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.thread = threading.Thread(
            target=self._run, name=f"podterm-player-subscriber-{number}", daemon=True
        )
        self.thread.start()

    def _run(self) -> None:
        while True:
            batch = [self.inbox.get()]
            while not self.inbox.empty():
                batch.append(self.inbox.get())
            for event in _skip_stale_positions(batch):
                if event is _STOP:
                    return
                try:
                    self.callback(event)  # type: ignore[arg-type]
                except Exception:
                    log.exception("player subscriber %r failed on %r", self.callback, event)


def _skip_stale_positions(batch: list[object]) -> list[object]:
    positions = [i for i, event in enumerate(batch) if isinstance(event, PositionChanged)]
    stale = set(positions[:-1])
    return [event for i, event in enumerate(batch) if i not in stale]


class EventHub:
    """Fan events out to subscribers. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[_Subscriber] = []
        self._count = 0

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Start delivering events to ``callback``; returns a function that stops it."""
        with self._lock:
            self._count += 1
            subscriber = _Subscriber(callback, self._count)
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber not in self._subscribers:
                    return
                self._subscribers.remove(subscriber)
            subscriber.inbox.put(_STOP)

        return unsubscribe

    def publish(self, event: PlayerEvent) -> None:
        """Queue ``event`` for every subscriber; never blocks."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.inbox.put(event)

    def close(self, timeout_s: float) -> None:
        """Deliver what is queued, then stop every subscriber thread (waits up to
        ``timeout_s`` for each; a callback that hangs longer is left to its daemon thread)."""
        with self._lock:
            subscribers, self._subscribers = self._subscribers, []
        for subscriber in subscribers:
            subscriber.inbox.put(_STOP)
        for subscriber in subscribers:
            if subscriber.thread is not threading.current_thread():
                subscriber.thread.join(timeout_s)
