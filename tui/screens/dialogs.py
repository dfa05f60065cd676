"""Small modal dialogs: a yes/no question, a message (errors), a one-line text prompt.

Every dialog closes with escape (binding id ``close_dialog``) and returns its result
through :meth:`ModalScreen.dismiss`; features await it with ``push_screen_wait`` from a
worker. The box is the dialog's one ``Vertical`` child, styled by :class:`Dialog`'s CSS
(classes ``wide``, ``tall`` and ``error`` vary it). Text that may come from a feed or
the system is given as :class:`rich.text.Text` and is never read as markup.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Static

from tui import keys

T = TypeVar("T")


class Dialog(ModalScreen[T], Generic[T]):
    """A centred box; escape dismisses it with :attr:`cancel_value`."""

    # Every dialog's styles, here and not in app.tcss: Textual parses them (in Python)
    # when the first dialog opens, not before the first screen (~14 M instructions).
    # Unscoped: the rules for the dialogs' parts (by id) read as they did in app.tcss.
    SCOPED_CSS = False
    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }

    Dialog > Vertical {
        width: 70;
        max-width: 90%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        border-title-color: $text;
        background: $surface;
        padding: 1 2;
    }

    Dialog.error > Vertical {
        border: thick $error;
    }

    Dialog.wide > Vertical {
        width: 100;
    }

    Dialog.tall > Vertical {
        height: 90%;
    }

    Dialog .body {
        width: 100%;
        margin-bottom: 1;
    }

    Dialog .scroll {
        height: auto;
        max-height: 20;
    }

    Dialog .buttons {
        height: auto;
        align: right middle;
        margin-top: 1;
    }

    Dialog .buttons Button {
        margin-left: 2;
    }

    #prompt-hint {
        height: auto;
        color: $text-muted;
    }

    #import-report, #help-keys {
        height: auto;
        max-height: 20;
    }

    Dialog.tall #help-keys {
        height: 1fr;
        max-height: 100%;
    }

    #search-status {
        height: auto;
        margin-top: 1;
        color: $text-muted;
    }

    #search-results {
        height: auto;
        max-height: 18;
        margin-top: 1;
    }

    #search-problems {
        height: auto;
    }

    /* A show's settings: one line per setting; one status line under them (the hint, or
       why a value was refused) so six settings, a two-line error and the buttons fit 80x24. */
    Dialog.settings .setting {
        height: 1;
        margin-bottom: 1;
    }

    Dialog.settings .setting Label {
        width: 12;
    }

    Dialog.settings .setting Input {
        width: 20;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }

    Dialog.settings .setting Input:focus {
        background: $accent 40%;
    }

    Dialog.settings .setting .accepts {
        width: 1fr;
        padding-left: 2;
    }

    #settings-status {
        height: auto;
    }

    #prompt-error {
        display: none;
        height: auto;
        color: $error;
    }
    """
    BINDINGS = keys.bindings("dialog")
    cancel_value: T | None = None

    def __init__(self, classes: str = "") -> None:
        super().__init__(classes=classes)

    @staticmethod
    def box(title: str) -> Vertical:
        """The dialog's box, with ``title`` (shown literally) in its top border."""
        box = Vertical()
        box.border_title = Text(title, style="bold")
        return box

    def action_dismiss_dialog(self) -> None:
        self.dismiss(self.cancel_value)


class ConfirmDialog(Dialog[bool]):
    """A yes/no question; y / n (or the buttons) answer, escape means no."""

    BINDINGS = keys.bindings("confirm")
    cancel_value = False

    def __init__(self, title: str, question: Text) -> None:
        super().__init__()
        self.title_text, self.question = title, question

    def compose(self) -> ComposeResult:
        with self.box(self.title_text):
            yield Static(self.question, classes="body")
            yield from self.options()
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def options(self) -> ComposeResult:
        """What stands between the question and the buttons (nothing here)."""
        return iter(())

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class MessageDialog(Dialog[None]):
    """A message with a reason, e.g. why playback failed and how to fix it."""

    def __init__(self, title: str, message: str | Text, *, error: bool = True) -> None:
        super().__init__(classes="error" if error else "")
        self.title_text = title
        self.message = message if isinstance(message, Text) else Text(message)

    def compose(self) -> ComposeResult:
        with self.box(self.title_text):
            with VerticalScroll(classes="scroll"):
                yield Static(self.message, classes="body")
            with Horizontal(classes="buttons"):
                yield Button("OK", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


class PromptDialog(Dialog[str]):
    """Ask for one line of text; enter submits it (stripped), escape cancels."""

    def __init__(self, title: str, explanation: str, *, placeholder: str = "",
                 value: str = "", suggester: Suggester | None = None) -> None:
        super().__init__()
        self.title_text, self.explanation = title, explanation
        self.placeholder, self.value, self.suggester = placeholder, value, suggester

    def compose(self) -> ComposeResult:
        with self.box(self.title_text):
            yield Static(Text(self.explanation), classes="body")
            yield Input(self.value, placeholder=self.placeholder, suggester=self.suggester,
                        id="prompt-input")
            yield Static(id="prompt-error")
            yield Static(id="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def refuse(self, reason: str) -> None:
        """Say why what was typed cannot be used; it stays in the field to be fixed."""
        error = self.query_one("#prompt-error", Static)
        error.update(Text(f"✗ {reason}", style="bold"))
        error.display = bool(reason)
        self.query_one("#prompt-input", Input).focus()
