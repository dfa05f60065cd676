"""The sleep timer, through its key and dialog, with the real engine (libVLC, dummy
audio). The timer reads a clock the test owns and moves by hand: nothing here waits for
wall-clock minutes or asserts how long anything took."""

from __future__ import annotations

from textual.command import CommandPalette

from library.episodes import get_episode
from library.store import connect
from player import PlayerState
from tests.tui.conftest import main, playable_show, ready, screen_text, shows, \
    subscribe, wait_for
from tui.screens.sleep import SleepDialog
from tui.widgets.panes import EpisodesTable


class FakeClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def status(app):
    return main(app).playback.engine.status()


def saved(paths, episode_id: int):
    conn = connect(paths.database)
    try:
        return get_episode(conn, episode_id)
    finally:
        conn.close()


async def start_playing(pilot, app) -> int:
    await pilot.press("tab", "enter")
    await wait_for(pilot, lambda: main(app).playback.engine is not None
                   and status(app).state is PlayerState.PLAYING, what="playing")
    return app.query_one(EpisodesTable).highlighted_id


async def choose(pilot, app, *keys: str) -> None:
    """Open the sleep dialog with z and answer it with ``keys``."""
    await pilot.press("z")
    await wait_for(pilot, lambda: isinstance(app.screen, SleepDialog), what="sleep dialog")
    await pilot.press(*keys)
    await wait_for(pilot, lambda: not isinstance(app.screen, SleepDialog), what="closed")


async def test_minutes_count_playing_time_fade_out_stop_and_save(make_app, paths, server,
                                                                 messages):
    await subscribe(paths, server, playable_show(server, "Night", 2, seconds=600))
    app = make_app()
    clock = FakeClock()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        screen.sleep.clock = clock
        episode_id = await start_playing(pilot, app)
        await pilot.press("right")  # +30 s: the saved position will show it
        await wait_for(pilot, lambda: status(app).position >= 30, what="seek")
        await choose(pilot, app, "enter")  # the first preset: 5 minutes
        await shows(pilot, "sleep 5:00")

        clock.advance(120)
        await shows(pilot, "sleep 3:00")
        await pilot.press("space")  # a pause holds the timer
        await wait_for(pilot, lambda: status(app).state is PlayerState.PAUSED)
        clock.advance(600)
        screen.sleep.tick()  # the paused time is seen (and not counted) before resuming
        await pilot.press("space")
        await wait_for(pilot, lambda: status(app).state is PlayerState.PLAYING)
        await shows(pilot, "sleep 3:00")

        clock.advance(170)  # 10 s left: the fade starts from the full volume
        await shows(pilot, "sleep 0:10")
        assert status(app).volume == 100
        clock.advance(5)
        await wait_for(pilot, lambda: status(app).volume == 50, what="half-way faded")
        await shows(pilot, "sleep 0:05")
        clock.advance(2.5)
        await wait_for(pilot, lambda: status(app).volume == 25, what="faded further")

        clock.advance(2.5)
        await wait_for(pilot, lambda: status(app).state is PlayerState.IDLE, what="stopped")
        await wait_for(pilot, lambda: saved(paths, episode_id).position_s >= 30,
                       what="position saved")
        assert not saved(paths, episode_id).played
        assert status(app).volume == 100  # set back for the next episode
        await messages.shown(pilot, "Good night")
        text = await shows(pilot, "Paused", "Night episode 2")  # cued: space resumes it
        assert "sleep" not in text
        await pilot.press("space")
        await wait_for(pilot, lambda: status(app).state is PlayerState.PLAYING, what="again")
        assert status(app).position >= 24  # from the saved place (less the resume rewind)
        await pilot.press("q")


async def test_the_same_key_cancels_and_gives_the_volume_back(make_app, paths, server,
                                                              messages):
    await subscribe(paths, server, playable_show(server, "Awake", 1, seconds=600))
    app = make_app()
    clock = FakeClock()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        screen.sleep.clock = clock
        await start_playing(pilot, app)
        await pilot.press("minus")  # 95 %: the fade starts from the user's volume
        await choose(pilot, app, "down", "enter")  # 10 minutes
        await shows(pilot, "sleep 10:00")
        clock.advance(595)
        await wait_for(pilot, lambda: status(app).volume == 48, what="fading")
        await pilot.press("z")
        await wait_for(pilot, lambda: status(app).volume == 95, what="volume back")
        await messages.shown(pilot, "Sleep timer cancelled")
        await wait_for(pilot, lambda: "sleep" not in screen_text(app), what="label gone")
        clock.advance(600)
        screen.sleep.tick()
        assert status(app).state is PlayerState.PLAYING
        await pilot.press("q")


async def test_a_typed_number_of_minutes_and_a_wrong_one(make_app, paths, server):
    await subscribe(paths, server, playable_show(server, "Typed", 1, seconds=600))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:  # the hint fits the smallest screen
        screen = await ready(pilot, feeds=1)
        screen.sleep.clock = FakeClock()
        await start_playing(pilot, app)
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, SleepDialog))
        await pilot.press("tab", *"abc", "enter")
        await shows(pilot, "'abc' is not a number of minutes.")
        await pilot.press("backspace", "backspace", "backspace", *"0", "enter")
        await shows(pilot, "Give a number of minutes above 0 and at most 1440.")
        assert not screen.sleep.active  # nothing started from a wrong value
        await pilot.press("backspace", *"25", "enter")
        await shows(pilot, "sleep 25:00")
        await pilot.press("z")  # cancelled; escape in the dialog starts nothing either
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, SleepDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SleepDialog))
        assert not screen.sleep.active
        await pilot.press("q")


async def test_at_the_end_of_the_episode_the_next_one_does_not_start(make_app, paths,
                                                                     server, messages):
    await subscribe(paths, server, playable_show(server, "Short", 2, seconds=12))
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        episode_id = await start_playing(pilot, app)
        await choose(pilot, app, "end", "enter")  # the last entry: end of this episode
        await shows(pilot, "sleep 0:")
        await wait_for(pilot, lambda: status(app).volume < 100, what="fading at the end")
        await wait_for(pilot, lambda: messages.notified("Good night"), what="the end")
        await wait_for(pilot, lambda: saved(paths, episode_id).played, what="marked played")
        text = await shows(pilot, "Nothing playing")
        assert status(app).state is PlayerState.ENDED
        assert screen.playback.episode is None  # nothing was started after it
        assert status(app).volume == 100
        assert "sleep" not in text
        assert not screen.playback.stop_after_current  # the next end plays on again
        await pilot.press("q")


async def test_the_key_is_listed_and_applies_only_with_something_to_play(make_app, paths,
                                                                         server):
    await subscribe(paths, server, playable_show(server, "Listed", 1, seconds=600))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"sleep")
        await shows(pilot, "Sleep timer: stop later", "not now: nothing is playing")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))
        await pilot.press("question_mark")
        await shows(pilot, "sleep_timer")
        await pilot.press("escape")
        await start_playing(pilot, app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"sleep", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SleepDialog), what="dialog")
        await pilot.press("escape")
        await pilot.press("q")
