"""config.toml: defaults, loading, validation.

One loader for every table. The CLI and the TUI both call :func:`load_config`; the TUI
hands the `[player]` values to the player engine (which never reads files itself).
Unknown keys are reported as warnings, never silently ignored; a malformed file raises
:class:`ConfigError` naming the line.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

# Names are fixed: docs and users' scripts rely on them. A float default accepts any
# number ("timeout_s = 0.5"); an int default only whole ones.
DEFAULTS: dict[str, dict[str, Any]] = {
    "refresh": {"concurrency": 16, "per_host": 2, "timeout_s": 30.0, "max_feed_mb": 50.0,
                "parse_timeout_s": 30.0, "max_episodes": 10_000, "parse_memory_mb": 300.0,
                "on_start": True, "interval_min": 60.0},
    "player": {"vlc_args": [], "rewind_on_resume_s": 5.0, "volume": 100, "rate": 1.0,
               "open_timeout_s": 20.0, "skip_intro_s": 0, "skip_outro_s": 0,
               "remember_speed_per_show": True},
    "playback": {"seek_back_s": 10.0, "seek_forward_s": 30.0, "play_next": True},
    "health": {"archive_after_failures": 5, "archive_after_days": 14.0},
    "directory": {
        "providers": ["apple", "podcastindex", "fyyd"],
        "apple_url": "https://itunes.apple.com",
        "podcastindex_url": "https://api.podcastindex.org",
        "podcastindex_key": "",
        "podcastindex_secret": "",
        "fyyd_url": "https://api.fyyd.de",
    },
    # See library/sync/settings.py; the password is never logged.
    "sync": {
        "server": "",
        "api": "gpodder",
        "username": "",
        "password": "",
        "password_command": "",
        "device": "",
        "interval_min": 30,
    },
    "downloads": {
        "dir": "",                      # empty: "downloads" in the data folder
        "concurrency": 3,
        "per_host": 2,
        "auto_newest": 0,
        "delete_played_after_days": 1.0,
        "max_gb": 0.0,                  # 0: no cap
        "max_episode_mb": 2048,
        "timeout_s": 30.0,              # no data for this long: the download fails
    },
    # Media keys: the TUI is an MPRIS player on the session bus while it runs.
    "mpris": {"enabled": True},
    # Binding id -> key; the TUI knows the ids and reports unknown ones.
    "keys": {},
}

_FREE_FORM_TABLES = {"keys"}
# Numbers that must be above zero: a zero timeout, size cap or concurrency would make
# every fetch fail (or none start). Other numbers must not be negative.
_POSITIVE = {("refresh", "concurrency"), ("refresh", "per_host"), ("refresh", "timeout_s"),
             ("refresh", "max_feed_mb"), ("refresh", "parse_timeout_s"),
             ("refresh", "max_episodes"), ("refresh", "parse_memory_mb"),
             ("player", "open_timeout_s"),
             ("health", "archive_after_failures")}
# Numbers with a range (the player's own limits): out of range is an error, not clamped.
_RANGES = {("player", "volume"): (0, 150), ("player", "rate"): (0.5, 3.0)}


class ConfigError(Exception):
    """The config file cannot be used; the message names the file and line."""


class Config:
    """The merged configuration: defaults overlaid with the user's file."""

    def __init__(self, tables: dict[str, dict[str, Any]], path: Path | None = None,
                 warnings: list[str] | None = None) -> None:
        self.tables = tables
        self.path = path
        self.warnings = [] if warnings is None else warnings

    def __getitem__(self, table: str) -> dict[str, Any]:
        return self.tables[table]


def default_config() -> Config:
    return Config(copy.deepcopy(DEFAULTS))


def load_config(path: Path | None) -> Config:
    """Read ``path`` (missing file: defaults) and validate it against :data:`DEFAULTS`."""
    config = default_config()
    if path is None or not path.exists():
        return config
    config.path = path
    import tomllib  # (here: most start-ups have no config file)

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)".
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    for table, values in data.items():
        if table not in DEFAULTS:
            config.warnings.append(f"{path}: unknown table [{table}] (ignored)")
            continue
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: '{table}' must be a table like [{table}]")
        _merge_table(config, path, table, values)
    return config


def _merge_table(config: Config, path: Path, table: str, values: dict[str, Any]) -> None:
    target = config.tables[table]
    for key, value in values.items():
        if table in _FREE_FORM_TABLES:
            if not isinstance(value, str):
                raise ConfigError(f"{path}: [{table}] {key} must be a string")
            target[key] = value
            continue
        if key not in target:
            config.warnings.append(f"{path}: unknown key '{key}' in [{table}] (ignored)")
            continue
        default = DEFAULTS[table][key]
        if not _same_kind(default, value):
            raise ConfigError(
                f"{path}: [{table}] {key} must be {_kind_name(default)}, got {value!r}"
            )
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            _check_number(path, table, key, value)
        target[key] = float(value) if isinstance(default, float) else value


def _check_number(path: Path, table: str, key: str, value: float) -> None:
    name = f"{path}: [{table}] {key}"
    if (table, key) in _RANGES:
        low, high = _RANGES[table, key]
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {value:g}")
    elif (table, key) in _POSITIVE and value <= 0:
        raise ConfigError(f"{name} must be more than 0, got {value:g}")
    elif value < 0:
        raise ConfigError(f"{name} must not be negative")


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, type(default))


def _kind_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        return "a number"
    if isinstance(default, list):
        return "a list of strings"
    return "a string"
