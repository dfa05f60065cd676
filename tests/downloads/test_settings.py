"""The [downloads] table: defaults, where the folder is, and values that cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from library.config import ConfigError, load_config
from library.downloads import DownloadSettings
from library.paths import resolve_paths


def test_defaults_put_downloads_in_the_data_folder(tmp_path):
    paths = resolve_paths(str(tmp_path / "data"), str(tmp_path / "none.toml"))
    settings = DownloadSettings.from_config(load_config(paths.config_file)["downloads"], paths)
    assert settings == DownloadSettings(dir=tmp_path / "data" / "downloads", concurrency=3,
                                        per_host=2, auto_newest=0,
                                        delete_played_after_days=1.0, max_gb=0.0,
                                        max_episode_mb=2048, timeout_s=30.0)
    assert settings.cap_bytes == 0 and settings.max_episode_bytes == 2048 * 1024 * 1024


@pytest.mark.parametrize("value, expected", [
    ('"~/Podcasts"', Path("~/Podcasts").expanduser()),
    ('"/srv/podcasts"', Path("/srv/podcasts")),
    ('"offline"', None),   # relative: inside the data folder
])
def test_the_folder_can_be_chosen(tmp_path, value, expected):
    config = tmp_path / "config.toml"
    config.write_text(f"[downloads]\ndir = {value}\nmax_gb = 1.5\n")
    paths = resolve_paths(str(tmp_path / "data"), str(config))
    settings = DownloadSettings.from_config(load_config(config)["downloads"], paths)
    assert settings.dir == (expected or tmp_path / "data" / "offline")
    assert settings.cap_bytes == int(1.5 * 1024 ** 3)


@pytest.mark.parametrize("line, message", [
    ("concurrency = 0", "[downloads] concurrency must be greater than 0"),
    ("timeout_s = 0", "[downloads] timeout_s must be greater than 0"),
    ("max_episode_mb = 0", "[downloads] max_episode_mb must be greater than 0"),
    ("per_host = -1", "must not be negative"),
    ('max_gb = "lots"', "must be a number"),
])
def test_values_that_cannot_work_are_refused(tmp_path, line, message):
    config = tmp_path / "config.toml"
    config.write_text(f"[downloads]\n{line}\n")
    paths = resolve_paths(str(tmp_path), str(config))
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        DownloadSettings.from_config(load_config(config)["downloads"], paths)
