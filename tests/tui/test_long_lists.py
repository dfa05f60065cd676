"""Long lists: a feed of hundreds of episodes, moved through with the keys and the
mouse; the cursor stays on its episode, and the notes where they are read, when a
refresh adds newer episodes above it."""

from __future__ import annotations

from tests.feedgen import rss, show
from tests.tui.conftest import quiet_config, ready, shows, subscribe, wait_for
from tui.widgets.details import EpisodeDetails
from tui.widgets.panes import EpisodesTable

EPISODES = 300


def title(n: int) -> str:
    return f"Long #{n}: a conversation about things"


async def test_keys_and_mouse_move_through_a_long_feed(make_app, paths, server):
    await subscribe(paths, server, show("Long", EPISODES))
    app = make_app(quiet_config())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        details = app.query_one(EpisodeDetails)
        await wait_for(pilot, lambda: table.row_count == EPISODES, what="the whole feed")
        await pilot.press("tab", "end")
        await shows(pilot, title(0))   # the oldest episode, scrolled into view
        assert screen.highlighted_episode.title == title(0)
        assert table.cursor_row == EPISODES - 1

        await pilot.press("pageup")
        moved = EPISODES - 1 - table.cursor_row
        assert moved > 5   # a page is more than a few rows ...
        await shows(pilot, title(moved))   # ... and the row it lands on is on screen

        await pilot.press("home")
        await shows(pilot, title(EPISODES - 1))
        assert table.cursor_row == 0

        await pilot.click("#episodes", offset=(30, 4))   # border, header, rows 0, 1, 2
        await wait_for(pilot, lambda: table.cursor_row == 2, what="the clicked row")
        await shows(pilot, title(EPISODES - 3))
        assert title(EPISODES - 3) in details.text.plain


async def test_cursor_and_notes_stay_where_they_are_when_a_refresh_adds_episodes(
        make_app, paths, server):
    await subscribe(paths, server, show("Growing", 5))
    app = make_app(quiet_config())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        details = app.query_one(EpisodeDetails)
        await pilot.press("tab", "j", "j", "ctrl+d")
        watched = screen.highlighted_episode
        assert watched.title == "Growing #2: a conversation about things"
        await wait_for(pilot, lambda: details.scroll_y > 0, what="the notes scrolled")
        reading_at = details.scroll_y
        server.add("/feeds/0.xml", rss(show("Growing", 7)), "application/rss+xml")
        await pilot.press("r")
        await wait_for(pilot, lambda: table.row_count == 7, what="two new episodes")
        await wait_for(pilot, lambda: not screen.subscriptions.refreshing)
        assert table.highlighted_id == watched.id
        assert table.cursor_row == 4
        assert details.scroll_y == reading_at


async def test_every_line_shows_its_new_row_when_a_refresh_moves_them_all(
        make_app, paths, server):
    """A refresh that adds episodes above the rest changes every line of the list (the
    cursor stays on its episode, three rows down); the lines are drawn again a few per
    frame, and all of them end up showing their row."""
    await subscribe(paths, server, show("Long", 40))
    app = make_app(quiet_config())
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        await shows(pilot, title(39), title(39 - 15))
        server.add("/feeds/0.xml", rss(show("Long", 43)), "application/rss+xml")
        await pilot.press("r")
        await wait_for(pilot, lambda: table.row_count == 43, what="three new episodes")
        top, visible = int(table.scroll_y), table.scrollable_content_region.height - 1
        assert (top, table.cursor_row) == (0, 3) and visible > 15  # (and the header)
        await shows(pilot, *(episode.title for episode in table.items[top:top + visible]))


async def test_every_line_shows_its_row_when_a_refresh_scrolls_the_list_to_the_cursor(
        make_app, paths, server):
    """Thirty new episodes above the one under the cursor push it below the last line:
    the list scrolls to keep it in view, every line then shows another row (drawn again
    a few per frame, like any other changed lines), and all of them end up right."""
    await subscribe(paths, server, show("Long", 40))
    app = make_app(quiet_config())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        await pilot.press("tab", "j", "j", "j")
        await wait_for(pilot, lambda: table.cursor_row == 3, what="the cursor moved")
        watched = screen.highlighted_episode
        server.add("/feeds/0.xml", rss(show("Long", 70)), "application/rss+xml")
        await pilot.press("r")
        await wait_for(pilot, lambda: table.row_count == 70, what="thirty new episodes")
        top, visible = int(table.scroll_y), table.scrollable_content_region.height - 1
        assert table.cursor_row == 33 and top == 33 - visible + 1 > 0
        assert screen.highlighted_episode.id == watched.id
        await shows(pilot, *(episode.title for episode in table.items[top:top + visible]))
