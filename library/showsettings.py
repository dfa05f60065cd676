"""Per-show settings: speed, volume boost, skipped intro and outro, auto-queue, and how
many of the newest episodes to download automatically after a refresh.

A show's row in ``show_settings`` holds only what the listener changed for it; NULL
means "the global default", which comes from config.toml's ``[player]`` table (for
auto-download: ``[downloads] auto_newest``). So changing a global value later changes
every show that never overrode it.
"""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from library.record import Record
from library.store import transaction

# The player's own range (player.settings): 0.5-3.0 in steps of 0.1, volume 0-150 %.
SPEED_MIN, SPEED_MAX = 0.5, 3.0
VOLUME_MAX = 150
SKIP_MAX_S = 600
AUTO_DOWNLOAD_MAX = 100

# Whole-number settings: (what to call it in an error, lowest, highest, unit).
_LIMITS = {"volume": ("volume", 0, VOLUME_MAX, "%"),
           "skip_intro_s": ("skip intro", 0, SKIP_MAX_S, "s"),
           "skip_outro_s": ("skip outro", 0, SKIP_MAX_S, "s"),
           "auto_download_newest": ("auto-download newest", 0, AUTO_DOWNLOAD_MAX, "episodes")}


class SettingsError(ValueError):
    """A value out of range; the message names the setting and the allowed values."""


class ShowDefaults(Record, frozen=True):
    """The global values that shows without an override use (``[player]``, and
    ``[downloads] auto_newest``)."""

    speed: float = 1.0
    volume: int = 100
    skip_intro_s: int = 0
    skip_outro_s: int = 0
    auto_queue: bool = False
    remember_speed: bool = True
    auto_download_newest: int = 0

    @classmethod
    def from_table(cls, player: dict[str, Any]) -> "ShowDefaults":
        # Clamped like the player clamps them, so "default (1.0×)" is what is heard.
        speed = min(SPEED_MAX, max(SPEED_MIN, round(float(player["rate"]), 1)))
        return cls(speed=speed, volume=min(VOLUME_MAX, max(0, round(player["volume"]))),
                   skip_intro_s=int(player["skip_intro_s"]),
                   skip_outro_s=int(player["skip_outro_s"]),
                   remember_speed=bool(player["remember_speed_per_show"]))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "ShowDefaults":
        """From the whole config: ``[player]`` and ``[downloads] auto_newest``."""
        return cls.from_table(config["player"]).replace(
            auto_download_newest=max(0, int(config["downloads"]["auto_newest"])))


class ShowOverrides(Record, frozen=True):
    """What one show sets for itself; None = use the default."""

    speed: float | None = None
    volume: int | None = None
    skip_intro_s: int | None = None
    skip_outro_s: int | None = None
    auto_queue: bool | None = None
    auto_download_newest: int | None = None   # None: [downloads] auto_newest


_EFFECTIVE = ("speed", "volume", "skip_intro_s", "skip_outro_s", "auto_queue",
              "auto_download_newest")


class ShowSettings(Record, frozen=True):
    """The settings that apply to one show's episodes, and where each comes from."""

    feed_id: int
    speed: float
    volume: int
    skip_intro_s: int
    skip_outro_s: int
    auto_queue: bool
    auto_download_newest: int
    overrides: ShowOverrides
    defaults: ShowDefaults

    @classmethod
    def resolve(cls, feed_id: int, overrides: ShowOverrides,
                defaults: ShowDefaults) -> "ShowSettings":
        values = {}
        for name in _EFFECTIVE:
            value = getattr(overrides, name)
            values[name] = getattr(defaults, name) if value is None else value
        return cls(feed_id=feed_id, overrides=overrides, defaults=defaults, **values)

    def is_default(self, name: str) -> bool:
        return getattr(self.overrides, name) is None

    def start_at(self, position_s: float) -> float:
        """Where to start an episode saved at ``position_s``: past the intro if skipped."""
        return max(position_s, float(self.skip_intro_s))

    def outro_at(self, duration_s: float | None) -> float | None:
        """The position at which the episode counts as finished (its outro is skipped),
        or None to play it to its end."""
        if not self.skip_outro_s or not duration_s or duration_s <= self.skip_outro_s:
            return None
        return float(duration_s - self.skip_outro_s)

    def to_json(self) -> dict[str, Any]:
        return {"feed_id": self.feed_id,
                "effective": {name: getattr(self, name) for name in _EFFECTIVE},
                "overrides": {name: getattr(self.overrides, name) for name in _EFFECTIVE},
                "defaults": {name: getattr(self.defaults, name) for name in _EFFECTIVE}}


