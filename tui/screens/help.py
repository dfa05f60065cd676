"""The key help: every binding with its current keys, what it does and its id."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from tui import keys
from tui.keys import Key, shown_keys
from tui.screens.dialogs import Dialog

SECTIONS = {"app": "Everywhere", "main": "Player", "pane": "Lists", "filter": "Filter",
            "dialog": "Dialogs", "confirm": "Questions", "path": "File names",
            "removal": "Sync questions"}


class HelpTable(DataTable, inherit_bindings=False):
    """Moves with the same keys as the lists (j/k, arrows, page up/down, home/end)."""

    BINDINGS = keys.bindings("pane")


class HelpScreen(Dialog[None]):
    """Opened with ?; the ids are what config.toml's [keys] table remaps."""

    def __init__(self, all_keys: Sequence[Key], keymap: dict[str, str],
                 config_file: str) -> None:
        super().__init__(classes="tall wide")
        self.all_keys, self.keymap, self.config_file = all_keys, keymap, config_file

    def compose(self) -> ComposeResult:
        with self.box("Keys"):
            yield Static(Text(f'Remap any key in {self.config_file}, e.g. [keys] '
                              f'play_pause = "p". Escape closes this.', style="dim"),
                         classes="body")
            yield HelpTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(HelpTable)
        table.add_column("Keys", key="keys")
        table.add_column(Text("Id in [keys]"), key="id")
        table.add_column("Where", key="where")
        table.add_column("Does", key="does")
        for where, section in SECTIONS.items():
            for key in (k for k in self.all_keys if k.where == where):
                table.add_row(Text(shown_keys(key, self.keymap), style="bold"),
                              Text(key.id, style="cyan"), Text(section, style="dim"),
                              Text(key.help or key.description))
        table.focus()
