"""The now-playing bar: show and episode title, state, elapsed / total, a smooth progress
bar, rate and volume, and the sleep timer's time left.

It asks its ``view`` function (playback's) for a :class:`~tui.playback.NowPlayingView`
several times a second, on a timer of its own that stops with it, and redraws when the
view changed (the engine interpolates the position between libVLC's coarse reports).
"""

from __future__ import annotations

from typing import Callable

from rich.console import RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from player import PlayerState
from tui import formatting
from tui.playback import NowPlayingView

EVERY_S = 0.25

STATE_LABELS = {
    PlayerState.IDLE: ("■", "Stopped", "dim"),
    PlayerState.OPENING: ("…", "Opening", "yellow"),
    PlayerState.BUFFERING: ("…", "Buffering", "yellow"),
    PlayerState.PLAYING: ("▶", "Playing", "bold green"),
    PlayerState.PAUSED: ("⏸", "Paused", "bold yellow"),
    PlayerState.ENDED: ("■", "Finished", "dim"),
    PlayerState.ERROR: ("✗", "Error", "bold red"),
}


class NowPlayingBar(Widget):
    """Two lines at the bottom of the main screen."""

    DEFAULT_CSS = "NowPlayingBar { height: 2; }"

    def __init__(self, view: Callable[[], NowPlayingView | None],
                 sleep: Callable[[], str | None] = lambda: None) -> None:
        super().__init__(id="now-playing")
        self._view_source, self._sleep_source = view, sleep
        self.view: NowPlayingView | None = None
        self.sleep: str | None = None  # the sleep timer's "sleep 29:41"

    def on_mount(self) -> None:
        self.set_interval(EVERY_S, self.update_view)

    def update_view(self) -> None:
        view, sleep = self._view_source(), self._sleep_source()
        if (view, sleep) != (self.view, self.sleep):
            self.view, self.sleep = view, sleep
            self.refresh()

    def render(self) -> RenderableType:
        view = self.view
        if view is None:
            text = "Nothing playing. Select an episode and press enter."
            return Text(f"{text}  ({self.sleep})" if self.sleep else text, style="dim")
        icon, label, style = STATE_LABELS[view.state]
        head = Text.assemble((f"{icon} {label:<9} ", style),
                             formatting.line(view.show_title, "bold"), " — ",
                             formatting.line(view.episode_title))
        head.no_wrap, head.overflow = True, "ellipsis"
        times = f"{formatting.clock(view.position)} / {formatting.clock(view.duration)}"
        extras = f"{view.rate:.1f}×  vol {view.volume}%"
        if self.sleep:
            extras = f"{self.sleep}  {extras}"
        total = view.duration or 0
        bar = ProgressBar(total=total or 1, completed=min(view.position, total),
                          style="bar.back", complete_style="green", finished_style="green")
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(no_wrap=True)
        grid.add_row(Text(times), bar, Text(extras, style="dim"))
        if view.state is PlayerState.ERROR and view.error:
            grid = Text(view.error, style="red", no_wrap=True, overflow="ellipsis")
        outer = Table.grid(expand=True)
        outer.add_row(head)
        outer.add_row(grid)
        return outer
