"""A stand-in engine with the Player's interface, for tests that need exact control
(snapshots with a fixed position, events fired from threads the test owns)."""

from __future__ import annotations

from player import PlayerState, PlayerStatus


class ScriptedEngine:
    def __init__(self, status: PlayerStatus | None = None) -> None:
        self.status_now = status or PlayerStatus(state=PlayerState.IDLE, source=None,
                                                 position=0.0, duration=None, volume=100,
                                                 rate=1.0, error=None)
        self.subscribers: list = []
        self.played: list[tuple[str, float]] = []
        self.commands: list[str] = []
        self.closed = False

    def subscribe(self, callback):
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback)

    def emit(self, event) -> None:
        """Call the subscribers on the calling thread, as the engine's threads do."""
        for callback in list(self.subscribers):
            callback(event)

    def play(self, source, start_at: float = 0.0, *, origin: str | None = None) -> None:
        self.played.append((source, start_at))

    def status(self) -> PlayerStatus:
        return self.status_now

    def close(self) -> None:
        self.closed = True

    def __getattr__(self, name: str):
        if name in ("pause", "resume", "toggle_pause", "stop", "skip", "seek", "faster",
                    "slower", "change_volume", "set_rate", "set_volume"):
            return lambda *args: self.commands.append(name)
        raise AttributeError(name)
