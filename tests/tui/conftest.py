"""TUI test helpers: a real library in a temp dir, feeds and audio from the loopback
server, the real player with ``--aout=dummy``, the screen's text as a user reads it,
the messages the app handled, and a way to wait for conditions (never for a fixed time:
this machine may be loaded)."""

from __future__ import annotations

import asyncio
import html
import re
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest
from textual.message import Message
from textual.notifications import Notify

from library.archive import ArchiveRule
from library.config import default_config
from library.feeds import add_feed
from library.paths import Paths
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.store import connect
from player import Player
from tests.feedgen import BASE_TIME, Channel, Item, rss
from tui.app import PodtermApp, build_app
from tui.demo.demo import tones_wav
from tui.screens.main import MainScreen
from tui.widgets.panes import FeedsPane

AUDIO_SECONDS = 60


def dummy_audio_player(settings, log_dir: Path) -> Player:
    """The real engine, with no sound card needed."""
    return Player(replace(settings, vlc_args=["--aout=dummy"]), log_dir)


@pytest.fixture
def paths(data_dir: Path, tmp_path: Path) -> Paths:
    return Paths(data_dir=data_dir, config_file=tmp_path / "config.toml",
                 log_dir=data_dir / "logs")


def quiet_config():
    """The defaults, but no refresh at start or on a timer: a test refreshes when it says."""
    config = default_config()
    config["refresh"].update(on_start=False, interval_min=0)
    return config


@pytest.fixture
def make_app(paths: Paths):
    """``make_app(config=None, engine_factory=dummy_audio_player)`` -> a fresh app."""

    def make(config=None, engine_factory=dummy_audio_player, **kwargs) -> PodtermApp:
        return build_app(paths, config or quiet_config(), engine_factory, **kwargs)

    return make


class Messages:
    """Every message the app's message pumps handled (``run_test(message_hook=...)``),
    each once (a message that bubbles passes several pumps)."""

    def __init__(self) -> None:
        self.seen: list[Message] = []
        self._ids: set[int] = set()

    def __call__(self, message: Message) -> None:
        if id(message) not in self._ids:  # ``seen`` keeps it alive: ids stay unique
            self._ids.add(id(message))
            self.seen.append(message)

    def of(self, kind: type) -> list:
        return [m for m in self.seen if isinstance(m, kind)]

    def notifications(self) -> list[str]:
        return [f"{m.notification.title}: {m.notification.message}" for m in self.of(Notify)]

    def notified(self, text: str) -> bool:
        return any(text in n for n in self.notifications())

    async def shown(self, pilot, *texts: str) -> None:
        """Wait until a notification containing each of ``texts`` was shown (a handler
        notifies after the message the test waited for was dispatched)."""
        await wait_for(pilot, lambda: all(self.notified(text) for text in texts),
                       what=f"a notice saying {texts}")


@pytest.fixture
def messages() -> Messages:
    return Messages()


def main(app: PodtermApp) -> MainScreen:
    """The main screen, also while a dialog is open over it."""
    return app.main


def feed_row(app: PodtermApp, index: int) -> list:
    """The cells (mark, title, unplayed) of the ``index``-th subscription in the pane
    (Up Next and the inbox are the rows above the subscriptions)."""
    pane = app.query_one(FeedsPane)
    return pane.get_row_at([row for row, item in enumerate(pane.items)
                            if isinstance(item.id, int)][index])


def playable_show(server, title: str, count: int, *, seconds: int = AUDIO_SECONDS,
                  slug: str | None = None) -> Channel:
    """A show whose episodes have real (generated) audio on ``server``."""
    slug = slug or title.lower().replace(" ", "-")
    audio = tones_wav(seconds)
    items = [Item(title=f"{title} episode {n}", guid=f"{slug}-{n}",
                  duration=f"{seconds // 60}:{seconds % 60:02d}",
                  enclosure=server.add(f"/media/{slug}-{n}.wav", audio, "audio/wav"),
                  link=f"https://example.org/{slug}/{n}", published=BASE_TIME + n * 86_400,
                  notes_html=f"<p>Notes for <b>episode {n}</b>.</p>")
             for n in range(count, 0, -1)]
    return Channel(title, items)


def subscribe_now(paths: Paths, server, *channels: Channel) -> list[int]:
    """Serve ``channels``, subscribe to them and fetch them (blocking)."""
    conn = connect(paths.database)
    ids = []
    for channel in channels:
        url = server.add(f"/feeds/{len(ids)}.xml", rss(channel), "application/rss+xml")
        ids.append(add_feed(conn, url)[0])
    conn.close()
    refresh(paths.database, ids, RefreshSettings.from_table(default_config()["refresh"]))
    return ids


