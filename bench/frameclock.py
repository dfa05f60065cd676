"""For bench_tui.py --frames: the CPU time of each Textual frame of a screen (its layout,
if any, and drawing what changed) and the widgets it drew, to find the longest ones."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from textual.screen import Screen


@dataclass
class Frame:
    cpu_ms: float
    layout: bool
    widgets: list[str]


@dataclass
class FrameClock:
    frames: list[Frame] = field(default_factory=list)

    @contextmanager
    def timing(self, screen: Screen) -> Iterator["FrameClock"]:
        """Time every frame of ``screen`` while inside (its update timer calls
        ``_on_timer_update``, bound when the timer was made)."""
        timer = screen._update_timer
        original = timer._callback

        def timed() -> None:
            layout = screen._layout_required or screen._scroll_required
            widgets = sorted(_name(w) for w in screen._dirty_widgets)
            asked = {_name(w) for ws in screen._layout_widgets.values() for w in ws}
            widgets += [f"(layout for {name})" for name in sorted(asked)]
            started = time.thread_time()
            original()
            spent = (time.thread_time() - started) * 1000
            if layout or widgets:
                self.frames.append(Frame(spent, bool(layout), widgets))

        timer._callback = timed
        try:
            yield self
        finally:
            timer._callback = original

    def report(self, top: int = 8) -> str:
        frames = sorted(self.frames, key=lambda f: -f.cpu_ms)
        total = sum(f.cpu_ms for f in self.frames)
        lines = [f"  {len(self.frames)} frames, {total:.0f} ms of CPU, "
                 f"{sum(f.layout for f in self.frames)} with a layout; the longest:"]
        for frame in frames[:top]:
            what = "layout + " if frame.layout else ""
            lines.append(f"    {frame.cpu_ms:5.1f} ms {what}{len(frame.widgets)} widgets: "
                         + " ".join(frame.widgets[:12]))
        return "\n".join(lines)


def _name(widget: object) -> str:
    wid = getattr(widget, "id", None)
    if wid:
        return f"#{wid}"
    parent = getattr(widget, "parent", None)
    if type(widget).__name__ == "ScrollBar" and parent is not None:
        return f"{_name(parent)}'s scrollbar"
    return type(widget).__name__
