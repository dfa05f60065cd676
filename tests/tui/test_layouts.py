"""What changes often (the highlighted episode's notes, a list's length during a
refresh, a scrollbar that appears) is drawn without laying the screen out again: a
layout redrew a dozen widgets and made the longest pauses of the UI while feeds
refresh. The notes stay whole: their last line can be scrolled to, however long they
are. Where no scrollbar is needed, a blank gutter in the pane's own colour is drawn."""

from __future__ import annotations

import threading

from textual.geometry import Region
from textual.widget import Widget

from library.feeds import add_feed
from library.store import connect
from tests.feedgen import Channel, Item, rss, show
from tests.tui.conftest import quiet_config, ready, screen_text, shows, subscribe, wait_for
from tui.demo.server import Reply
from tui.widgets.details import EpisodeDetails
from tui.widgets.panes import EpisodesTable, FeedsPane


def notes(paragraphs: int, word: str) -> str:
    return "".join(f"<p>{word} paragraph {n} of {paragraphs}.</p>" for n in range(paragraphs))


def count_layouts(screen) -> list[int]:
    """A counter of the screen's layouts from now on."""
    counter = [0]
    lay_out = screen._refresh_layout

    def counting(*args, **kwargs):
        counter[0] += 1
        return lay_out(*args, **kwargs)

    screen._refresh_layout = counting
    return counter


def scrollbar_drawn(view: Widget) -> bool:
    """Whether a scrollbar (a track or a thumb) is drawn beside ``view``'s content, not a
    blank gutter in the colour of the view's own blank cells."""
    if not view.show_vertical_scrollbar:
        return False
    blank = view.render_lines(Region(1, view.size.height - 2, 1, 1))[0]  # inside the border
    background = colour(next(iter(blank)).style)
    bar = view.vertical_scrollbar
    cells = [segment.style for line in bar.render_lines(bar.size.region) for segment in line]
    return any(style.reverse or colour(style) != background for style in cells)


def colour(style) -> tuple[int, int, int] | None:
    return style.bgcolor.get_truecolor() if style and style.bgcolor else None


async def test_other_notes_replace_the_notes_without_a_layout(make_app, paths, server):
    lengths = (40, 25, 60, 33)
    await subscribe(paths, server, Channel("Wordy", [
        Item(f"Wordy {n}", guid=f"w{n}", notes_html=notes(length, f"W{n}"),
             published=1_700_000_000 + n * 86_400) for n, length in enumerate(lengths)]))
    app = make_app(quiet_config())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        details = app.query_one(EpisodeDetails)
        await pilot.press("tab")
        await wait_for(pilot, lambda: "Wordy 3" in details.text.plain, what="the newest")
        await pilot.pause()
        layouts = count_layouts(screen)

        await pilot.press("j", "j", "j")
        await wait_for(pilot, lambda: "Wordy 0" in details.text.plain, what="the oldest")
        await shows(pilot, "W0 paragraph 0 of 40.")
        assert layouts[0] == 0


async def test_the_last_line_of_long_notes_can_be_reached_and_short_notes_fit(
        make_app, paths, server):
    await subscribe(paths, server, Channel("Wordy", [
        Item("Long one", guid="long", notes_html=notes(60, "Long"),
             published=1_700_000_000),
        Item("Short one", guid="short", notes_html="<p>Just one line.</p>",
             published=1_700_086_400)]))
    app = make_app(quiet_config())
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        details = app.query_one(EpisodeDetails)
        await pilot.press("tab")
        await shows(pilot, "Just one line.")
        assert not scrollbar_drawn(details)

        await pilot.press("j")  # the long one
        await shows(pilot, "Long paragraph 0 of 60.")
        assert scrollbar_drawn(details)
        details.focus()
        await pilot.press("end")
        await shows(pilot, "Long paragraph 59 of 60.")
        assert "Long paragraph 0 of 60." not in screen_text(app)

        await pilot.press("shift+tab", "k")  # back to the short one, shown from the top
        await shows(pilot, "Just one line.", "Short one")
        await wait_for(pilot, lambda: not scrollbar_drawn(details),
                       what="no scrollbar for one line")