def archive_now(paths: Paths, server, channel: Channel, failures: int = 3,
                path: str = "/feeds/old.xml") -> tuple[int, str]:
    """Subscribe to ``channel`` at ``path`` and fetch it on 2024-09-30; then the server
    deletes it and daily checks from 2024-10-01 get 404 until the archive rule (that
    many failures over that many days) archives it on the last one. Returns (id, URL)."""
    url = server.add(path, rss(channel), "application/rss+xml")
    conn = connect(paths.database)
    feed_id = add_feed(conn, url)[0]
    conn.close()
    settings = RefreshSettings.from_table(default_config()["refresh"])
    start = datetime(2024, 9, 30, 9, 0).timestamp()  # local time, as the TUI shows it
    refresh(paths.database, [feed_id], settings, clock=lambda: start)
    server.remove(path)
    rule = ArchiveRule(failures=failures, days=failures - 1)
    for day in range(1, failures + 1):
        refresh(paths.database, [feed_id], settings, rule=rule,
                clock=lambda day=day: start + day * 86_400)
    return feed_id, url


def publish_new(paths: Paths, server, index: int, channel: Channel, *items: Item,
                subscribed_at: float | None = None) -> None:
    """The show served by :func:`subscribe_now` as its ``index``-th channel publishes
    ``items`` on top of its feed, and a refresh brings them: into the inbox when they
    are dated after the subscription (``subscribed_at``: pretend it was then)."""
    conn = connect(paths.database)
    url = server.url(f"/feeds/{index}.xml")
    feed_id = conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()[0]
    if subscribed_at is not None:
        with conn:
            conn.execute("UPDATE feeds SET added_at = ? WHERE id = ?", (subscribed_at, feed_id))
    conn.close()
    channel.items[:0] = items
    server.add(f"/feeds/{index}.xml", rss(channel), "application/rss+xml")
    refresh(paths.database, [feed_id], RefreshSettings.from_table(default_config()["refresh"]))


def failing_now(paths: Paths, server, channel: Channel, checks: int = 2,
                start: float = datetime(2024, 9, 30, 9, 0).timestamp(),
                path: str = "/feeds/failing.xml") -> int:
    """Subscribe to ``channel`` at ``path`` and fetch it at ``start``; then the server
    deletes it and ``checks`` daily checks get 404, too few for the default archive rule
    (the feed fails but is not archived). Returns its id."""
    url = server.add(path, rss(channel), "application/rss+xml")
    conn = connect(paths.database)
    feed_id = add_feed(conn, url)[0]
    conn.close()
    settings = RefreshSettings.from_table(default_config()["refresh"])
    refresh(paths.database, [feed_id], settings, clock=lambda: start)
    server.remove(path)
    for day in range(1, checks + 1):
        refresh(paths.database, [feed_id], settings, clock=lambda day=day: start + day * 86_400)
    return feed_id


async def subscribe(paths: Paths, server, *channels: Channel) -> list[int]:
    """:func:`subscribe_now`, off the test's event loop."""
    return await asyncio.to_thread(subscribe_now, paths, server, *channels)


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 60.0,
                   what: str = "") -> None:
    """Let the app run until ``condition()`` is true (the timeout only guards a hang)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


async def ready(pilot, feeds: int) -> MainScreen:
    """Wait for the first screen: ``feeds`` subscriptions, and the selected one's episodes
    and listening time."""
    screen = main(pilot.app)

    def shown() -> bool:
        selected = screen.selected_feed
        return len(screen.feeds) == feeds and (selected is None or (
            screen.listening is not None and (not selected.episode_count or any(
                e.feed_id == selected.id for e in screen.episodes.values()))))

    await wait_for(pilot, shown, what=f"{feeds} feeds and their episodes")
    return screen


_SVG_TEXT = re.compile(r'<text class="[^"]*-r\d+" x="([\d.]+)" y="[\d.]+" '
                       r'textLength="([\d.]+)" clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>',
                       re.DOTALL)


def screen_text(app: PodtermApp) -> str:
    """Everything on screen (dialogs and notifications included) as plain text: what a
    user reads, from the app's own SVG screenshot."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    pieces = [(float(x), float(length), int(line), html.unescape(content).replace("\xa0", " "))
              for x, length, line, content in _SVG_TEXT.findall(
                  app.export_screenshot(simplify=True))]
    pieces = [piece for piece in pieces if piece[3].strip("\n")]
    cell = min((length / len(text) for _x, length, _line, text in pieces), default=1.0)
    for x, _length, line, text in pieces:
        column, row = round(x / cell), rows[line]
        for offset, char in enumerate(text.rstrip("\n")):
            if column + offset < width:
                row[column + offset] = char
    return "\n".join("".join(row).rstrip() for row in rows)


async def shows(pilot, *texts: str) -> str:
    """Wait until every one of ``texts`` is on screen; returns the screen's text."""
    try:
        await wait_for(pilot, lambda: all(t in screen_text(pilot.app) for t in texts),
                       what=f"{texts} on screen")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the screen:\n{screen_text(pilot.app)}") from None
    return screen_text(pilot.app)
