"""Each show's settings in the player: the dialog (defaults shown as such, bad values
refused with the reason), and what they do to playback through the real engine: speed,
volume boost, skipped intro and outro, and a speed change remembered for the show."""

from __future__ import annotations

from library.showsettings import ShowDefaults, ShowOverrides, get_overrides, \
    update_show_settings
from library.store import connect
from player import PlayerState
from tests.tui.conftest import main, playable_show, quiet_config, ready, shows, subscribe, \
    wait_for
from tests.tui.test_upnext import played
from tui.screens.show_settings import ShowSettingsDialog
from tui.widgets.panes import FeedsPane


def overrides(paths, feed_id: int) -> ShowOverrides:
    conn = connect(paths.database)
    try:
        return get_overrides(conn, feed_id)
    finally:
        conn.close()


def status(app):
    return main(app).playback.engine.status()


async def fill(pilot, **values: str) -> None:
    """Type into the dialog's fields (by setting name), replacing what they hold."""
    for name, value in values.items():
        field = pilot.app.screen.query_one(f"#setting-{name}")
        field.focus()
        field.value = ""
        if value:
            await pilot.press(*value)


async def test_the_dialog_shows_defaults_refuses_bad_values_and_saves(make_app, paths, server,
                                                                      messages):
    [feed_id] = await subscribe(paths, server, playable_show(server, "Tuned", 1))
    config = quiet_config()
    config["player"].update(rate=1.2, volume=90)
    app = make_app(config)
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ShowSettingsDialog))
        await shows(pilot, "Settings: Tuned", "default (1.2×)", "default (90 %)",
                    "default (0 s)", "default (off)")
        await fill(pilot, speed="9")
        await pilot.press("enter")
        await shows(pilot, "speed must be 0.5-3.0 in steps of 0.1, not 9.0")
        await fill(pilot, speed="1.5", skip_intro_s="abc")
        await pilot.press("enter")
        await shows(pilot, "skip intro must be a whole number, not 'abc'")
        assert isinstance(app.screen, ShowSettingsDialog)
        assert overrides(paths, feed_id) == ShowOverrides()   # nothing saved yet
        await fill(pilot, volume="130", skip_intro_s="20", skip_outro_s="15", auto_queue="on")
        await pilot.press("enter")
        await wait_for(pilot, lambda: messages.notified("Saved the settings of Tuned."))
        assert overrides(paths, feed_id) == ShowOverrides(speed=1.5, volume=130, skip_intro_s=20,
                                                          skip_outro_s=15, auto_queue=True)

        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ShowSettingsDialog))
        screen = app.screen
        assert [screen.query_one(f"#setting-{name}").value for name in (
            "speed", "volume", "skip_intro_s", "skip_outro_s", "auto_queue")] == [
            "1.5", "130", "20", "15", "on"]
        await fill(pilot, speed="", volume="default")
        await pilot.press("enter")
        await wait_for(pilot, lambda: overrides(paths, feed_id).speed is None, what="saved")
        assert overrides(paths, feed_id) == ShowOverrides(skip_intro_s=20, skip_outro_s=15,
                                                          auto_queue=True)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ShowSettingsDialog))
        await pilot.press("escape")                       # cancel: nothing changes
        await wait_for(pilot, lambda: not isinstance(app.screen, ShowSettingsDialog))
        assert overrides(paths, feed_id).skip_intro_s == 20


async def test_speed_volume_intro_and_outro_apply_when_the_show_plays(make_app, paths, server):
    """60-second episodes; the show plays at 1.5×, volume 130 %, skips the first 20 s and
    the last 35 s: it starts at 0:20 and counts as finished at 0:25, then the next one
    starts (at 0:20 too)."""
    [feed_id] = await subscribe(paths, server, playable_show(server, "Skippy", 2))
    conn = connect(paths.database)
    update_show_settings(conn, feed_id, {"speed": 1.5, "volume": 130, "skip_intro_s": 20,
                                         "skip_outro_s": 35}, ShowDefaults())
    conn.close()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: screen.playback.engine is not None
                       and status(app).state is PlayerState.PLAYING, what="playing")
        first = screen.playback.episode
        assert 19.5 <= status(app).position < 25
        assert (status(app).rate, status(app).volume) == (1.5, 130)
        await shows(pilot, "1.5×  vol 130%")
        await wait_for(pilot, lambda: screen.playback.episode is not None
                       and screen.playback.episode.id != first.id, what="the next episode")
        assert played(paths, first.title)
        await wait_for(pilot, lambda: status(app).state is PlayerState.PLAYING
                       and status(app).source == screen.playback.episode.enclosure_url)
        assert 19.5 <= status(app).position < 25


async def test_a_speed_changed_while_a_show_plays_sticks_to_that_show(make_app, paths, server):
    ids = await subscribe(paths, server, playable_show(server, "Fast", 1),
                          playable_show(server, "Slow", 1))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=2)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: screen.playback.loaded, what="Fast plays")
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_for(pilot, lambda: overrides(paths, ids[0]).speed == 1.2, what="remembered")
        await pilot.press("shift+tab", "j", "tab", "enter")     # the other show: default speed
        await wait_for(pilot, lambda: screen.playback.episode.feed_id == ids[1]
                       and status(app).rate == 1.0, what="Slow at 1.0×")
        assert overrides(paths, ids[1]).speed is None
        await pilot.press("shift+tab", "k", "tab", "enter")     # back: its own speed again
        await wait_for(pilot, lambda: screen.playback.episode.feed_id == ids[0]
                       and status(app).rate == 1.2, what="Fast at 1.2×")
        await pilot.press("left_square_bracket", "left_square_bracket")  # back to the default
        await wait_for(pilot, lambda: overrides(paths, ids[0]).speed is None, what="default")


async def test_remember_speed_per_show_off_keeps_it_for_the_session(make_app, paths, server):
    ids = await subscribe(paths, server, playable_show(server, "Fast", 1),
                          playable_show(server, "Slow", 1))
    config = quiet_config()
    config["player"]["remember_speed_per_show"] = False
    app = make_app(config)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=2)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: screen.playback.loaded, what="Fast plays")
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: status(app).rate == 1.1)
        await pilot.press("shift+tab", "j", "tab", "enter")
        await wait_for(pilot, lambda: screen.playback.episode.feed_id == ids[1]
                       and status(app).state is PlayerState.PLAYING, what="Slow plays")
        assert status(app).rate == 1.1
        assert overrides(paths, ids[0]) == overrides(paths, ids[1]) == ShowOverrides()


async def test_settings_of_the_highlighted_episodes_show_in_up_next(make_app, paths, server):
    ids = await subscribe(paths, server, playable_show(server, "Queued Show", 1))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "plus", "shift+tab", "home")
        await wait_for(pilot, lambda: main(app).place == "upnext"
                       and main(app).highlighted_episode is not None, what="Up Next")
        assert app.query_one(FeedsPane).has_focus
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ShowSettingsDialog))
        await shows(pilot, "Settings: Queued Show")
        assert app.screen.settings.feed_id == ids[0]
