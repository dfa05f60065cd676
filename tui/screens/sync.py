"""Sync's questions: the password (when none is configured) and what to do with a feed
another device unsubscribed from. Text from the config and from feeds is shown
literally (:class:`rich.text.Text`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from tui import keys
from tui.screens.dialogs import Dialog

if TYPE_CHECKING:  # the sync engine loads when a sync starts
    from library.sync.engine import RemovalQuestion


class PasswordDialog(Dialog[str]):
    """The sync password, typed masked; escape means "not now"."""

    def __init__(self, username: str, server: str) -> None:
        super().__init__()
        self.username, self.server = username, server

    def compose(self) -> ComposeResult:
        with self.box("Sync password"):
            yield Static(Text(
                f"The password of {self.username} at {self.server}, for syncing. podterm "
                "keeps it in memory until it closes and never saves it. To sync without "
                "this question, set password_command in the [sync] table (see README)."),
                classes="body")
            yield Input(password=True, placeholder="password (escape: do not sync now)",
                        id="sync-password")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value:
            self.dismiss(event.value)  # as typed: spaces may be part of a password


class RemovalDialog(Dialog[bool]):
    """A feed unsubscribed on another device: True removes it here, False keeps it (and
    subscribes again everywhere), None (escape) decides later."""

    BINDINGS = keys.bindings("removal")
    cancel_value = None

    def __init__(self, question: RemovalQuestion) -> None:
        super().__init__(classes="error")
        self.question = question

    def compose(self) -> ComposeResult:
        with self.box("Unsubscribed on another device"):
            yield Static(Text(self.question.describe()), classes="body")
            yield Static(Text("Remove it here too, keep it (and subscribe again on every "
                              "device), or decide later (it stays, and the next sync you "
                              "start asks again)?"), classes="body")
            with Horizontal(classes="buttons"):
                yield Button("Remove here (r)", id="remove", variant="error")
                yield Button("Keep (k)", id="keep", variant="primary")
                yield Button("Later (l)", id="later")

    def on_mount(self) -> None:
        self.query_one("#later", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss({"remove": True, "keep": False}.get(event.button.id or ""))

    def action_answer(self, remove: bool) -> None:
        self.dismiss(remove)

    def action_later(self) -> None:
        self.dismiss(None)
