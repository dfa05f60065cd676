"""How the playing episode's show is played: its speed, volume, intro and outro.

A show's own speed or volume (:mod:`library.showsettings`) applies while its episodes
play; a show without one follows the session's, which starts at config.toml's
``[player]`` values and follows the keys. A speed changed while a show plays is kept
for that show unless ``[player] remember_speed_per_show = false`` (then it is the
session's, as before per-show settings existed). A skipped intro is where an episode
starts unless it was saved later; a skipped outro is where it counts as ended.
"""

from __future__ import annotations

from library.models import Episode
from library.showsettings import ShowDefaults, ShowSettings, remember_speed
from player import PlayerSettings
from tui.services import Host


class Tuning:
    def __init__(self, host: Host, player: PlayerSettings, defaults: ShowDefaults) -> None:
        self.host = host
        self.rewind_s = player.rewind_on_resume_s
        self.defaults = defaults
        self.settings: ShowSettings | None = None   # of the show playing now
        self.session_rate, self.session_volume = player.rate, player.volume

    @property
    def rate(self) -> float:
        settings = self.settings
        return self.session_rate if settings is None or settings.is_default("speed") \
            else settings.speed

    @property
    def volume(self) -> int:
        settings = self.settings
        return self.session_volume if settings is None or settings.is_default("volume") \
            else settings.volume

    def start_at(self, episode: Episode) -> float:
        """Where the engine's ``play(start_at=...)`` should start ``episode``."""
        saved = 0.0 if episode.played else episode.position_s
        if self.settings is None:
            return saved
        start = self.settings.start_at(saved)
        # The engine starts a saved position rewind_on_resume_s early ("where was I?");
        # an intro's end is not a saved position, so nothing of the intro is replayed.
        return start + self.rewind_s if start > saved else start

    def outro_reached(self, episode: Episode, position: float,
                      duration: float | None) -> bool:
        """The show skips its outros and ``episode`` (playing now) reached its own."""
        if self.settings is None or self.settings.feed_id != episode.feed_id:
            return False
        end = self.settings.outro_at(duration or episode.duration_s)
        return end is not None and position >= end

    def volume_changed(self, volume: int) -> None:
        if self.settings is None or self.settings.is_default("volume"):
            self.session_volume = volume

    def rate_changed(self, rate: float, can_save: bool) -> None:
        """The keys changed the speed to ``rate`` while the show plays."""
        settings = self.settings
        if settings is not None and self.defaults.remember_speed and can_save:
            self.host.run_worker(self._remember(settings.feed_id, rate), group="speed",
                                 exit_on_error=False)
        elif settings is None or settings.is_default("speed"):
            self.session_rate = rate

    async def _remember(self, feed_id: int, rate: float) -> None:
        stored = await self.host.services.librarian.run(remember_speed, feed_id, rate,
                                                        self.defaults)
        if stored is not None:
            self.saved(stored)

    def saved(self, settings: ShowSettings) -> bool:
        """A show's settings were stored; True when they are the playing show's (its
        speed and volume should apply now)."""
        if self.settings is None or self.settings.feed_id != settings.feed_id:
            return False
        self.settings = settings
        return True
