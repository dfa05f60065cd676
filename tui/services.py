"""What the app holds for the whole session, and the narrow interfaces features get.

The app builds :class:`Services` once and hands them to the main screen. A feature
(playback, subscriptions, feed health, ...) receives a :class:`Host`, which the screen
that owns the feature implements: the services, notifications, messages, workers and
dialogs. Features never see the app object, so their workers stop and their messages
go nowhere once their screen has closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable, Protocol, TypeVar

from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker

from library.config import Config
from library.paths import Paths
from library.record import Record
from player import PlayerEvent, PlayerSettings, PlayerStatus
from tui.librarian import Librarian

T = TypeVar("T")


class Engine(Protocol):
    """The player engine as the TUI uses it (:class:`player.Player` is the real one).

    Every method returns at once; events reach subscribers on the engine's threads.
    ``play``'s ``origin`` is the feed that named ``source`` (see :meth:`player.Player.play`)."""

    def play(self, source: str, start_at: float = 0.0, *,
             origin: str | None = None) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def toggle_pause(self) -> None: ...
    def stop(self) -> None: ...
    def seek(self, position_s: float) -> None: ...
    def skip(self, delta_s: float) -> None: ...
    def set_rate(self, rate: float) -> float: ...
    def faster(self) -> float: ...
    def slower(self) -> float: ...
    def set_volume(self, volume: int) -> int: ...
    def change_volume(self, delta: int) -> int: ...
    def status(self) -> PlayerStatus: ...
    def subscribe(self, callback: Callable[[PlayerEvent], None]) -> Callable[[], None]: ...
    def close(self) -> None: ...


EngineFactory = Callable[[PlayerSettings, Path], Engine]


class Services(Record):
    """Built once by :func:`tui.app.build_app`; lives as long as the app."""

    paths: Paths
    config: Config
    keymap: dict[str, str]
    librarian: Librarian
    engine_factory: EngineFactory
    player_settings: PlayerSettings


class Host(Protocol):
    """What a feature may use of the screen it belongs to."""

    services: Services

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...

    def post_message(self, message: Message) -> bool: ...

    def run_worker(self, work: Any, name: str | None = "", group: str = "default",
                   description: str = "", exit_on_error: bool = True,
                   start: bool = True, exclusive: bool = False,
                   thread: bool = False) -> Worker[Any]: ...

    def push_screen(self, screen: Screen[Any]) -> Awaitable[Any]: ...

    async def push_screen_wait(self, screen: Screen[T]) -> T: ...
