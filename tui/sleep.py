"""The sleep timer: stop playback after some minutes of listening, or when the current
episode ends.

Only time spent playing (or stalled while playing) counts down: a pause holds the
timer, so "30 minutes" means thirty minutes of listening. Over the last :data:`FADE_S`
seconds the volume fades out; when the time is up playback stops (the engine's
``Stopped`` event saves the position and the episode stays cued: space resumes it) and
the volume is set back for next time.
At the end of an episode, :attr:`Playback.stop_after_current` keeps playback from going
on to the next one.

The timer ticks in a worker of the owning screen, reading :attr:`SleepTimer.clock`
(``time.monotonic`` unless a test gives its own), so it stops with the screen.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import TYPE_CHECKING, Callable

from player import Ended, PlayerEvent, PlayerState
from tui import formatting
from tui.playback import Playback
from tui.services import Host

if TYPE_CHECKING:  # the dialog's module loads when the dialog first opens
    from tui.screens.sleep import SleepChoice

FADE_S = 10.0
TICK_S = 0.25
COUNTING = (PlayerState.PLAYING, PlayerState.BUFFERING)  # stalled counts; paused does not


class SleepTimer:
    def __init__(self, host: Host, playback: Playback,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.host, self.playback, self.clock = host, playback, clock
        self.choice: SleepChoice | None = None   # None: no timer
        self._left_s = 0.0                       # playing time left (minutes timers)
        self._last_tick = 0.0
        self._volume_before_fade: int | None = None

    @property
    def active(self) -> bool:
        return self.choice is not None

    def toggle(self) -> None:
        """The key: ask for a timer, or cancel the running one."""
        if self.active:
            self.cancel()
            self.host.notify("Sleep timer cancelled.", title="Sleep timer")
        else:
            self.host.run_worker(self._ask(), group="sleep-dialog", exclusive=True,
                                 exit_on_error=False)

    async def _ask(self) -> None:
        from tui.screens.sleep import SleepDialog

        choice = await self.host.push_screen_wait(SleepDialog())
        if choice is not None:
            self.start(choice)

    def start(self, choice: SleepChoice) -> None:
        self.cancel()
        self.choice = choice
        self._last_tick = self.clock()
        if choice.minutes is None:
            self.playback.stop_after_current = True
            text = "Playback stops at the end of this episode."
        else:
            self._left_s = choice.minutes * 60
            text = f"Playback stops after {formatting.clock(self._left_s)} of listening."
        self.host.notify(text, title="Sleep timer", markup=False)
        self.host.run_worker(self._run(), group="sleep", exclusive=True, exit_on_error=False)

    def cancel(self) -> None:
        self.choice = None
        self.playback.stop_after_current = False
        self._restore_volume()

    def left(self) -> float | None:
        """Seconds of playing until playback stops (None: no timer, or the end of an
        episode whose length is not known yet)."""
        if self.choice is None:
            return None
        if self.choice.minutes is not None:
            return self._left_s
        view = self.playback.view()
        if view is None or not view.duration:
            return None
        return max(0.0, (view.duration - view.position) / (view.rate or 1.0))

    def label(self) -> str | None:
        """What the now-playing bar shows: "sleep 29:41", "sleep at end", or None."""
        if self.choice is None:
            return None
        left = self.left()
        return "sleep at end" if left is None else f"sleep {formatting.clock(math.ceil(left))}"

    async def _run(self) -> None:
        while self.active:
            self.tick()
            await asyncio.sleep(TICK_S)

    def tick(self) -> None:
        """Count down the time spent playing since the last tick; fade; stop at zero."""
        now = self.clock()
        elapsed, self._last_tick = max(0.0, now - self._last_tick), now
        view = self.playback.view() if self.playback.loaded else None
        playing = view is not None and view.state in COUNTING
        if self.choice is None or view is None:
            return
        if self.choice.minutes is not None and playing:
            self._left_s = max(0.0, self._left_s - elapsed)
            if self._left_s <= 0:
                self._finish(stop=True)
                return
        left = self.left()
        if left is None or left > FADE_S:
            self._restore_volume()  # e.g. seeked back out of the last seconds
        elif playing:
            if self._volume_before_fade is None:
                self._volume_before_fade = view.volume
            volume = round(self._volume_before_fade * left / FADE_S)
            if volume != view.volume:
                self.playback.set_volume(volume)

    def handle(self, event: PlayerEvent) -> None:
        """An engine event (after playback handled it): the episode ended."""
        if isinstance(event, Ended) and self.choice is not None \
                and self.choice.minutes is None:
            self._finish(stop=False)

    def _finish(self, stop: bool) -> None:
        if stop and self.playback.loaded:
            self.playback.stop()
        self.cancel()
        self.host.notify("Good night: playback stopped and the position is saved.",
                         title="Sleep timer")

    def _restore_volume(self) -> None:
        volume, self._volume_before_fade = self._volume_before_fade, None
        if volume is not None and self.playback.engine is not None:
            self.playback.set_volume(volume)
