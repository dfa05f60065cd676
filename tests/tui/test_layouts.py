"""What changes often (the highlighted episode's notes, a list's length during a
refresh) is drawn without laying the screen out again: a layout redrew a dozen widgets
and made the longest pauses of the UI while feeds refresh. The notes stay whole: their
last line can be scrolled to, however long they are."""

from __future__ import annotations

from tests.feedgen import Channel, Item, rss, show
from tests.tui.conftest import quiet_config, ready, screen_text, shows, subscribe, wait_for
from tui.widgets.details import EpisodeDetails
from tui.widgets.panes import EpisodesTable


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
        assert not details.show_vertical_scrollbar

        await pilot.press("j")  # the long one
        await shows(pilot, "Long paragraph 0 of 60.")
        assert details.show_vertical_scrollbar
        details.focus()
        await pilot.press("end")
        await shows(pilot, "Long paragraph 59 of 60.")
        assert "Long paragraph 0 of 60." not in screen_text(app)

        await pilot.press("shift+tab", "k")  # back to the short one, shown from the top
        await shows(pilot, "Just one line.", "Short one")
        await wait_for(pilot, lambda: not details.show_vertical_scrollbar,
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
