"""The refresh line under the panes: always there, so a refresh never moves the lists."""

from __future__ import annotations

import threading

from tests.feedgen import rss, show
from tests.tui.conftest import ready, shows, subscribe
from tui.demo.server import Reply
from tui.widgets.panes import EpisodesTable, FeedsPane
from tui.widgets.status import RefreshStatus


async def test_a_refresh_starts_and_ends_without_moving_the_lists(make_app, paths, server):
    await subscribe(paths, server, show("Quick", 2), show("Held", 2))
    held = rss(show("Held", 3))
    release = threading.Event()

    def answer_when_released(_request) -> Reply:
        release.wait(timeout=60)  # the timeout only guards a hang
        return Reply(200, held, {"Content-Type": "application/rss+xml"})

    server.route("/feeds/1.xml", answer_when_released)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=2)
        await shows(pilot, "Feeds not checked since podterm started (R checks them all)")
        episodes, feeds = screen.query_one(EpisodesTable), screen.query_one(FeedsPane)
        before = episodes.region, feeds.region
        line = screen.query_one(RefreshStatus).region

        await pilot.press("R")
        await shows(pilot, "Refreshing 1/2 feeds")  # "Held" is still being fetched
        assert screen.subscriptions.refreshing
        assert (episodes.region, feeds.region) == before
        assert screen.query_one(RefreshStatus).region == line

        release.set()
        await shows(pilot, "Checked 2 feeds at", "1 updated (1 new episode)")
        assert (episodes.region, feeds.region) == before
        assert screen.query_one(RefreshStatus).region == line
