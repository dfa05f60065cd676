"""Feed text and numbers as the TUI shows them.

Feed text reaches widgets only as :class:`rich.text.Text` built here, never as a
markup string: a title like ``[bold red]x[/]`` or ``[@click=app.quit]`` must show as
written. Text is also cleaned again (escapes and control characters removed), so a row
that bypassed the library's cleaning still cannot move the cursor or retitle the terminal.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from library.durations import format_duration
from library.text import clean_line


def line(text: str | None, style: str = "") -> Text:
    """One line of feed text, literal, cut with an ellipsis where it does not fit."""
    return Text(clean_line(text or ""), style=style, no_wrap=True, overflow="ellipsis")


def date(timestamp: float | None) -> str:
    """A local calendar date such as 2024-10-23, or an em dash when unknown."""
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d") if timestamp else "—"


def clock(seconds: float | None) -> str:
    """Elapsed or total time: 0:07, 30:04, 1:02:05 ("--:--" when unknown)."""
    if seconds is None:
        return "--:--"
    return format_duration(int(max(0.0, seconds))) or "0:00"


def size(length: int | None) -> str | None:
    """An enclosure size in MB (feeds' lengths are often wrong; one decimal is plenty)."""
    if not length or length < 0:
        return None
    if length < 1_000_000:
        return f"{max(1, round(length / 1000))} kB"
    return f"{length / 1_000_000:.1f} MB"
