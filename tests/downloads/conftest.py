"""Fixtures for the download tests: misbehaving loopback media hosts, a real library
file with shows and episodes, and a helper that runs the real downloader to the end."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Iterator

import pytest

from library.downloader import DownloadEvent, Downloader, DownloadStatus
from library.downloads import DownloadSettings
from library.episodes import upsert_episodes
from library.feeds import add_feed
from library.parse import ParsedEpisode
from library.store import connect
from tests.downloads.media_server import MediaServer, Tracker

WAIT_S = 60.0


def audio(size: int, seed: int = 0) -> bytes:
    """``size`` bytes that start like an MP3 file (an empty ID3 tag, then a frame header),
    the rest random."""
    start = b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64"
    return start[:size] + random.Random(seed).randbytes(max(0, size - len(start)))


@pytest.fixture
def media() -> Iterator[MediaServer]:
    with MediaServer("127.0.0.1") as server:
        yield server


@pytest.fixture
def two_hosts() -> Iterator[tuple[MediaServer, MediaServer]]:
    """Two media hosts (127.0.0.1 and 127.0.0.2) counted by one tracker."""
    tracker = Tracker()
    with MediaServer("127.0.0.1", tracker) as a, MediaServer("127.0.0.2", tracker) as b:
        yield a, b


class Library:
    """A real library file with shows and episodes put in directly."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "data" / "library.sqlite3"
        self.conn = connect(self.db)
        self.downloads_dir = root / "data" / "downloads"
        self.settings = DownloadSettings(dir=self.downloads_dir)
        self._count = 0

    def show(self, title: str, url: str | None = None) -> int:
        """A subscription (its feed on loopback unless ``url`` says otherwise)."""
        self._count += 1
        feed_id, _new = add_feed(self.conn, url or f"http://127.0.0.1:9/{self._count}.xml",
                                 title=title)
        return feed_id

    def episode(self, feed_id: int, title: str, url: str | None, *,
                published: float | None = None, length: int | None = None,
                mime: str = "audio/mpeg") -> int:
        self._count += 1
        identity = f"ep-{self._count}"
        upsert_episodes(self.conn, feed_id, [ParsedEpisode(
            identity, identity, title, 1_700_000_000 + self._count if published is None
            else published, 1800, url, mime, length, "", None, None, None)])
        return self.conn.execute("SELECT id FROM episodes WHERE identity = ?",
                                 (identity,)).fetchone()[0]

    def download(self, ids: list[int], **settings) -> dict[int, DownloadStatus]:
        """Run the real downloader on ``ids`` to the end; each one's final status."""
        with Run(self, **settings) as run:
            run.downloader.add(ids)
            assert run.downloader.wait(WAIT_S), "downloads did not finish"
        return run.final


class Run:
    """A downloader whose events are kept; ``wait_for`` waits for one."""

    def __init__(self, library: Library, **settings) -> None:
        self.events: list[DownloadEvent] = []
        self.final: dict[int, DownloadStatus] = {}
        self._changed = threading.Condition()
        self.downloader = Downloader(library.db, library.settings.replace(**settings),
                                     self._record)

    def _record(self, event: DownloadEvent) -> None:
        with self._changed:
            self.events.append(event)
            if isinstance(event, DownloadStatus) and event.state not in ("queued",
                                                                          "downloading"):
                self.final[event.episode_id] = event
            self._changed.notify_all()

    def wait_for(self, check, timeout: float = WAIT_S) -> DownloadEvent:
        with self._changed:
            found = self._changed.wait_for(
                lambda: next((e for e in self.events if check(e)), None), timeout)
        assert found is not None, f"no such event within {timeout} s: {self.events[-5:]}"
        return found

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc: object) -> None:
        self.downloader.close()


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    lib = Library(tmp_path)
    yield lib
    lib.conn.close()