async def test_a_refresh_that_lengthens_a_long_list_lays_nothing_out_for_it(
        make_app, paths, server):
    await subscribe(paths, server, show("Growing", 40))
    app = make_app(quiet_config())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        await wait_for(pilot, lambda: table.row_count == 40, what="the feed")
        asked: list[str] = []
        refresh = table.refresh

        def recording(*regions, **kwargs):
            if kwargs.get("layout"):
                asked.append("layout")
            return refresh(*regions, **kwargs)

        table.refresh = recording
        server.add("/feeds/0.xml", rss(show("Growing", 43)), "application/rss+xml")
        await pilot.press("r")
        await wait_for(pilot, lambda: table.row_count == 43, what="three new episodes")
        await wait_for(pilot, lambda: not screen.subscriptions.refreshing)
        await shows(pilot, "Growing #42")
        assert asked == []


async def test_notes_text_can_be_selected_with_the_mouse(make_app, paths, server):
    await subscribe(paths, server, Channel("Wordy", [
        Item("Selectable episode", guid="s", notes_html=notes(3, "Chosen"),
             published=1_700_000_000)]))
    app = make_app(quiet_config())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await shows(pilot, "Selectable episode", "Chosen paragraph 0 of 3.")
        await pilot.mouse_down("#details", offset=(2, 1))   # border, then the title line
        await pilot.hover("#details", offset=(20, 1))
        await pilot.mouse_up("#details", offset=(20, 1))
        await wait_for(pilot, lambda: screen.get_selected_text(), what="a selection")
        assert screen.get_selected_text().startswith("Selectable episode")


async def test_the_first_fetch_of_a_long_feed_shows_its_scrollbars_without_a_layout(
        make_app, paths, server):
    """A feed never fetched gets more episodes than its list shows, with notes longer
    than their box: both scrollbars appear where blank gutters were, and the screen is
    not laid out again (the longest frames of a refresh of new feeds were these). The
    refresh goes on meanwhile (another feed is held back): its end notifies, and the
    notification is laid out on its own."""
    await subscribe(paths, server, show("Zzz Held", 2))
    release = threading.Event()

    def answer_when_released(_request) -> Reply:
        release.wait(timeout=60)  # the timeout only guards a hang
        return Reply(304, b"", {})

    server.route("/feeds/0.xml", answer_when_released)
    conn = connect(paths.database)
    add_feed(conn, server.add("/feeds/new.xml", rss(Channel("Long Awaited", [
        Item(f"Long Awaited #{n}", guid=f"la{n}", notes_html=notes(30, f"LA{n}"),
             published=1_700_000_000 + n * 86_400) for n in range(60)])),
        "application/rss+xml"))
    conn.close()
    app = make_app(quiet_config())
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await ready(pilot, feeds=2)
            await shows(pilot, "Not fetched yet: r fetches it.")   # the first feed's list
            table, details = app.query_one(EpisodesTable), app.query_one(EpisodeDetails)
            assert not scrollbar_drawn(table) and not scrollbar_drawn(details)
            regions = table.region, details.region
            await pilot.pause()   # the first screen's layouts are done
            layouts = count_layouts(screen)

            await pilot.press("R")
            await shows(pilot, "Long Awaited #59", "LA59 paragraph 0 of 30.")
            await wait_for(pilot, lambda: scrollbar_drawn(table) and scrollbar_drawn(details),
                           what="both scrollbars")
            await pilot.pause()
            assert screen.subscriptions.refreshing   # "Zzz Held" is still being fetched
            assert layouts[0] == 0
            assert (table.region, details.region) == regions
    finally:
        release.set()


async def test_a_blank_gutter_has_the_colour_of_its_list_focused_or_not(
        make_app, paths, server):
    await subscribe(paths, server, show("Short", 3))
    app = make_app(quiet_config())
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        await shows(pilot, "Short #2")
        table = app.query_one(EpisodesTable)
        assert not scrollbar_drawn(table)   # (the subscriptions pane has the focus)
        await pilot.press("tab")            # the list's background is tinted
        await wait_for(pilot, lambda: table.has_focus, what="the list focused")
        await pilot.pause()
        assert not scrollbar_drawn(table)
        await pilot.press("shift+tab")
        await wait_for(pilot, lambda: app.query_one(FeedsPane).has_focus)
        await pilot.pause()
        assert not scrollbar_drawn(table)
