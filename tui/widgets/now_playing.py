"""The now-playing bar: show and episode title, state, elapsed / total, a smooth progress
bar, rate and volume.

The app hands it a :class:`player.events.PlayerStatus` snapshot several times a second
while something plays (the engine interpolates the position between libVLC's coarse time
updates); the bar itself keeps no clock.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from player import PlayerState, PlayerStatus
from tui import formatting

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

    def __init__(self) -> None:
        super().__init__(id="now-playing")
        self.status: PlayerStatus | None = None
        self.show_title = ""
        self.episode_title = ""

    def show(self, status: PlayerStatus | None, show_title: str = "",
             episode_title: str = "") -> None:
        self.status, self.show_title, self.episode_title = status, show_title, episode_title
        self.refresh()

    def render(self) -> RenderableType:
        status = self.status
        if status is None or (status.state is PlayerState.IDLE and not self.episode_title):
            return Text("Nothing playing. Select an episode and press enter.", style="dim")
        icon, label, style = STATE_LABELS[status.state]
        head = Text.assemble((f"{icon} {label:<9} ", style),
                             formatting.line(self.show_title, "bold"), " — ",
                             formatting.line(self.episode_title))
        head.no_wrap, head.overflow = True, "ellipsis"
        times = f"{formatting.clock(status.position)} / {formatting.clock(status.duration)}"
        extras = f"{status.rate:.1f}×  vol {status.volume}%"
        total = status.duration or 0
        bar = ProgressBar(total=total or 1, completed=min(status.position, total),
                          style="bar.back", complete_style="green", finished_style="green")
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(no_wrap=True)
        grid.add_row(Text(times), bar, Text(extras, style="dim"))
        if status.state is PlayerState.ERROR and status.error:
            grid = Text(status.error, style="red", no_wrap=True, overflow="ellipsis")
        outer = Table.grid(expand=True)
        outer.add_row(head)
        outer.add_row(grid)
        return outer
