"""The key help: every binding with its current keys, what it does and its id."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.keys import format_key
from textual.widgets import DataTable, Label, Static

from tui.keys import KEYS, effective_keys
from tui.screens.dialogs import Dialog

SECTIONS = {"app": "Player", "screen": "Panes", "pane": "Lists", "dialog": "Dialogs",
            "confirm": "Questions", "path": "File names"}


class HelpScreen(Dialog[None]):
    """Opened with ?; the ids are what config.toml's [keys] table remaps."""

    def __init__(self, keymap: dict[str, str], config_file: str) -> None:
        super().__init__(classes="dialog-screen")
        self.keymap, self.config_file = keymap, config_file

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Label(Text("Keys", style="bold"), classes="dialog-title")
            yield Static(Text(f'Remap any key in {self.config_file}, e.g. [keys] '
                              f'play_pause = "p". Escape closes this.', style="dim"),
                         classes="dialog-body")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Keys", key="keys")
        table.add_column("Does", key="does")
        table.add_column("Where", key="where")
        table.add_column(Text("Id in [keys]"), key="id")
        for where, section in SECTIONS.items():
            for key in (k for k in KEYS if k.where == where):
                shown = ", ".join(format_key(k) for k in effective_keys(key, self.keymap))
                table.add_row(Text(shown, style="bold"),
                              Text(key.description), Text(section, style="dim"),
                              Text(key.id, style="cyan"))
        table.focus()
