"""Playback through the real engine (libVLC, --aout=dummy) and the engine-to-UI bridge."""

from __future__ import annotations

import threading

from library.episodes import get_episode
from library.store import connect
from player import (
    Ended, LibVLCMissing, PlaybackError, PlayerState, PositionChanged, StateChanged,
)
from tests.feedgen import Channel, Item
from tests.tui.conftest import main, playable_show, quiet_config, ready, shows, subscribe, \
    wait_for
from tests.tui.fakes import ScriptedEngine
from tui.messages import EpisodeChanged
from tui.screens.dialogs import MessageDialog
from tui.widgets.panes import EpisodesTable


def engine(app):
    return main(app).playback.engine


def state(app) -> PlayerState | None:
    return engine(app).status().state if engine(app) is not None else None


def saved_position(paths, episode_id: int) -> float:
    conn = connect(paths.database)
    try:
        return get_episode(conn, episode_id).position_s
    finally:
        conn.close()


async def test_play_pause_seek_rate_volume_and_resume_after_restart(make_app, paths, server):
    await subscribe(paths, server, playable_show(server, "Loud", 2))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab")
        episode_id = app.query_one(EpisodesTable).highlighted_id
        assert not app.screen.active_bindings["right"].enabled  # nothing plays yet
        await pilot.press("enter")
        await wait_for(pilot, lambda: state(app) is PlayerState.PLAYING, what="playing")
        await wait_for(pilot, lambda: app.screen.active_bindings["right"].enabled)
        await shows(pilot, "Playing", "Loud — Loud episode 2")
        await pilot.press("right")  # +30 s
        await wait_for(pilot, lambda: engine(app).status().position >= 30, what="seek")
        await pilot.press("left")  # -10 s
        await wait_for(pilot, lambda: engine(app).status().position < 30,
                       what="seek back")
        await pilot.press("right_square_bracket", "right_square_bracket", "left_square_bracket")
        await pilot.press("minus", "minus", "equals_sign")
        await wait_for(pilot, lambda: engine(app).status().rate == 1.1)
        assert engine(app).status().volume == 95
        await shows(pilot, "1.1×  vol 95%")
        await pilot.press("space")
        await wait_for(pilot, lambda: state(app) is PlayerState.PAUSED, what="paused")
        await wait_for(pilot, lambda: saved_position(paths, episode_id) >= 19,
                       what="position saved on pause")
        paused_at = engine(app).status().position
        await pilot.press("q")
    assert abs(saved_position(paths, episode_id) - paused_at) < 1.5

    again = make_app()
    async with again.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        table = again.query_one(EpisodesTable)
        assert table.get_row_at(0)[3].plain.endswith("%")  # in progress, with its percent
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: state(again) is PlayerState.PLAYING, what="playing")
        # Resumes there, minus the engine's rewind_on_resume_s (5 s).
        assert paused_at - 7 <= engine(again).status().position <= paused_at + 3
        await pilot.press("q")


async def test_end_marks_played_and_plays_the_next(make_app, paths, server):
    await subscribe(paths, server, playable_show(server, "Short", 2, seconds=3))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        first, second = (episode.id for episode in table.items[:2])
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: screen.episodes[first].played, what="first played")
        await wait_for(pilot, lambda: screen.playback.episode is not None
                       and screen.playback.episode.id == second, what="second plays")
        await wait_for(pilot, lambda: screen.episodes[second].played, what="second played")
        assert table.get_row_at(0)[3].plain == "✓"
        await pilot.press("q")


async def test_stop_and_switching_episode_save_the_position(make_app, paths, server):
    await subscribe(paths, server, playable_show(server, "Switch", 2))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        first = table.highlighted_id
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: state(app) is PlayerState.PLAYING, what="playing")
        await pilot.press("right")
        await wait_for(pilot, lambda: engine(app).status().position >= 30)
        await pilot.press("j", "enter")  # another episode: the first one's place is kept
        await wait_for(pilot, lambda: saved_position(paths, first) >= 29, what="saved")
        await wait_for(pilot, lambda: state(app) is PlayerState.PLAYING, what="second")
        second = table.highlighted_id
        await pilot.press("right", "s")
        await wait_for(pilot, lambda: saved_position(paths, second) >= 25, what="saved on stop")
        await pilot.press("q")


async def test_playback_error_is_reported_and_the_app_goes_on(make_app, paths, server,
                                                               messages):
    await subscribe(paths, server, Channel("Broken", [
        Item("Gone", guid="gone", enclosure=server.url("/media/missing.mp3"))]))
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: messages.notified("HTTP 404"), what="error shown")
        assert app.is_running and state(app) is PlayerState.ERROR


async def test_missing_libvlc_still_browses_and_explains_on_play(make_app, paths, server):
    def no_vlc(settings, log_dir):
        raise LibVLCMissing("NameError: no function 'libvlc_new'")

    await subscribe(paths, server, playable_show(server, "Quiet", 1))
    app = make_app(engine_factory=no_vlc)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: main(app).playback.engine_error is not None)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageDialog))
        await shows(pilot, "sudo apt install libvlc5")
        await pilot.press("escape")
        assert not isinstance(app.screen, MessageDialog)


async def test_events_from_a_plain_thread_reach_the_ui(make_app, paths, server, messages):
    """The VLC-to-UI bridge: the engine calls subscribers on its own threads."""
    await subscribe(paths, server, playable_show(server, "Bridge", 2))
    engine = ScriptedEngine()
    config = quiet_config()
    config["playback"]["play_next"] = False
    app = make_app(config, engine_factory=lambda settings, log_dir: engine)
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: engine.played, what="play command")
        episode = screen.playback.episode
        source = engine.played[-1][0]

        def fire() -> None:  # like the engine's subscriber thread
            engine.status_now = engine.status_now.__class__(
                state=PlayerState.PLAYING, source=source, position=42.0, duration=60.0,
                volume=100, rate=1.0, error=None)
            for event in (StateChanged(source=source, position=42.0, duration=60.0,
                                       state=PlayerState.PLAYING, previous=PlayerState.OPENING),
                          PositionChanged(source=source, position=42.0, duration=60.0)):
                engine.emit(event)

        thread = threading.Thread(target=fire)
        thread.start()
        thread.join()
        await shows(pilot, "0:42 / 1:00")
        threading.Thread(target=engine.emit, args=(StateChanged(  # a pause saves at once
            source=source, position=43.0, duration=60.0, state=PlayerState.PAUSED,
            previous=PlayerState.PLAYING),)).start()
        await wait_for(pilot, lambda: saved_position(paths, episode.id) == 43.0, what="saved")
        threading.Thread(target=engine.emit, args=(PlaybackError(
            source=source, position=43.0, duration=60.0, reason="Server on fire"),)).start()
        await wait_for(pilot, lambda: messages.notified("Server on fire"), what="error shown")
        threading.Thread(target=engine.emit, args=(Ended(
            source=source, position=60.0, duration=60.0),)).start()
        await wait_for(pilot, lambda: screen.episodes[episode.id].played, what="played")
        assert len(engine.played) == 1  # play_next = false
        assert [m.episode.id for m in messages.of(EpisodeChanged)] == [episode.id] * 2
