"""The inbox in the player: new episodes from all shows, newest first, and its keys
(queue, dismiss, mark, play, dismiss all); each takes the episode out of the inbox."""

from __future__ import annotations

import asyncio

from library import inbox
from library.store import connect
from tests.feedgen import BASE_TIME, Item, rss
from tests.tui.conftest import main, playable_show, publish_new, ready, shows, subscribe, \
    wait_for
from tests.tui.test_upnext import go_to, highlighted_title, played, queued
from tui.demo.demo import tones_wav
from tui.screens.dialogs import ConfirmDialog
from tui.widgets.panes import EpisodesTable, FeedsPane

DAY = 86_400


def new_episodes(server, show: str, *days: int) -> list[Item]:
    """Episodes of ``show`` published ``days`` after BASE_TIME, with real audio."""
    audio = tones_wav(3)
    return [Item(f"{show} new {day}", guid=f"{show}-new-{day}", duration="0:03",
                 enclosure=server.add(f"/media/{show}-new-{day}.wav", audio, "audio/wav"),
                 published=BASE_TIME + day * DAY) for day in days]


def in_inbox(paths) -> list[str]:
    conn = connect(paths.database)
    try:
        return [episode.title for episode in inbox.list_inbox(conn)]
    finally:
        conn.close()


async def test_new_episodes_from_all_shows_and_what_takes_them_out(make_app, paths, server):
    morning, evening = (playable_show(server, title, 1) for title in ("Morning", "Evening"))
    await subscribe(paths, server, morning, evening)
    # Subscribed on day 2: what a refresh brings later, dated after that, is new.
    await asyncio.to_thread(publish_new, paths, server, 0, morning,
                            *new_episodes(server, "Morning", 6, 4),
                            subscribed_at=BASE_TIME + 2 * DAY)
    await asyncio.to_thread(publish_new, paths, server, 1, evening,
                            *new_episodes(server, "Evening", 7, 5, 3),
                            subscribed_at=BASE_TIME + 2 * DAY)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=2)
        pane = app.query_one(FeedsPane)
        await wait_for(pilot, lambda: [cell.plain for cell in pane.get_row_at(1)][1:]
                       == ["Inbox", "5"], what="the inbox and its count")
        await go_to(pilot, "Inbox")
        await shows(pilot, "Inbox  5 new episodes from 2 shows, newest first", " x  dismiss")
        table = app.query_one(EpisodesTable)
        assert [(table.get_row_at(i)[1].plain, table.get_row_at(i)[2].plain)
                for i in range(5)] == [("Evening", "Evening new 7"), ("Morning", "Morning new 6"),
                                       ("Evening", "Evening new 5"), ("Morning", "Morning new 4"),
                                       ("Evening", "Evening new 3")]
        assert table.get_row_at(0)[0].plain == "2023-11-21"

        await pilot.press("tab", "plus")                 # queued: no longer new
        await wait_for(pilot, lambda: queued(paths) == ["Evening new 7"], what="queued")
        await wait_for(pilot, lambda: highlighted_title(app) == "Morning new 6",
                       what="the cursor on the next one")
        assert pane.get_row_at(0)[2].plain == "1" and pane.get_row_at(1)[2].plain == "4"
        await pilot.press("x")                           # dismissed: only the inbox forgets it
        await wait_for(pilot, lambda: len(in_inbox(paths)) == 3, what="dismissed")
        assert "Morning new 6" not in in_inbox(paths) and not played(paths, "Morning new 6")
        await wait_for(pilot, lambda: highlighted_title(app) == "Evening new 5")
        await pilot.press("m")                           # marked played
        await wait_for(pilot, lambda: in_inbox(paths) == ["Morning new 4", "Evening new 3"],
                       what="marked")
        assert played(paths, "Evening new 5")
        await wait_for(pilot, lambda: highlighted_title(app) == "Morning new 4")
        await pilot.press("enter")                       # played: no longer new
        await wait_for(pilot, lambda: in_inbox(paths) == ["Evening new 3"], what="playing")
        assert main(app).playback.episode.title == "Morning new 4"
        await shows(pilot, "Inbox  1 new episode from 1 show", "Morning — Morning new 4")

        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await shows(pilot, "Dismiss all 1 new episode?")
        await pilot.press("y")
        await wait_for(pilot, lambda: in_inbox(paths) == [], what="all dismissed")
        await shows(pilot, "Inbox  is empty")
        assert pane.get_row_at(1)[2].plain == ""


async def test_a_refresh_in_the_player_fills_the_inbox(make_app, paths, server):
    """New episodes that the player's own refresh (r) brings appear with their count."""
    channel = playable_show(server, "Daily", 1)
    await subscribe(paths, server, channel)
    conn = connect(paths.database)
    with conn:
        conn.execute("UPDATE feeds SET added_at = ?", (BASE_TIME + DAY,))  # subscribed on day 1
    conn.close()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        pane = app.query_one(FeedsPane)
        assert pane.get_row_at(1)[2].plain == ""
        channel.items[:0] = new_episodes(server, "Daily", 3, 2)
        server.add("/feeds/0.xml", rss(channel), "application/rss+xml")
        await pilot.press("r")
        await wait_for(pilot, lambda: pane.get_row_at(1)[2].plain == "2", what="inbox count")
        await go_to(pilot, "Inbox")
        await shows(pilot, "Daily new 3", "Daily new 2")
