"""Settings from config and environment, and the finished rule (plain Python)."""

from __future__ import annotations

import pytest

from player import PlayerSettings, is_finished, settings_from
from player.settings import snap_rate


def test_settings_come_from_the_player_table():
    table = {"vlc_args": ["--aout=pulse"], "rewind_on_resume_s": 10, "volume": 80,
             "rate": 1.3}
    assert settings_from(table, environ={}) == PlayerSettings(["--aout=pulse"], 10.0, 80, 1.3)


def test_missing_keys_take_the_defaults():
    assert settings_from({}, environ={}) == PlayerSettings([], 5.0, 100, 1.0)


def test_podterm_vlc_args_replaces_vlc_args_for_one_run():
    table = {"vlc_args": ["--aout=pulse"]}
    env = {"PODTERM_VLC_ARGS": '--aout=afile --audiofile-file="/tmp/my file.wav"'}
    assert settings_from(table, environ=env).vlc_args == [
        "--aout=afile", "--audiofile-file=/tmp/my file.wav"]
    assert settings_from(table, environ={"PODTERM_VLC_ARGS": ""}).vlc_args == []


def test_out_of_range_values_are_clamped():
    settings = PlayerSettings(["--quiet"], rewind_on_resume_s=-3, volume=400, rate=9)
    assert (settings.rewind_on_resume_s, settings.volume, settings.rate) == (0.0, 150, 3.0)
    assert PlayerSettings(volume=-5, rate=0.2).volume == 0
    assert PlayerSettings(rate=0.2).rate == 0.5


@pytest.mark.parametrize("asked, snapped", [
    (1.0, 1.0), (1.04, 1.0), (1.06, 1.1), (1.25, 1.2), (2.96, 3.0), (0.51, 0.5),
])
def test_rates_snap_to_tenths(asked, snapped):
    assert snap_rate(asked) == snapped


@pytest.mark.parametrize("position, duration, finished", [
    (3590.0, 3600.0, True),     # the last 10 s of an hour
    (3589.0, 3600.0, False),
    (55.0, 60.0, True),         # short media: the last tenth
    (53.0, 60.0, False),
    (10.0, None, False),        # unknown length: never
    (0.0, 0.0, False),
])
def test_finished_means_within_the_last_few_seconds(position, duration, finished):
    assert is_finished(position, duration) is finished
