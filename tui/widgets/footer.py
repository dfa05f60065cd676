"""The key footer: the keys that work here, with the command palette, "? Keys" and
"q Quit" always at its right end.

Textual's Footer is a widget per key, all rebuilt whenever a key is dimmed or shown:
with podterm's thirty keys that was a fifth of the time to start, and the UI's longest
stalls while a refresh ran. This footer draws the same keys, in the same colours, as
one line of text; a change redraws that line. On a narrow terminal what does not fit
is cut from the right of the other keys: the keys a new user needs most stay.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

from library.record import Record

PINNED_ACTIONS = ("command_palette", "help", "quit")
DIM = Style(dim=True)


class _Key(Record, frozen=True):
    """A key the footer shows."""

    key: str        # what pressing it simulates
    shown: str      # how the key is written ("space", "^p")
    description: str
    enabled: bool


class KeyFooter(Widget, can_focus=False):
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, _Key]] = []   # where each key is drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen) -> None:
        self.refresh()

    def _keys(self) -> tuple[list[_Key], list[_Key]]:
        """(the keys, the pinned keys): one per action, as the bindings list them."""
        keys: dict[str, _Key] = {}
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in keys:
                keys[binding.action] = _Key(binding.key, self.app.get_key_display(binding),
                                            binding.description, enabled)
        pinned = [keys.pop(action) for action in PINNED_ACTIONS if action in keys]
        return list(keys.values()), pinned

    def render(self) -> Text:
        keys, pinned = self._keys()
        styles = (self.get_component_rich_style("footer-key--key", partial=True),
                  self.get_component_rich_style("footer-key--description", partial=True))
        right, right_spans = _line(pinned, *styles)
        left, left_spans = _line(keys, *styles)
        room = max(0, self.size.width - right.cell_len)
        left.truncate(room, pad=True)
        self._spans = [span for span in left_spans if span[1] <= room] + [
            (start + room, end + room, key) for start, end, key in right_spans]
        return left + right

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                if key.enabled:
                    self.app.simulate_key(key.key)
                else:
                    self.app.bell()
                return


def _line(keys: list[_Key], key_style: Style, description_style: Style
          ) -> tuple[Text, list[tuple[int, int, _Key]]]:
    """The keys as Textual's Footer draws them (" k Description "), and where each is."""
    text, spans = Text(no_wrap=True, overflow="crop", end=""), []
    for key in keys:
        dim = Style() if key.enabled else DIM
        start = text.cell_len
        text.append(f" {key.shown} ", key_style + dim)
        text.append(f"{key.description} ", description_style + dim)
        spans.append((start, text.cell_len, key))
    return text, spans
