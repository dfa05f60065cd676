"""Removing a show that has downloads: one question, with the choice about its files."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Static

from tui import keys
from tui.screens.dialogs import Dialog


class RemoveFeedDialog(Dialog[bool | None]):
    """"Unsubscribe from X?" with a checkbox "Also delete its N downloaded episodes".

    Dismissed with None (no, escape), False (remove, keep the files) or True (remove and
    delete them). y / n answer as in every yes/no question; tab reaches the checkbox,
    space ticks it. It starts unticked: files are deleted only when the user says so."""

    BINDINGS = keys.bindings("confirm")
    cancel_value = None

    def __init__(self, question: Text, option: str) -> None:
        super().__init__()
        self.question, self.option = question, option

    def compose(self) -> ComposeResult:
        with self.box("Remove feed"):
            yield Static(self.question, classes="body")
            yield Checkbox(Text(self.option), id="delete-downloads")
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(self.query_one(Checkbox).value if yes else None)
