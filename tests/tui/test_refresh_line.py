"""A refresh never moves the lists: the refresh line under the panes is always there,
and a feed never fetched says so in its empty list, not in a header line that goes."""

from __future__ import annotations

import threading

from library.feeds import add_feed
from library.store import connect
from tests.feedgen import rss, show
from tests.tui.conftest import ready, screen_text, shows, subscribe, wait_for
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


async def test_the_first_fetch_of_a_feed_fills_its_list_without_moving_it(
        make_app, paths, server):
    conn = connect(paths.database)
    add_feed(conn, server.add("/feeds/new.xml", rss(show("Newly Added", 3)),
                              "application/rss+xml"))
    conn.close()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await shows(pilot, "Not fetched yet: r fetches it.")  # in the empty list
        episodes = screen.query_one(EpisodesTable)
        before = episodes.region

        await pilot.press("r")
        await shows(pilot, "Newly Added #2", "Newly Added #0")
        await wait_for(pilot, lambda: screen.selected_feed.last_success_at is not None,
                       what="the subscriptions reloaded after the refresh")
        await pilot.pause()
        assert "Not fetched yet" not in screen_text(app)
        assert episodes.region == before
