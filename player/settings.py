"""Player settings: a plain dataclass, plus the helper that builds it from config.

The engine never reads files. The TUI passes the ``[player]`` table of config.toml and the
process environment to :func:`settings_from`; ``PODTERM_VLC_ARGS`` replaces ``vlc_args``
for one run.

Rates go from 0.5x to 3.0x in steps of 0.1 (podcast listeners use 1.1x-1.3x, which 0.25
steps cannot reach). Volume is a percentage from 0 to 150, as in VLC itself.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping

RATE_MIN = 0.5
RATE_MAX = 3.0
RATE_STEP = 0.1
VOLUME_MAX = 150
VLC_ARGS_ENV = "PODTERM_VLC_ARGS"


def snap_rate(rate: float) -> float:
    """``rate`` clamped to 0.5-3.0 and rounded to the nearest 0.1 step."""
    steps = round(float(rate) / RATE_STEP)
    return round(min(RATE_MAX, max(RATE_MIN, steps * RATE_STEP)), 2)


def clamp_volume(volume: float) -> int:
    """``volume`` as a whole percentage from 0 to 150."""
    return int(min(VOLUME_MAX, max(0, round(volume))))


@dataclass(frozen=True)
class PlayerSettings:
    """What the engine needs to start; out-of-range numbers are clamped, not rejected.

    vlc_args: extra libVLC options, e.g. ``["--aout=pulse"]`` to pick an audio output or
        ``["--aout=dummy"]`` on machines without sound.
    rewind_on_resume_s: ``play(source, start_at=t)`` starts at ``t`` minus this.
    volume: 0-150 (percent); rate: 0.5-3.0 in steps of 0.1.
    open_timeout_s: media that has not started playing by then is an error ("the server
        did not send any audio in 20 s"); at least 0.1.
    """

    vlc_args: list[str] = field(default_factory=list)
    rewind_on_resume_s: float = 5.0
    volume: int = 100
    rate: float = 1.0
    open_timeout_s: float = 20.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "vlc_args", [str(arg) for arg in self.vlc_args])
        object.__setattr__(self, "rewind_on_resume_s", max(0.0, float(self.rewind_on_resume_s)))
        object.__setattr__(self, "volume", clamp_volume(self.volume))
        object.__setattr__(self, "rate", snap_rate(self.rate))
        object.__setattr__(self, "open_timeout_s", max(0.1, float(self.open_timeout_s)))


def settings_from(table: Mapping[str, Any],
                  environ: Mapping[str, str] = os.environ) -> PlayerSettings:
    """Build settings from config.toml's ``[player]`` table and the environment.

    ``PODTERM_VLC_ARGS``, when set (even to an empty string), replaces ``vlc_args``; it is
    split like a shell command line, so ``--audiofile-file="my file.wav"`` works.
    """
    defaults = PlayerSettings()
    vlc_args = list(table.get("vlc_args", defaults.vlc_args))
    if VLC_ARGS_ENV in environ:
        vlc_args = shlex.split(environ[VLC_ARGS_ENV])
    return PlayerSettings(
        vlc_args=vlc_args,
        rewind_on_resume_s=table.get("rewind_on_resume_s", defaults.rewind_on_resume_s),
        volume=table.get("volume", defaults.volume),
        rate=table.get("rate", defaults.rate),
        open_timeout_s=table.get("open_timeout_s", defaults.open_timeout_s),
    )
