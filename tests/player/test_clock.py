"""The interpolating clock, with wall times given explicitly (plain Python)."""

from __future__ import annotations

import pytest

from player.clock import MAX_AHEAD_S, MIN_AHEAD_S, PlaybackClock


def running_clock(at: float = 0.0, rate: float = 1.0) -> PlaybackClock:
    clock = PlaybackClock()
    clock.set_rate(rate, 0.0)
    clock.reset(at)
    clock.start(100.0)
    return clock


def test_moves_with_wall_time_between_reports():
    clock = running_clock()
    assert [clock.position(100.0 + dt) for dt in (0.0, 0.1, 0.2)] == pytest.approx([0, 0.1, 0.2])
    clock.observe(0.3, 100.3)
    assert clock.position(100.4) == pytest.approx(0.4)


def test_runs_at_the_playback_rate():
    clock = running_clock(rate=1.5)
    assert clock.position(101.0) == pytest.approx(1.5)
    clock.set_rate(1.0, 101.0)
    assert clock.position(102.0) == pytest.approx(2.5)


def test_never_goes_backwards_while_running_but_does_after_a_seek():
    clock = running_clock()
    assert clock.position(100.5) == pytest.approx(0.5)
    clock.observe(0.3, 100.5)  # a report that lags behind what was shown
    assert clock.position(100.5) == pytest.approx(0.5)
    assert clock.position(100.9) == pytest.approx(0.7)  # catches up from the report
    clock.seek(0.1, 101.0)
    assert clock.position(101.0) == pytest.approx(0.1)


def test_does_not_run_away_when_reports_stop():
    clock = running_clock(at=10.0)
    assert clock.position(160.0) == pytest.approx(10.0 + MAX_AHEAD_S)


@pytest.mark.parametrize("step, ahead", [(1.0, 1.5), (0.25, MIN_AHEAD_S), (3.0, MAX_AHEAD_S)])
def test_runs_ahead_at_most_one_and_a_half_of_libvlc_steps(step, ahead):
    """Ogg pages report about every second, MP3 and WAV every 0.25 s: a stall shows up
    soon after the sound stops."""
    clock = running_clock()
    clock.observe(step, 100.0 + step)
    assert clock.position(200.0) == pytest.approx(step + ahead)


def test_freeze_holds_the_shown_position_and_start_continues_from_it():
    clock = running_clock()
    clock.freeze(101.0)
    assert clock.position(105.0) == pytest.approx(1.0)
    clock.observe(0.95, 105.0)  # libVLC's exact paused time wins while stopped
    assert clock.position(106.0) == pytest.approx(0.95)
    clock.start(110.0)
    assert clock.position(110.5) == pytest.approx(1.45)
