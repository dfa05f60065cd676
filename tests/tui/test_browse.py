"""Browsing: the first screen, moving around, feed text shown literally, keys remapped."""

from __future__ import annotations

import asyncio
import threading

from library.episodes import get_episode
from library.store import connect
from tests.feedgen import Channel, Item, show
from tests.tui.conftest import feed_row, playable_show, quiet_config, ready, screen_text, \
    shows, subscribe, wait_for
from tui.messages import LibraryChanged
from tui.widgets.panes import EpisodesTable, FeedsPane
from tui.widgets.status import EmptyLibrary


async def test_empty_library_explains_how_to_start(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.query_one(EmptyLibrary).display, what="empty view")
        await shows(pilot, "No subscriptions yet", "Press a to add a podcast",
                    "Press i to import an OPML")
        assert not app.query_one("#library").display


async def test_feeds_episodes_durations_and_details(make_app, paths, server):
    await subscribe(paths, server, show("Alpha Show", 3), show("Beta Show", 2))
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await ready(pilot, feeds=2)
        feeds = app.query_one(FeedsPane)
        assert [feed_row(app, i)[1].plain for i in range(2)] == ["Alpha Show", "Beta Show"]
        assert feed_row(app, 0)[2].plain == "3"  # unplayed
        table = app.query_one(EpisodesTable)
        first = table.get_row_at(0)
        assert first[1].plain == "Alpha Show #2: a conversation about things"
        assert first[2].plain == "23:14" and first[0].plain == "2023-11-16"
        await shows(pilot, "• 03:12 Why terminals", "https://example.org/2")

        await pilot.press("j")  # down in the subscriptions pane: the other feed
        await wait_for(pilot, lambda: screen.selected_feed_id == feeds.highlighted_id
                       and len(screen.episodes) == 2, what="Beta's episodes")
        assert table.get_row_at(0)[1].plain.startswith("Beta Show #1")
        await pilot.press("k")
        await wait_for(pilot, lambda: len(screen.episodes) == 3, what="Alpha again")

        await pilot.press("tab")
        assert app.focused is table
        await pilot.press("j", "down")
        assert table.cursor_row == 2
        await shows(pilot, "Alpha Show #0")  # the details follow the cursor
        await pilot.press("k", "up")
        assert table.cursor_row == 0
        await pilot.press("shift+tab")
        assert app.focused is feeds


async def test_a_reload_arriving_after_the_user_moved_keeps_the_cursor_where_it_went(
        make_app, paths, server):
    """A sync or refresh reloads the episodes on the library's thread; the user moves on
    meanwhile, and the reloaded list must not pull the cursor back (then ``+`` would queue
    the wrong episode)."""
    await subscribe(paths, server, show("Alpha Show", 3))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        await pilot.press("tab")

        def reloading() -> bool:
            return any(w.group == "episodes" and w.is_running for w in screen.workers)

        await wait_for(pilot, lambda: not reloading(), what="the first screen's reload")
        library_busy = threading.Event()
        held = asyncio.ensure_future(
            screen.services.librarian.run(lambda conn: library_busy.wait(60)))
        screen.post_message(LibraryChanged())  # its reload waits for the library
        await wait_for(pilot, reloading, what="the reload to start")
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        library_busy.set()
        await held
        await wait_for(pilot, lambda: not reloading(), what="the reload")
        assert table.cursor_row == 2
        await shows(pilot, "Alpha Show #0")


async def test_feed_text_is_literal_never_markup_or_escapes(make_app, paths, server):
    hostile = Channel("[bold red]x[/] \x1b]0;pwned\x07Show", [
        Item("[@click=app.quit]Click me[/]", guid="a", notes_html="<p>[b]not bold[/b]</p>"),
        Item("Bell\x07 and \x1b[31mred\x1b[0m text", guid="b", published=1_600_000_000),
    ])
    await subscribe(paths, server, hostile)
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot, feeds=1)
        text = await shows(pilot, "[bold red]x[/] Show", "[@click=app.quit]Click me[/]",
                           "[b]not bold[/b]", "Bell and red text")
        assert "\x1b" not in text and "\x07" not in text
        await pilot.click("#episodes", offset=(20, 1))  # clicking the link-like text
        assert app.is_running