def get_overrides(conn: sqlite3.Connection, feed_id: int) -> ShowOverrides:
    row = conn.execute("SELECT * FROM show_settings WHERE feed_id = ?", (feed_id,)).fetchone()
    if row is None:
        return ShowOverrides()
    values = {name: row[name] for name in ShowOverrides._fields}
    if values["auto_queue"] is not None:
        values["auto_queue"] = bool(values["auto_queue"])
    return ShowOverrides(**values)


def own_auto_download_newest(conn: sqlite3.Connection) -> dict[int, int]:
    """The shows that set their own auto-download count: feed id → count."""
    return dict(conn.execute("SELECT feed_id, auto_download_newest FROM show_settings "
                             "WHERE auto_download_newest IS NOT NULL").fetchall())


def show_settings(conn: sqlite3.Connection, feed_id: int,
                  defaults: ShowDefaults) -> ShowSettings:
    """The effective settings of a show."""
    return ShowSettings.resolve(feed_id, get_overrides(conn, feed_id), defaults)


def settings_for_episode(conn: sqlite3.Connection, episode_id: int,
                         defaults: ShowDefaults) -> ShowSettings | None:
    """The effective settings of the show an episode belongs to (None: no such episode)."""
    row = conn.execute("SELECT feed_id FROM episodes WHERE id = ?", (episode_id,)).fetchone()
    return None if row is None else show_settings(conn, row[0], defaults)


def update_show_settings(conn: sqlite3.Connection, feed_id: int, changes: dict[str, Any],
                         defaults: ShowDefaults) -> ShowSettings:
    """Set some of a show's overrides; a value of None goes back to the default.

    Every value is checked first: one out of range raises :class:`SettingsError` and
    nothing is stored.
    """
    checked = {name: check(name, value) for name, value in changes.items()}
    with transaction(conn):
        merged = {**get_overrides(conn, feed_id).as_dict(), **checked}
        columns = list(merged)
        conn.execute(
            f"INSERT INTO show_settings (feed_id, {', '.join(columns)}) "
            f"VALUES (?, {', '.join('?' for _ in columns)}) ON CONFLICT (feed_id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in columns),
            (feed_id, *(merged[c] for c in columns)))
    return show_settings(conn, feed_id, defaults)


def remember_speed(conn: sqlite3.Connection, feed_id: int, speed: float,
                   defaults: ShowDefaults) -> ShowSettings | None:
    """The listener changed the speed while this show played: keep it for the show
    (back to "default" when it equals the default). None when
    ``[player] remember_speed_per_show`` is off and nothing was stored."""
    if not defaults.remember_speed:
        return None
    speed = round(speed, 1)
    return update_show_settings(
        conn, feed_id, {"speed": None if speed == round(defaults.speed, 1) else speed}, defaults)


def check(name: str, value: Any) -> Any:
    """``value`` as stored for setting ``name``; :class:`SettingsError` if out of range."""
    if value is None:
        return None
    if name == "speed":
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not SPEED_MIN <= value <= SPEED_MAX
                or not math.isclose(value * 10, round(value * 10), abs_tol=1e-6)):
            raise SettingsError(f"speed must be {SPEED_MIN}-{SPEED_MAX} in steps of 0.1, "
                                f"not {value!r}")
        return round(float(value), 1)
    if name in _LIMITS:
        label, low, high, unit = _LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SettingsError(f"{label} must be a whole number from {low} to {high} {unit}, "
                                f"not {value!r}")
        return value
    if name == "auto_queue":
        if not isinstance(value, bool):
            raise SettingsError(f"auto-queue must be on or off, not {value!r}")
        return value
    raise SettingsError(f"unknown show setting {name!r}")
