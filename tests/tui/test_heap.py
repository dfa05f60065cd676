"""While the player runs, full garbage collections skip what it holds for its whole life
(tui/heap.py): one walk over those ~80,000 objects was the longest piece of the UI loop's
work in bench/bench_downloads.py (50-65 ms, over the 50 ms budget). Counted, not timed:
the objects a full collection walks (gc.get_objects) against the frozen ones."""

from __future__ import annotations

import gc
from typing import Iterator

import pytest

from library.downloader import Downloader
from tests.downloads.conftest import audio
from tests.downloads.media_server import MediaServer
from tests.tui.conftest import ready, subscribe, wait_for
from tests.tui.test_downloads import SIZE, channel, episode_ids, mark


@pytest.fixture
def media() -> Iterator[MediaServer]:
    with MediaServer("127.0.0.1") as server:
        yield server


async def test_collections_skip_the_apps_objects_and_the_downloaders_until_it_closes(
        make_app, paths, server, media):
    await subscribe(paths, server, channel("Heap", media.add("/one.mp3", audio(50_000))))
    [episode_id] = episode_ids(paths)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, feeds=1)
        await wait_for(pilot, gc.get_freeze_count, what="the first screen's objects frozen")
        assert gc.get_freeze_count() > 2 * len(gc.get_objects())
        await pilot.press("tab", "D")
        await wait_for(pilot, lambda: mark(app, episode_id) == "↓", what="downloaded")
        # the session's downloader (kept for the next download) and its HTTP client,
        # made after the first screen, are not walked either
        assert not [o for o in gc.get_objects() if isinstance(o, Downloader)]
    assert gc.get_freeze_count() == 0  # closed: collectable again
