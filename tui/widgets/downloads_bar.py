"""The downloads status line: the batch's progress while downloads run, hidden otherwise.

"↓ Downloads 3 of 20 done · 61.2 of 400.0 MB · 12.3 MB/s · 0:27 left │ Episode 37% · …"

It asks its ``view`` function (the downloads feature's) twice a second, on a timer of its
own that stops with it: speed and time left change without any event, and drawing on
each of the downloader's progress reports would cost the UI loop for nothing.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.widgets import Static

from library.text import clean_line
from tui import formatting
from tui.download_batch import DownloadsView, human_size

EVERY_S = 0.5


class DownloadsBar(Static):
    DEFAULT_CSS = """
    DownloadsBar {
        display: none;
        width: 100%;
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, view: Callable[[], DownloadsView | None]) -> None:
        super().__init__(id="downloads-status")
        self._view_source = view

    def on_mount(self) -> None:
        self.set_interval(EVERY_S, self.update_view)

    def update_view(self) -> None:
        view = self._view_source()
        if view is None:
            if self.display:
                self.display = False
            return
        # One fixed-height line: no layout pass for each update.
        self.update(describe(view), layout=False)
        if not self.display:
            self.display = True


def describe(view: DownloadsView) -> Text:
    text = Text(f"↓ Downloads {view.done} of {view.count} done", style="bold")
    if view.failed:
        text.append(f", {view.failed} failed", style="red")
    facts = [human_size(view.bytes_done) + (f" of {human_size(view.bytes_total)}"
                                            if view.bytes_total else "")]
    if view.speed is not None:
        facts.append(f"{human_size(view.speed)}/s")
    if view.left_s is not None:
        facts.append(f"{formatting.clock(view.left_s)} left")
    text.append(" · " + " · ".join(facts))
    if view.running:
        text.append(" │ ", style="dim")
        for number, (title, fraction) in enumerate(view.running):
            if number:
                text.append(" · ", style="dim")
            text.append(clean_line(title))
            text.append(f" {fraction:.0%}" if fraction is not None else " …", style="blue")
    text.no_wrap, text.overflow = True, "ellipsis"
    return text
