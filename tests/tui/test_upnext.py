"""Up Next in the player: the entry above the subscriptions, its list and keys, and
playing through it (real libVLC with --aout=dummy, 3-second episodes)."""

from __future__ import annotations

from library import upnext
from library.episodes import get_episode
from library.store import connect
from tests.feedgen import show
from tests.tui.conftest import main, playable_show, ready, screen_text, shows, subscribe, \
    wait_for
from tui.screens.dialogs import ConfirmDialog
from tui.widgets.panes import EpisodesTable, FeedsPane


def queued(paths) -> list[str]:
    """The queue's titles, in order, as the library holds it."""
    conn = connect(paths.database)
    try:
        return [entry.episode.title for entry in upnext.list_queue(conn)]
    finally:
        conn.close()


def played(paths, title: str) -> bool:
    conn = connect(paths.database)
    try:
        row = conn.execute("SELECT id FROM episodes WHERE title = ?", (title,)).fetchone()
        return get_episode(conn, row[0]).played
    finally:
        conn.close()


def highlighted_title(app) -> str | None:
    episode = main(app).highlighted_episode
    return episode.title if episode else None


async def go_to(pilot, entry: str) -> None:
    """Move the subscriptions pane's cursor to "Up Next" or "Inbox" (from anywhere)."""
    app = pilot.app
    pane = app.query_one(FeedsPane)
    pane.focus()
    await pilot.press("home")
    if entry == "Inbox":
        await pilot.press("j")
    await wait_for(pilot, lambda: main(app).place is not None
                   and pane.get_row_at(pane.cursor_row)[1].plain == entry, what=entry)


async def test_add_reorder_play_next_remove_mark_and_clear(make_app, paths, server, messages):
    await subscribe(paths, server, show("Alpha", 3), show("Beta", 2))
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await ready(pilot, feeds=2)
        pane = app.query_one(FeedsPane)
        assert [pane.get_row_at(i)[1].plain for i in range(2)] == ["Up Next", "Inbox"]
        await pilot.press("tab", "plus", "j", "plus")        # Alpha #2, Alpha #1
        await wait_for(pilot, lambda: messages.notified("is number 2 of 2 in Up Next"))
        await pilot.press("shift+tab", "j", "tab", "plus")   # Beta #1
        await wait_for(pilot, lambda: len(queued(paths)) == 3, what="three queued")
        await pilot.press("plus")
        await wait_for(pilot, lambda: messages.notified("is already number 3 of 3"))
        assert queued(paths) == ["Alpha #2: a conversation about things",
                                 "Alpha #1: a conversation about things",
                                 "Beta #1: a conversation about things"]
        await wait_for(pilot, lambda: pane.get_row_at(0)[2].plain == "3", what="the count")

        await go_to(pilot, "Up Next")
        await shows(pilot, "Up Next  3 episodes, 56:28 left", " x  remove")  # 23:14 + 2 × 16:37
        table = app.query_one(EpisodesTable)
        assert [cell.plain for cell in table.get_row_at(0)] == [
            "Alpha", "Alpha #2: a conversation about things", "23:14", ""]
        assert table.get_row_at(2)[0].plain == "Beta"
        await pilot.press("slash", *"beta")                  # the filter works here too
        await wait_for(pilot, lambda: table.row_count == 1, what="filtered")
        await pilot.press("escape")                          # cleared; back in the list
        await wait_for(pilot, lambda: table.row_count == 3, what="unfiltered")
        await pilot.press("home")
        assert app.focused is table and highlighted_title(app).startswith("Alpha #2")
        await pilot.press("J")                                # down one place
        await wait_for(pilot, lambda: queued(paths)[1].startswith("Alpha #2"), what="moved")
        await wait_for(pilot, lambda: table.cursor_row == 1,
                       what="the cursor follows the moved episode")
        assert highlighted_title(app).startswith("Alpha #2")
        await pilot.press("K")
        await wait_for(pilot, lambda: queued(paths)[0].startswith("Alpha #2"), what="back up")
        await pilot.press("end", "N")                         # Beta #1 to the top
        await wait_for(pilot, lambda: queued(paths)[0].startswith("Beta #1"), what="on top")
        await wait_for(pilot, lambda: table.cursor_row == 0)
        await pilot.press("x")                                # out of the queue
        await wait_for(pilot, lambda: len(queued(paths)) == 2, what="removed")
        await wait_for(pilot, lambda: (highlighted_title(app) or "").startswith("Alpha #2"),
                       what="the cursor on the next one")
        assert not played(paths, "Beta #1: a conversation about things")

        assert not app.screen.active_bindings["plus"].enabled  # already here
        await pilot.press("m")     # played: it leaves the queue
        await wait_for(pilot, lambda: queued(paths) == ["Alpha #1: a conversation about things"],
                       what="played leaves the queue")
        assert played(paths, "Alpha #2: a conversation about things")
        await shows(pilot, "Up Next  1 episode")

        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await shows(pilot, "Take all 1 episode out of Up Next?")
        await pilot.press("y")
        await wait_for(pilot, lambda: queued(paths) == [], what="cleared")
        await shows(pilot, "Up Next  is empty.", " +  adds the highlighted episode")
        await wait_for(pilot, lambda: pane.get_row_at(0)[2].plain == "", what="no count")