async def test_toggle_played_and_filter(make_app, paths, server):
    await subscribe(paths, server, show("Gamma", 4))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        episode_id = table.highlighted_id
        await pilot.press("m")
        await wait_for(pilot, lambda: table.get_row_at(0)[3].plain == "✓", what="played mark")
        conn = connect(paths.database)
        assert get_episode(conn, episode_id).played
        await wait_for(pilot, lambda: feed_row(app, 0)[2].plain == "3")
        await pilot.press("m")
        await wait_for(pilot, lambda: not get_episode(conn, episode_id).played)
        conn.close()

        await pilot.press("slash")
        assert app.focused.id == "filter"
        await pilot.press(*"#2")
        await wait_for(pilot, lambda: len(screen.episodes) == 1, what="filtered list")
        assert table.get_row_at(0)[1].plain.startswith("Gamma #2")
        await pilot.press("enter")
        assert app.focused is table
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: len(screen.episodes) == 4, what="filter cleared")

        # A filter that matches nothing says so, instead of an empty list.
        await pilot.press("slash", *"xyz")
        await shows(pilot, "No episode matches 'xyz'. Escape in the filter clears it.")
        assert not table.display
        await pilot.press("enter")  # (the list is not there to go to)
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(screen.episodes) == 4 and table.display)
        assert app.focused is table and "No episode matches" not in screen_text(app)


async def test_keys_remapped_from_config_and_unknown_ids_reported(make_app, paths, server,
                                                                messages):
    await subscribe(paths, server, playable_show(server, "Remap", 1))
    config = quiet_config()
    config["keys"].update({"toggle_played": "t", "help": "f1", "no_such_action": "z"})
    app = make_app(config)
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await messages.shown(pilot, "no_such_action: no such key binding")
        await pilot.press("m")  # no longer bound
        await pilot.press("t")
        table = app.query_one(EpisodesTable)
        await wait_for(pilot, lambda: table.get_row_at(0)[3].plain == "✓", what="t marks")
        await pilot.press("f1")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await shows(pilot, "toggle_played", "f1 ")


async def test_footer_dims_keys_that_do_not_apply(make_app, paths, server):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.query_one(EmptyLibrary).display)
        bindings = app.screen.active_bindings
        for key in ("space", "right", "enter", "m", "r", "R", "d", "e"):
            assert not bindings[key].enabled, key
        assert bindings["a"].enabled and bindings["i"].enabled
        assert "f" not in bindings  # hidden, not dimmed: only archived feeds have it


async def test_unexpected_errors_are_logged_and_shown_not_fatal(make_app, paths, server,
                                                                monkeypatch, caplog,
                                                                messages):
    await subscribe(paths, server, show("Fragile", 1))

    def broken_disk(conn, *args):
        raise OSError("disk on fire")

    monkeypatch.setattr("tui.upnext.mark", broken_disk)
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("m")
        await wait_for(pilot, lambda: messages.notified("OSError: disk on fire"),
                       what="shown")
        assert app.is_running
        assert any("disk on fire" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_every_binding_has_a_unique_id_and_an_action():
    from tui.actions import ALL_KEYS, ACTIONS
    from tui.app import PodtermApp
    from tui.screens.browsing import FilterInput
    from tui.screens.dialogs import ConfirmDialog, Dialog
    from tui.screens.help import HelpTable
    from tui.screens.main import MainScreen
    from tui.screens.opml import PathPromptDialog
    from tui.screens.sync import RemovalDialog
    from tui.widgets.rowlist import RowList

    assert len({key.id for key in ALL_KEYS}) == len(ALL_KEYS)
    owners = {"app": [PodtermApp], "pane": [RowList, HelpTable], "filter": [FilterInput],
              "dialog": [Dialog], "confirm": [ConfirmDialog], "path": [PathPromptDialog],
              "main": [MainScreen], "removal": [RemovalDialog]}
    for key in ALL_KEYS:
        action = key.action.split("(")[0]
        for owner in owners[key.where]:
            assert hasattr(owner, f"action_{action}"), (key, owner)
    assert all(action.help for action in ACTIONS)
