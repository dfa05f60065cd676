"""Subscribers run on their own threads: slow or broken ones cannot hurt playback."""

from __future__ import annotations

import logging
import threading
import time

from player import PlayerEvent, PlayerState, PositionChanged, StateChanged, Stopped
from player.dispatch import EventHub
from tests.player.conftest import EventLog, wait_until


def test_slow_and_raising_subscribers_do_not_break_playback(
        player, events, media, serve, caplog):
    caplog.set_level(logging.ERROR, logger="player.dispatch")
    slow = EventLog()

    def slow_subscriber(event: PlayerEvent) -> None:
        time.sleep(0.3)
        slow(event)

    def broken_subscriber(event: PlayerEvent) -> None:
        raise RuntimeError("a bug in the UI")

    player.subscribe(slow_subscriber)
    player.subscribe(broken_subscriber)
    url = serve(media["long_wav"])
    player.play(url)
    events.wait_for(PositionChanged, lambda e: e.position >= 1.0)
    player.pause()  # commands still work while the slow subscriber lags behind
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.PAUSED)
    mark = events.mark()
    player.resume()
    events.wait_for(PositionChanged, after=mark)
    player.stop()
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.IDLE)
    # The slow subscriber catches up; it got every state change, in order.
    slow.wait_for(StateChanged, lambda e: e.state is PlayerState.IDLE, timeout=30)
    assert [e.state for e in slow.of(StateChanged)] == [e.state for e in events.of(StateChanged)]
    failures = [r for r in caplog.records if "a bug in the UI" in str(r.exc_info)]
    assert len(failures) >= 4  # logged every time, and it kept receiving events


def test_a_subscriber_may_call_the_player(player, events, media, serve):
    """Calls from a callback only queue a command: stopping from one cannot deadlock."""
    def stop_when_playing(event: PlayerEvent) -> None:
        if isinstance(event, StateChanged) and event.state is PlayerState.PLAYING:
            player.stop()

    player.subscribe(stop_when_playing)
    player.play(serve(media["long_wav"]))
    events.wait_for(Stopped)
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.IDLE)


def test_unsubscribed_callbacks_get_nothing_more(player, events, media, serve):
    other = EventLog()
    unsubscribe = player.subscribe(other)
    unsubscribe()
    unsubscribe()  # twice is harmless
    player.play(serve(media["wav"]))
    events.wait_for(PositionChanged)
    assert other.events == []


def test_a_subscriber_behind_gets_only_the_newest_position_but_every_other_event():
    hub = EventHub()
    release = threading.Event()
    received: list[PlayerEvent] = []

    def callback(event: PlayerEvent) -> None:
        release.wait(10)
        received.append(event)

    hub.subscribe(callback)

    def position(seconds: float) -> PositionChanged:
        return PositionChanged(source="a", position=seconds, duration=10.0)

    playing = StateChanged(source="a", position=0.0, duration=10.0,
                           state=PlayerState.PLAYING, previous=PlayerState.OPENING)
    hub.publish(playing)  # taken at once; the callback blocks on it
    wait_until(lambda: hub._subscribers[0].inbox.empty())
    backlog = [position(1.0), position(2.0), position(3.0), playing, position(4.0)]
    for event in backlog:
        hub.publish(event)
    release.set()
    hub.close(timeout_s=5)
    assert received == [playing, playing, position(4.0)]
