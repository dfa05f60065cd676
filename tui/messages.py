"""Messages that threads post to the app (``App.post_message`` is thread-safe).

The player engine's subscriber thread, the refresh worker and the player command thread
never touch widgets: they post one of these and the app handles it on the UI loop.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from library.refresh import FeedOutcome
from player import PlayerEvent


class EngineEvent(Message):
    """Something happened in the player (state, position, end, error)."""

    def __init__(self, event: PlayerEvent) -> None:
        super().__init__()
        self.event = event


class EngineStarted(Message):
    """The engine is ready (``engine`` set) or cannot start (``error`` says why)."""

    def __init__(self, engine: Any | None, error: Exception | None) -> None:
        super().__init__()
        self.engine, self.error = engine, error


class PlayerCommandFailed(Message):
    """A command sent to the engine (play, seek, ...) raised."""

    def __init__(self, command: str, error: BaseException) -> None:
        super().__init__()
        self.command, self.error = command, error


class RefreshProgress(Message):
    """One more feed of a refresh is done."""

    def __init__(self, outcome: FeedOutcome, done: int, total: int) -> None:
        super().__init__()
        self.outcome, self.done, self.total = outcome, done, total


class RefreshFinished(Message):
    """A refresh ended: every feed's outcome, or ``error`` if the refresh itself failed."""

    def __init__(self, outcomes: list[FeedOutcome], error: BaseException | None = None) -> None:
        super().__init__()
        self.outcomes, self.error = outcomes, error
