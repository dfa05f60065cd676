"""Playing real media through real libVLC, served over loopback HTTP with Range support.

Where a test needs libVLC's own clock rather than the engine's interpolated position, it
reads ``player._driver._media_player.get_time()`` from the test thread (safe: it is not
a libVLC callback).
"""

from __future__ import annotations

import time

import pytest

from player import Ended, PlayerState, PositionChanged, StateChanged, Stopped
from tests.player.conftest import make_player, wait_until
from tests.player.media_tools import tone_wav
from tui.demo.server import Reply

PLAYING = PlayerState.PLAYING


def vlc_seconds(player) -> float:
    """libVLC's own time report (coarse steps), in seconds."""
    return player._driver._media_player.get_time() / 1000


def next_vlc_report(player, after: float, timeout: float = 10.0) -> tuple[float, float]:
    """Wait for libVLC's time to move away from ``after``; returns (media s, wall s)."""
    deadline = time.monotonic() + timeout
    while (seconds := vlc_seconds(player)) == after:
        assert time.monotonic() < deadline, f"libVLC's time stayed at {after} s"
        time.sleep(0.005)
    return seconds, time.monotonic()


def states(events) -> list[PlayerState]:
    return [event.state for event in events.of(StateChanged)]


@pytest.mark.parametrize("name", ["wav", "mp3", "ogg"])
def test_each_format_plays_over_http_to_the_end(player, events, media, serve, name):
    url = serve(media[name])
    player.play(url)
    ended = events.wait_for(Ended)
    assert ended.source == url
    assert ended.duration == pytest.approx(3.0, abs=0.3)
    assert ended.position == ended.duration
    assert states(events) == [PlayerState.OPENING, PLAYING, PlayerState.ENDED]
    positions = [event.position for event in events.of(PositionChanged)]
    assert positions == sorted(positions)


def test_local_files_play_by_path_and_by_file_url(player, events, media):
    player.play(media["mp3"])
    events.wait_for(Ended, lambda e: e.source == str(media["mp3"]))
    player.play(media["ogg"].as_uri())
    events.wait_for(StateChanged, lambda e: e.state is PLAYING and e.source.startswith("file:"))


def test_position_follows_libvlc_and_moves_smoothly_between_its_reports(
        player, events, media, serve):
    url = serve(media["long_wav"])
    asked = time.monotonic()
    player.play(url)
    event = events.wait_for(PositionChanged, lambda e: e.position >= 2.0)
    # Media time cannot run ahead of wall time at 1x (0.5 s for libVLC's own lead).
    assert event.position <= time.monotonic() - asked + 0.5
    interpolated, reported = [], []
    for _ in range(10):
        interpolated.append(player.status().position)
        reported.append(vlc_seconds(player))
        time.sleep(0.05)
    assert interpolated == sorted(interpolated)
    assert len(set(interpolated)) > len(set(reported))  # libVLC moves in 0.25 s+ steps
    assert abs(player.status().position - vlc_seconds(player)) < 1.0


def test_pause_freezes_the_position_and_resume_continues(player, events, media, serve):
    player.play(serve(media["long_wav"]))
    events.wait_for(PositionChanged, lambda e: e.position >= 1.0)
    player.pause()
    paused = events.wait_for(StateChanged, lambda e: e.state is PlayerState.PAUSED)
    time.sleep(0.3)  # a last time report from libVLC may still land (and is exact)
    frozen, libvlc_frozen = player.status().position, vlc_seconds(player)
    assert frozen == pytest.approx(paused.position, abs=0.5)
    time.sleep(0.8)
    assert player.status().position == frozen
    assert vlc_seconds(player) == libvlc_frozen
    mark = events.mark()
    player.toggle_pause()
    events.wait_for(StateChanged, lambda e: e.state is PLAYING, after=mark)
    events.wait_for(PositionChanged, lambda e: e.position > frozen + 0.5, after=mark)
    next_vlc_report(player, after=libvlc_frozen)


def test_seek_lands_where_asked_absolute_and_relative(player, events, media, serve):
    player.play(serve(media["long_wav"]))
    events.wait_for(PositionChanged, lambda e: e.position >= 0.5)
    for seek, expected in ((lambda: player.seek(5.0), lambda before: 5.0),
                           (lambda: player.skip(-3.0), lambda before: before - 3.0)):
        before = player.status().position
        mark = events.mark()
        asked = time.monotonic()
        seek()
        # The engine reports the new position at once, so a saver can store it.
        target = events.wait_for(PositionChanged, after=mark).position
        assert target == pytest.approx(expected(before), abs=1.0)
        # libVLC's own time reports continue from the target. (One report from before
        # the jump may still be on its way, so look at the next three.)
        landed, seen = [], vlc_seconds(player)
        for _ in range(3):
            seconds, at = next_vlc_report(player, after=seen)
            landed.append(target - 0.1 <= seconds <= target + 1.0 + (at - asked))
            seen = seconds
        assert any(landed), f"libVLC never reported a time near {target}"


