"""Per-show playback settings over the global [player] defaults, in a real library."""

from __future__ import annotations

import pytest

from library.config import default_config
from library.episodes import upsert_episodes
from library.feeds import add_feed, remove_feed
from library.showsettings import (SettingsError, ShowDefaults, get_overrides, remember_speed,
                                  settings_for_episode, show_settings, update_show_settings)
from library.store import connect, transaction
from tests.library.test_upnext import item


def player_defaults(**changes) -> ShowDefaults:
    table = {**default_config()["player"], **changes}
    return ShowDefaults.from_table(table)


def test_a_show_without_overrides_follows_the_global_values(db):
    _, conn = db
    feed_id, _ = add_feed(conn, "https://example.org/a.xml")
    defaults = player_defaults(rate=1.3, volume=90, skip_intro_s=15)
    settings = show_settings(conn, feed_id, defaults)
    assert (settings.speed, settings.volume, settings.skip_intro_s, settings.skip_outro_s,
            settings.auto_queue) == (1.3, 90, 15, 0, False)
    assert all(settings.is_default(name) for name in ("speed", "volume", "auto_queue"))
    # The player snaps and clamps what config.toml says; so do the defaults shown.
    assert player_defaults(rate=1.26, volume=400).speed == 1.3
    assert player_defaults(rate=9.0, volume=400).volume == 150
    assert player_defaults(rate=9.0).speed == 3.0


def test_overrides_are_kept_and_can_go_back_to_the_default(db):
    path, conn = db
    feed_id, _ = add_feed(conn, "https://example.org/a.xml")
    defaults = player_defaults()
    update_show_settings(conn, feed_id, {"speed": 1.5, "volume": 140, "skip_intro_s": 30,
                                         "skip_outro_s": 20, "auto_queue": True}, defaults)
    update_show_settings(conn, feed_id, {"volume": None}, defaults)
    conn.close()
    conn = connect(path)
    settings = show_settings(conn, feed_id, player_defaults(volume=80))
    assert (settings.speed, settings.volume, settings.skip_intro_s, settings.skip_outro_s,
            settings.auto_queue) == (1.5, 80, 30, 20, True)
    assert settings.is_default("volume") and not settings.is_default("speed")
    assert settings.to_json()["overrides"] == {"speed": 1.5, "volume": None,
                                               "skip_intro_s": 30, "skip_outro_s": 20,
                                               "auto_queue": True, "auto_download_newest": None}
    conn.close()


@pytest.mark.parametrize("changes, message", [
    ({"speed": 3.5}, "speed must be 0.5-3.0 in steps of 0.1, not 3.5"),
    ({"speed": 1.25}, "speed must be 0.5-3.0 in steps of 0.1, not 1.25"),
    ({"volume": 151}, "volume must be a whole number from 0 to 150 %, not 151"),
    ({"volume": -1}, "volume must be a whole number from 0 to 150 %"),
    ({"skip_intro_s": 601}, "skip intro must be a whole number from 0 to 600 s"),
    ({"skip_outro_s": -5}, "skip outro must be a whole number from 0 to 600 s"),
    ({"auto_download_newest": 101}, "auto-download newest must be a whole number from 0"),
])
def test_out_of_range_values_are_refused_and_nothing_is_stored(db, changes, message):
    _, conn = db
    feed_id, _ = add_feed(conn, "https://example.org/a.xml")
    with pytest.raises(SettingsError, match=message.replace(".", r"\.")):
        update_show_settings(conn, feed_id, {"skip_intro_s": 10, **changes}, player_defaults())
    assert get_overrides(conn, feed_id).skip_intro_s is None


def test_auto_download_newest_is_a_per_show_override_for_the_downloads(db):
    _, conn = db
    feed_id, _ = add_feed(conn, "https://example.org/a.xml")
    assert get_overrides(conn, feed_id).auto_download_newest is None
    update_show_settings(conn, feed_id, {"auto_download_newest": 3}, player_defaults())
    assert get_overrides(conn, feed_id).auto_download_newest == 3


def test_a_changed_speed_is_remembered_for_the_show_unless_turned_off(db):
    _, conn = db
    feed_id, _ = add_feed(conn, "https://example.org/a.xml")
    defaults = player_defaults()
    assert remember_speed(conn, feed_id, 1.7000000001, defaults).speed == 1.7
    assert get_overrides(conn, feed_id).speed == 1.7
    # Back at the global speed: the show follows the global value again.
    assert remember_speed(conn, feed_id, 1.0, defaults).is_default("speed")
    off = player_defaults(remember_speed_per_show=False)
    assert remember_speed(conn, feed_id, 2.0, off) is None
    assert get_overrides(conn, feed_id).speed is None


def test_an_episode_gets_its_shows_settings_and_they_go_with_the_show(db):
    _, conn = db
    feed_id, _ = add_feed(conn, "https://example.org/a.xml")
    with transaction(conn):
        upsert_episodes(conn, feed_id, [item(1)])
    episode_id = conn.execute("SELECT id FROM episodes").fetchone()[0]
    update_show_settings(conn, feed_id, {"speed": 1.2, "skip_intro_s": 30,
                                         "skip_outro_s": 60}, player_defaults())
    settings = settings_for_episode(conn, episode_id, player_defaults())
    assert settings.feed_id == feed_id and settings.speed == 1.2
    assert settings.start_at(0) == 30 and settings.start_at(95.5) == 95.5
    assert settings.outro_at(1800) == 1740 and settings.outro_at(None) is None
    assert settings.outro_at(45) is None            # shorter than the outro: play it all
    assert settings_for_episode(conn, 999, player_defaults()) is None
    remove_feed(conn, feed_id)
    assert conn.execute("SELECT COUNT(*) FROM show_settings").fetchone()[0] == 0
