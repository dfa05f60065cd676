"""Removing a show that has downloads: one question, with the choice about its files."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox

from tui.screens.dialogs import ConfirmDialog


class RemoveFeedDialog(ConfirmDialog):
    """"Unsubscribe from X?" with a checkbox "Also delete its N downloaded episodes".

    Dismissed with None (no, escape), False (remove, keep the files) or True (remove and
    delete them). y / n answer as in every yes/no question; tab reaches the checkbox,
    space ticks it. It starts unticked: files are deleted only when the user says so."""

    cancel_value = None

    def __init__(self, question: Text, option: str) -> None:
        super().__init__("Remove feed", question)
        self.option = option

    def options(self) -> ComposeResult:
        yield Checkbox(Text(self.option), id="delete-downloads")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(self.query_one(Checkbox).value if yes else None)