def test_rate_makes_media_time_run_faster_than_wall_time(player, events, media, serve):
    assert player.set_rate(1.5) == 1.5
    player.play(serve(media["long_wav"]))
    events.wait_for(StateChanged, lambda e: e.state is PLAYING)
    first = next_vlc_report(player, after=0.0)
    last = first
    while last[1] - first[1] < 1.5:
        last = next_vlc_report(player, after=last[0])
    speed = (last[0] - first[0]) / (last[1] - first[1])
    assert speed > 1.25, f"media ran at {speed:.2f}x wall time"
    assert player._driver._media_player.get_rate() == pytest.approx(1.5)


def test_rate_steps_and_limits(player):
    assert player.status().rate == 1.0
    assert player.faster() == 1.1
    assert player.slower() == 1.0
    assert player.slower() == 0.9
    assert player.set_rate(1.23) == 1.2
    assert player.set_rate(10) == 3.0 and player.faster() == 3.0
    assert player.set_rate(0.1) == 0.5 and player.slower() == 0.5


def test_resume_starts_at_the_saved_position_minus_the_rewind(player, events, media, serve):
    url = serve(media["long_wav"])
    asked = time.monotonic()
    player.play(url, start_at=6.0)  # rewind_on_resume_s defaults to 5
    playing = events.wait_for(StateChanged, lambda e: e.state is PLAYING)
    assert playing.position == pytest.approx(1.0, abs=0.05)
    landed, seen = next_vlc_report(player, after=0.0)
    assert 1.0 - 0.1 <= landed <= 1.0 + 1.0 + (seen - asked)

    mark = events.mark()
    player.play(url, start_at=3.0)  # less than the rewind: from the start
    playing = events.wait_for(StateChanged, lambda e: e.state is PLAYING, after=mark)
    assert playing.position == pytest.approx(0.0, abs=0.05)


def test_rewind_on_resume_is_configurable(libvlc, tmp_path, media, serve):
    with make_player(tmp_path, rewind_on_resume_s=0) as player:
        player.play(serve(media["long_wav"]), start_at=4.0)
        wait_until(lambda: player.status().state is PLAYING)
        assert player.status().position >= 4.0


def test_play_replaces_the_current_media_and_reports_where_it_stopped(
        player, events, media, serve):
    first, second = serve(media["long_wav"]), serve(media["wav"])
    player.play(first)
    events.wait_for(PositionChanged, lambda e: e.position >= 1.0)
    player.play(second)
    stopped = events.wait_for(Stopped)
    assert stopped.source == first and stopped.position >= 1.0 and not stopped.finished
    ended = events.wait_for(Ended)
    assert ended.source == second
    assert [e.source for e in events.of(Ended)] == [second]
    opening = [e for e in events.of(StateChanged) if e.state is PlayerState.OPENING]
    assert [e.source for e in opening] == [first, second]


def test_switching_away_while_still_opening_keeps_the_resume_point(
        player, events, loopback, media, serve):
    """Nothing was heard, so Stopped reports the saved position, not the rewound start."""
    slow = loopback.route("/slow.wav", lambda info: (time.sleep(2), Reply(503))[1])
    player.play(slow, start_at=120.0)
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.OPENING)
    player.play(serve(media["wav"]))
    stopped = events.wait_for(Stopped)
    assert stopped.source == slow and stopped.position == 120.0


def test_stop_reports_the_position_and_unloads(player, events, media, serve):
    url = serve(media["long_wav"])
    player.play(url)
    events.wait_for(PositionChanged, lambda e: e.position >= 1.0)
    player.stop()
    stopped = events.wait_for(Stopped)
    idle = events.wait_for(StateChanged, lambda e: e.state is PlayerState.IDLE)
    assert stopped.source == url and stopped.position >= 1.0 and stopped.duration == 8.0
    assert events.events.index(stopped) < events.events.index(idle)
    assert player.status().source is None


def test_resume_after_the_end_plays_again_from_the_start(player, events, media, serve):
    url = serve(media["wav"])
    player.play(url)
    events.wait_for(Ended)
    mark = events.mark()
    player.resume()
    playing = events.wait_for(StateChanged, lambda e: e.state is PLAYING, after=mark)
    assert playing.source == url and playing.position == pytest.approx(0.0, abs=0.05)


def test_a_stalled_stream_shows_buffering(player, events, loopback, tmp_path):
    """The server sends 3 s of a 20 s WAV, then nothing: libVLC's time stops moving.
    (With under about 2.5 s libVLC never starts: that stays 'opening'.)"""
    body = tone_wav(tmp_path / "stall.wav", 20.0).read_bytes()
    headers = {"Content-Type": "audio/wav", "Content-Length": str(len(body))}
    url = loopback.route("/stall.wav", lambda info: Reply(200, body[:44 + 6 * 22050], headers))
    player.play(url)
    events.wait_for(StateChanged, lambda e: e.state is PLAYING)
    buffering = events.wait_for(StateChanged, lambda e: e.state is PlayerState.BUFFERING)
    # libVLC's time stopped where the sound did; the bar stopped at most 0.5 s later.
    stopped_at = vlc_seconds(player)
    assert stopped_at <= buffering.position <= stopped_at + 0.5
    time.sleep(0.3)
    assert player.status().position == buffering.position  # a stalled bar stands still
