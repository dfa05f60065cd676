"""The key footer: Textual's Footer, with the command palette, "? Keys" and "q Quit"
always at its right end.

On a narrow terminal the Footer cuts what does not fit from the right; the keys a new
user needs most must never be what is cut.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widget import Widget
from textual.widgets import Footer

PINNED_ACTIONS = ("command_palette", "help", "quit")


class KeyFooter(Footer):
    DEFAULT_CSS = """
    KeyFooter #pinned-keys {
        dock: right;
        width: auto;
        background: $footer-background;
    }
    """

    def __init__(self) -> None:
        super().__init__(show_command_palette=False)

    def compose(self) -> ComposeResult:
        pinned: dict[str, Widget] = {}
        for widget in super().compose():
            action = getattr(widget, "action", None)  # a key of the Footer's own
            if action in PINNED_ACTIONS:
                pinned[action] = widget
            else:
                yield widget
        if pinned:
            yield HorizontalGroup(*(pinned[a] for a in PINNED_ACTIONS if a in pinned),
                                  id="pinned-keys")
