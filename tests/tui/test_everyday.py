"""The everyday rough edges a new user met: refresh at start and on a timer, reopening
where you left off, the feed's listening time, help and palette that show everything,
resuming after stop, notes that scroll from the list, and keys that never collide."""

from __future__ import annotations

from textual.command import CommandPalette

from library.config import default_config
from library.feeds import add_feed
from library.store import connect
from tests.feedgen import Channel, Item, rss, show
from tests.tui.conftest import playable_show, quiet_config, ready, screen_text, shows, \
    subscribe, wait_for
from tests.tui.fakes import ScriptedEngine
from tui import keys
from tui.actions import ALL_KEYS
from tui.messages import RefreshFinished
from tui.screens.dialogs import PromptDialog
from tui.screens.help import HelpScreen, HelpTable
from tui.widgets.details import EpisodeDetails
from tui.widgets.panes import EpisodesTable


def scripted(settings, log_dir) -> ScriptedEngine:
    return ScriptedEngine()


def test_default_keys_never_do_two_things_at_once():
    assert keys.conflicts(ALL_KEYS, {}) == []


async def test_refresh_at_start_and_on_a_timer_picks_up_feeds_added_from_the_cli(
        make_app, paths, server, messages):
    await subscribe(paths, server, show("Early Show", 1))
    server.add("/feeds/0.xml", rss(show("Early Show", 2)), "application/rss+xml")
    config = default_config()
    config["refresh"]["interval_min"] = 0.02  # a timer every 1.2 s instead of every hour
    app = make_app(config, scripted)
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: len(screen.episodes) == 2
                       and messages.of(RefreshFinished), what="the refresh at start")
        late = server.add("/late.xml", rss(show("Late Show", 3)), "application/rss+xml")
        conn = connect(paths.database)
        add_feed(conn, late)  # `podterm add --no-refresh` while the player is open
        conn.close()
        await wait_for(pilot, lambda: len(messages.of(RefreshFinished)) >= 2
                       and any(f.title == "Late Show" and f.episode_count == 3
                               for f in screen.feeds), what="the timer's refresh")
        await messages.shown(pilot, "Refresh done")  # automatic ones say so when they find news


async def test_reopens_on_the_feed_and_episode_left_with_the_last_one_cued(
        make_app, paths, server):
    await subscribe(paths, server, playable_show(server, "Alpha", 3),
                    playable_show(server, "Beta", 3))
    app = make_app(engine_factory=scripted)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=2)
        await pilot.press("j")  # Beta
        await wait_for(pilot, lambda: screen.selected_feed.title == "Beta"
                       and len(screen.episodes) == 3)
        await pilot.press("tab", "j", "enter")  # Beta episode 2
        await wait_for(pilot, lambda: screen.playback.episode is not None)
        chosen = screen.playback.episode.id
        await pilot.press("j")  # the cursor moves on: episode 1
        highlighted = app.query_one(EpisodesTable).highlighted_id
        await pilot.press("q")

    engine = ScriptedEngine()
    again = make_app(engine_factory=lambda settings, log_dir: engine)
    async with again.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=2)
        await wait_for(pilot, lambda: again.query_one(EpisodesTable).highlighted_id
                       == highlighted, what="the same episode highlighted")
        assert screen.selected_feed.title == "Beta"
        await shows(pilot, "Paused", "Beta — Beta episode 2")
        await pilot.press("space")  # resumes the cued episode, not the highlighted one
        await wait_for(pilot, lambda: engine.played, what="play")
        assert screen.playback.episode.id == chosen


async def test_the_feed_header_says_how_long_it_all_is_and_what_is_left(
        make_app, paths, server):
    channel = Channel("Timed", [Item(f"Part {n}", guid=f"p{n}", duration="1:00:00",
                                     published=1_700_000_000 + n) for n in range(3)])
    [feed_id] = await subscribe(paths, server, channel)
    conn = connect(paths.database)
    first, second = [row[0] for row in conn.execute(
        "SELECT id FROM episodes WHERE feed_id = ? ORDER BY id LIMIT 2", (feed_id,))]
    conn.execute("UPDATE episodes SET played = 1 WHERE id = ?", (first,))
    conn.execute("UPDATE episodes SET position_s = 1800 WHERE id = ?", (second,))
    conn.close()
    app = make_app(engine_factory=scripted)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        await shows(pilot, "3 episodes, 3:00:00; 2 unplayed, 1:30:00 left")


async def test_help_scrolls_with_the_list_keys(make_app):
    app = make_app(engine_factory=scripted)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one(HelpTable)
        await pilot.press("j", "j", "down")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await shows(pilot, "complete_path")  # the last row scrolled into view
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_the_palette_lists_what_does_not_apply_and_says_why(make_app, messages):
    app = make_app(engine_factory=scripted)
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"pause")
        await shows(pilot, "Pause or resume playback", "not now: nothing is playing")
        await pilot.press("enter")
        await wait_for(pilot, lambda: messages.notified(
            "Pause or resume playback: not now, nothing is playing or paused."))
        assert not isinstance(app.screen, CommandPalette)


async def test_space_after_stop_plays_again_from_where_it_stopped(make_app, paths, server):
    await subscribe(paths, server, playable_show(server, "Stopper", 1))
    app = make_app()  # the real engine
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await pilot.press("tab", "enter")
        engine = screen.playback
        await wait_for(pilot, lambda: engine.loaded and engine.engine.status().position > 0)
        await pilot.press("right")  # +30 s
        await wait_for(pilot, lambda: engine.engine.status().position >= 30)
        await pilot.press("s")
        await wait_for(pilot, lambda: not engine.loaded and screen.episodes[
            engine.episode.id].position_s >= 29, what="stopped, position saved")
        await shows(pilot, "Paused", "Stopper — Stopper episode 1")
        await pilot.press("space")
        await wait_for(pilot, lambda: engine.loaded and engine.engine.status().position >= 20,
                       what="playing again near 30 s (less the rewind)")


async def test_long_notes_scroll_from_the_episode_list(make_app, paths, server):
    notes = "".join(f"<p>Paragraph {n} of the notes.</p>" for n in range(60))
    await subscribe(paths, server, Channel("Wordy", [Item("Long one", guid="w",
                                                          notes_html=notes)]))
    app = make_app(engine_factory=scripted)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab")
        details = app.query_one(EpisodeDetails)
        assert details.scroll_y == 0 and app.focused is app.query_one(EpisodesTable)
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: details.scroll_y > 0, what="scrolled down")
        assert app.focused is app.query_one(EpisodesTable)  # the list keeps the keys
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: details.scroll_y == 0, what="scrolled back up")


async def test_the_welcome_notice_steps_aside_when_a_dialog_opens(make_app, messages):
    app = make_app(engine_factory=scripted, notices=["Welcome to the demo: press a."])
    async with app.run_test(size=(120, 36), message_hook=messages, notifications=True) \
            as pilot:
        await shows(pilot, "Welcome to the demo")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        await wait_for(pilot, lambda: "Welcome to the demo" not in screen_text(app),
                       what="the notice gone")


async def test_a_key_bound_twice_is_reported_at_start(make_app, messages):
    config = quiet_config()
    config["keys"]["play_pause"] = "q"
    app = make_app(config, scripted)
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await wait_for(pilot, lambda: messages.notified(
            "'q' is bound to both play_pause and quit"))
