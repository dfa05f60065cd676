"""The sleep timer's dialog: a preset, a number of minutes typed in, or the end of the
episode. It returns a :class:`SleepChoice`, or None when closed with escape."""

from __future__ import annotations

import math

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.screens.dialogs import Dialog

from library.record import Record

PRESETS_MIN = (5, 10, 15, 30, 45, 60, 90)  # with the rest, fits an 80x24 terminal
MAX_MIN = 24 * 60
END_OF_EPISODE = "end-of-episode"


class SleepChoice(Record, frozen=True):
    """Stop after ``minutes`` of playing, or (None) when the episode ends."""

    minutes: float | None


def parse_minutes(text: str) -> float | str:
    """Typed minutes as a number, or why they cannot be used (one line for the user)."""
    try:
        minutes = float(text.strip().replace(",", "."))
    except ValueError:
        return f"{text.strip()!r} is not a number of minutes"
    if not math.isfinite(minutes) or not 0 < minutes <= MAX_MIN:
        return f"give a number of minutes above 0 and at most {MAX_MIN}"
    return minutes


class SleepDialog(Dialog[SleepChoice | None]):
    """Presets in a list (enter picks one); the field below takes any number."""

    def compose(self) -> ComposeResult:
        with self.box("Sleep timer"):
            yield Static(Text("The last 10 seconds fade out; the position is saved. Only "
                              "time spent playing counts; the same key cancels."),
                         classes="body")
            yield OptionList(*(Option(f"In {m} minutes", id=str(m)) for m in PRESETS_MIN),
                             Option("At the end of this episode", id=END_OF_EPISODE),
                             id="sleep-presets")
            yield Input(placeholder="Or type minutes (e.g. 25) and press enter",
                        id="sleep-minutes")
            yield Static(id="prompt-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#sleep-presets")
    def picked(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        self.dismiss(SleepChoice(None if key == END_OF_EPISODE else float(key or 0)))

    @on(Input.Submitted, "#sleep-minutes")
    def typed(self, event: Input.Submitted) -> None:
        minutes = parse_minutes(event.value)
        if isinstance(minutes, str):
            self.query_one("#prompt-hint", Static).update(Text(minutes.capitalize() + "."))
        else:
            self.dismiss(SleepChoice(minutes))
