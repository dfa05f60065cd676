"""Fixtures for the player tests: real libVLC (no sound card: --aout=dummy), real HTTP.

With ``--aout=dummy`` libVLC reports the end about 1.2 s before the media's last sample
(nothing drains an audio device), so media here are a few seconds longer than the part
a test needs. Tests wait for conditions with generous timeouts; they never assert how
fast something happened.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pytest

from player import LibVLCMissing, Player, PlayerEvent, PlayerSettings, libvlc_version
from tests.player.media_tools import MEDIA_DIR, tone_wav
from tui.demo.server import LoopbackServer

HEADLESS_ARGS = ["--aout=dummy", "--quiet"]
WAIT_S = 20.0

E = TypeVar("E", bound=PlayerEvent)


@pytest.fixture(scope="session")
def libvlc() -> str:
    """libVLC's version; skips the test when libVLC is not installed (the only skip)."""
    try:
        return libvlc_version()
    except LibVLCMissing as exc:
        pytest.skip(f"libVLC is not installed: {exc.detail}")


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Audio files by name: 'wav' (3 s), 'long_wav' (8 s), and the committed 3 s 'mp3'
    and 'ogg' fixtures."""
    folder = tmp_path_factory.mktemp("media")
    return {
        "wav": tone_wav(folder / "tone.wav", 3.0),
        "long_wav": tone_wav(folder / "long.wav", 8.0),
        "mp3": MEDIA_DIR / "tone.mp3",
        "ogg": MEDIA_DIR / "tone.ogg",
    }


CONTENT_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg"}


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackServer]:
    """One Range-capable loopback server for the whole run (closing one takes 0.5 s)."""
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def serve(loopback: LoopbackServer) -> Callable[[Path], str]:
    """Serve a file from the loopback server; returns its URL."""
    def add(path: Path) -> str:
        return loopback.add(f"/{path.name}", path.read_bytes(), CONTENT_TYPES[path.suffix])
    return add


class EventLog:
    """A subscriber that keeps every event and lets the test wait for one."""

    def __init__(self) -> None:
        self.events: list[PlayerEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: PlayerEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, kind: type[E], check: Callable[[E], bool] = lambda e: True,
                 timeout: float = WAIT_S, after: int = 0) -> E:
        """The first event of ``kind`` (from index ``after`` on) that passes ``check``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self.events[after:]:
                    if isinstance(event, kind) and check(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {kind.__name__} passing the check within "
                                         f"{timeout} s; got {self.events}")
                self._changed.wait(left)

    def mark(self) -> int:
        """An index for ``wait_for(after=...)``: only events from now on."""
        with self._changed:
            return len(self.events)

    def of(self, kind: type[E]) -> list[E]:
        with self._changed:
            return [event for event in self.events if isinstance(event, kind)]


def make_player(tmp_path: Path, *extra_args: str, **settings) -> Player:
    return Player(PlayerSettings([*HEADLESS_ARGS, *extra_args], **settings), tmp_path / "logs")


@pytest.fixture
def player(libvlc: str, tmp_path: Path) -> Iterator[Player]:
    with make_player(tmp_path) as engine:
        yield engine


@pytest.fixture
def events(player: Player) -> EventLog:
    log = EventLog()
    player.subscribe(log)
    return log


def wait_until(condition: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)
