"""A media clock that moves smoothly between libVLC's coarse time reports.

libVLC reports the media time in steps of 0.25 s (MP3, WAV) to 1.7 s (Ogg pages), so a
progress bar fed straight from it jumps. Between reports this clock extrapolates with
the wall clock times the playback rate. While running it never goes backwards (a late
or early report would make the bar flicker), except when told to seek. It runs at most
one and a half of libVLC's recent steps ahead of the last report (at least
:data:`MIN_AHEAD_S`, at most :data:`MAX_AHEAD_S`), so a stalled stream stops near where
the sound stopped. It also notes when libVLC's time last moved: that is how the engine
tells a stall.

Not thread-safe: the engine guards it with its lock. Times are ``time.monotonic()``.
"""

from __future__ import annotations

MIN_AHEAD_S = 0.5
MAX_AHEAD_S = 2.0


class PlaybackClock:
    def __init__(self) -> None:
        self._anchor = 0.0        # media seconds at the last report (or seek, or freeze)
        self._anchor_wall = 0.0   # wall time of that report
        self._floor = 0.0         # highest position shown since the last seek
        self._rate = 1.0
        self._running = False
        self._reported = 0.0      # libVLC's last report
        self._max_ahead = MAX_AHEAD_S
        self._moved_wall = 0.0    # wall time it last changed (or playback started, or a seek)

    @property
    def running(self) -> bool:
        return self._running

    def position(self, now: float) -> float:
        if not self._running:
            return self._anchor
        ahead = min(max(0.0, now - self._anchor_wall) * self._rate, self._max_ahead)
        self._floor = max(self._floor, self._anchor + ahead)
        return self._floor

    def observe(self, media_s: float, now: float) -> bool:
        """libVLC reported ``media_s`` at wall time ``now``; returns whether it moved."""
        moved = media_s != self._reported
        if moved:
            step = media_s - self._reported
            if step > 0:  # not a seek backwards
                self._max_ahead = min(MAX_AHEAD_S, max(MIN_AHEAD_S, 1.5 * step))
            self._reported, self._moved_wall = media_s, now
        self._anchor, self._anchor_wall = media_s, now
        if not self._running:
            self._floor = media_s
        return moved

    def since_moved(self, now: float) -> float:
        """Seconds since libVLC's time last moved (or playback started, or a seek)."""
        return now - self._moved_wall

    def seek(self, media_s: float, now: float) -> None:
        """Jump to ``media_s``, backwards too."""
        self._anchor, self._anchor_wall, self._floor = media_s, now, media_s
        self._moved_wall = now

    def reset(self, media_s: float) -> None:
        """Stand still at ``media_s`` (a new media, the end, a stop)."""
        self._anchor = self._floor = media_s
        self._running = False

    def start(self, now: float) -> None:
        if not self._running:
            self._anchor_wall, self._moved_wall, self._running = now, now, True

    def freeze(self, now: float) -> None:
        """Stop moving, at the position shown now."""
        if self._running:
            self._anchor = self.position(now)
            self._floor, self._running = self._anchor, False

    def set_rate(self, rate: float, now: float) -> None:
        self._anchor, self._anchor_wall = self.position(now), now
        self._rate = rate