async def test_the_queue_plays_through_whatever_list_playback_started_in(make_app, paths,
                                                                         server):
    """Queued: episodes 1 and 3. Episode 2 is played from the feed's list: when it ends,
    the queue goes on (1, then 3, not the list's order); each finished episode is marked
    played and leaves the queue; then the queue is empty and playback stops."""
    await subscribe(paths, server, playable_show(server, "Short", 3, seconds=3))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await pilot.press("tab", "j", "j", "plus", "k", "k", "plus")   # 1, then 3
        await wait_for(pilot, lambda: queued(paths) == ["Short episode 1", "Short episode 3"],
                       what="queued")
        await pilot.press("j", "enter")                                 # episode 2
        playing: list[str] = []

        def ended() -> bool:
            episode = screen.playback.episode
            if episode is not None and episode.title not in playing:
                playing.append(episode.title)
            return episode is None and len(playing) == 3

        await wait_for(pilot, ended, timeout=60, what="three episodes played")
        assert playing == ["Short episode 2", "Short episode 1", "Short episode 3"]
        assert all(played(paths, f"Short episode {n}") for n in (1, 2, 3))
        assert queued(paths) == []
        await shows(pilot, "Nothing playing")


async def test_next_and_previous_go_through_the_queue_then_the_list(make_app, paths, server,
                                                                     messages):
    """Episodes 3, 2, 1 (newest first), episode 1 queued. From episode 3: next is the
    queued one, then the list goes on below 3 (episode 2); previous walks back through
    what played (1, then 3), and then there is nothing before."""
    [feed_id] = await subscribe(paths, server, playable_show(server, "Seq", 3))
    conn = connect(paths.database)
    ids = {title: i for i, title in conn.execute("SELECT id, title FROM episodes")}
    upnext.add(conn, [ids["Seq episode 1"]])
    conn.close()
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)

        async def now_playing(n: int) -> None:
            await wait_for(pilot, lambda: screen.playback.loaded and screen.playback.episode
                           .title == f"Seq episode {n}", what=f"episode {n} playing")
            await shows(pilot, f"Seq — Seq episode {n}")

        await pilot.press("tab", "enter")
        await now_playing(3)
        for key, n in (("greater_than_sign", 1), ("greater_than_sign", 2),
                       ("less_than_sign", 1), ("less_than_sign", 3)):
            await pilot.press(key)
            await now_playing(n)
        await pilot.press("less_than_sign")
        await wait_for(pilot, lambda: messages.notified("Nothing comes before this episode."))
        assert screen.playback.episode.title == "Seq episode 3"
        assert queued(paths) == ["Seq episode 1"]   # skipping is not finishing
        assert not played(paths, "Seq episode 1")


async def test_a_queue_changed_from_the_command_line_meanwhile(make_app, paths, server,
                                                               messages):
    """The list is read again when selected; a key pressed on an episode that another
    program took out of the queue is refused with the reason, and the list is redrawn."""
    await subscribe(paths, server, show("Shared", 3))
    conn = connect(paths.database)
    ids = [i for (i,) in conn.execute("SELECT id FROM episodes ORDER BY published_at DESC")]
    upnext.add(conn, ids[:2])
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await go_to(pilot, "Up Next")
        await shows(pilot, "Up Next  2 episodes")
        upnext.add(conn, ids[2:])                     # `podterm queue add` meanwhile
        await pilot.press("j", "k")                   # away and back: read again
        await shows(pilot, "Up Next  3 episodes")
        upnext.remove(conn, ids[:1])                  # `podterm queue remove` meanwhile
        await pilot.press("tab", "x")
        await wait_for(pilot, lambda: messages.notified(f"episode {ids[0]} is not in the queue"))
        await shows(pilot, "Up Next  2 episodes")
        assert [e.episode.id for e in upnext.list_queue(conn)] == ids[1:]
    conn.close()


async def test_a_filter_that_matches_nothing_in_a_show_still_finds_up_next_episodes(
        make_app, paths, server):
    """"No episode matches" belongs to the list it is about: Up Next's matches show."""
    await subscribe(paths, server, show("Alpha", 3), show("Beta", 2))
    conn = connect(paths.database)
    [beta] = [id_ for id_, in conn.execute("SELECT id FROM episodes WHERE title LIKE 'Beta #1%'")]
    upnext.add(conn, [beta])
    conn.close()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=2)
        table = app.query_one(EpisodesTable)
        await pilot.press("slash", *"beta #1")
        await shows(pilot, "No episode matches 'beta #1'")
        assert screen.selected_feed.title == "Alpha" and not table.display
        await go_to(pilot, "Up Next")
        await wait_for(pilot, lambda: table.display and highlighted_title(app) is not None
                       and highlighted_title(app).startswith("Beta #1"), what="Up Next's match")
        assert "No episode matches" not in screen_text(app)
