"""config.toml loading: defaults, overrides, unknown keys, clear errors."""

from __future__ import annotations

import pytest

from library.config import ConfigError, load_config
from library.parsepool import ParseBudget
from library.paths import resolve_paths
from library.refreshsettings import RefreshSettings


def test_missing_file_gives_the_documented_defaults(tmp_path):
    config = load_config(tmp_path / "absent.toml")
    assert config["refresh"] == {"concurrency": 16, "per_host": 2, "timeout_s": 30,
                                 "max_feed_mb": 50, "parse_timeout_s": 30.0,
                                 "max_episodes": 10_000, "parse_memory_mb": 300,
                                 "on_start": True, "interval_min": 60}
    assert config["player"]["rewind_on_resume_s"] == 5 and config.warnings == []


def test_values_override_defaults_and_unknown_keys_warn(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[refresh]\nper_host = 4\ncolour = "red"\n[keys]\nplay_pause = "p"\n'
                    "[player]\nrate = 1\n")
    config = load_config(path)
    assert config["refresh"]["per_host"] == 4 and config["refresh"]["concurrency"] == 16
    assert config["keys"] == {"play_pause": "p"} and config["player"]["rate"] == 1.0
    assert config.warnings == [f"{path}: unknown key 'colour' in [refresh] (ignored)"]


def test_the_parse_budget_comes_from_the_refresh_table(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[refresh]\nparse_timeout_s = 2.5\nmax_episodes = 500\n"
                    "parse_memory_mb = 200\n")
    settings = RefreshSettings.from_table(load_config(path)["refresh"])
    assert settings.parse_budget() == ParseBudget(timeout_s=2.5, max_episodes=500, memory_mb=200)


@pytest.mark.parametrize("text, message", [
    ("[refresh\nconcurrency = 1\n", "line 1"),
    ("[refresh]\nconcurrency = 1\nconcurrency = 2\n", "line 3"),
    ("[refresh]\nconcurrency = true\n", "concurrency must be a number"),
    ("[playback]\nseek_back_s = -1\n", "must not be negative"),
    ("[player]\nvlc_args = \"--aout=dummy\"\n", "vlc_args must be a list of strings"),
    ("refresh = 3\n", "must be a table"),
    ("[mpris]\nenabled = \"no\"\n", "enabled must be true or false"),
])
def test_bad_files_raise_a_clear_error(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_overrides_come_from_arguments_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PODTERM_DATA_DIR", str(tmp_path / "env-data"))
    monkeypatch.setenv("PODTERM_CONFIG", str(tmp_path / "env.toml"))
    from_env = resolve_paths()
    assert from_env.database == tmp_path / "env-data" / "library.sqlite3"
    assert from_env.config_file == tmp_path / "env.toml"
    assert from_env.log_dir == tmp_path / "env-data" / "logs"
    from_args = resolve_paths(str(tmp_path / "arg"), str(tmp_path / "arg.toml"))
    assert from_args.data_dir == tmp_path / "arg" and from_args.config_file.name == "arg.toml"
