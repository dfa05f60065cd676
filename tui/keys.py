"""Key bindings by id, and the user's ``[keys]`` table applied to them.

The ids are the names users write in the ``[keys]`` table of config.toml
(``play_pause = "p"``, or several keys: ``quit = "q,ctrl+q"``); Textual's keymap swaps
the default keys for those. This module holds the keys of widgets and dialogs (moving
in a list, answering a question, ...) and the app's own (help, commands, quit); the main
screen's actions, with what each does and when it applies, are in :mod:`tui.actions`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Sequence

from textual.binding import Binding
from textual.keys import _normalize_key_list, format_key

from library.record import Record


class Key(Record, frozen=True):
    """One binding. ``where`` says which part of the screen has it: "main" (the main
    screen), "app" (everywhere), "pane" (the list panes and help), "filter" (the episode
    filter), "dialog" (every dialog), "confirm" (yes/no questions), "path" (file name
    prompts), "removal" (sync's question about a feed unsubscribed elsewhere). ``help``
    is the command palette's and the help screen's text."""

    id: str
    keys: str
    description: str
    help: str = ""
    where: str = "app"
    action: str = ""
    show: bool = True
    key_display: str | None = None

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.description, show=self.show,
                       key_display=self.key_display, id=self.id)


WIDGET_KEYS: tuple[Key, ...] = (
    Key("help", "question_mark", "Keys", "Show every key and its id", "app", "help"),
    Key("command_palette", "ctrl+p", "Commands", "Find any action by name", "app",
        "command_palette"),
    Key("quit", "q", "Quit", "Quit (the position is saved)", "app", "quit"),
    Key("move_down", "j,down", "Down", "Move down", "pane", "cursor_down", show=False),
    Key("move_up", "k,up", "Up", "Move up", "pane", "cursor_up", show=False),
    Key("page_down", "pagedown", "Page down", "Move a page down", "pane", "page_down",
        show=False),
    Key("page_up", "pageup", "Page up", "Move a page up", "pane", "page_up", show=False),
    Key("first", "home", "First", "Go to the first row", "pane", "scroll_top", show=False),
    Key("last", "end", "Last", "Go to the last row", "pane", "scroll_bottom", show=False),
    Key("clear_filter", "escape", "Clear filter", "Clear the filter", "filter",
        "clear_filter"),
    Key("close_dialog", "escape", "Close", "Close the dialog", "dialog", "dismiss_dialog"),
    Key("confirm_yes", "y", "Yes", "Answer yes", "confirm", "answer(True)"),
    Key("confirm_no", "n", "No", "Answer no", "confirm", "answer(False)"),
    Key("complete_path", "tab", "Complete", "Complete the file name", "path", "complete"),
    Key("remove_here", "r", "Remove here", "Remove the feed unsubscribed on another device "
        "here too", "removal", "answer(True)"),
    Key("keep_here", "k", "Keep", "Keep the feed unsubscribed on another device (and "
        "subscribe again on every device)", "removal", "answer(False)"),
    Key("decide_later", "l", "Later", "Keep the feed for now; the next sync you start asks "
        "again", "removal", "later"),
)

# Parts of the screen whose keys work at the same time: one key must not do two things.
SCOPES = (("pane", "main", "app"), ("filter", "main", "app"), ("dialog", "confirm", "app"),
          ("dialog", "path", "app"), ("dialog", "removal", "app"), ("pane", "dialog", "app"))
SCOPE_NAMES = {"main": "the main screen", "dialog": "dialogs"}


def bindings(where: str, keys: Iterable[Key] = WIDGET_KEYS) -> list[Binding]:
    return [key.binding() for key in keys if key.where == where]


def keymap_from_config(table: dict[str, str],
                       keys: Sequence[Key]) -> tuple[dict[str, str], list[str]]:
    """The ``[keys]`` table as a Textual keymap, and warnings: ids we do not know, and
    keys that would do two things in one place."""
    known = {key.id for key in keys}
    keymap, warnings = {}, []
    for binding_id, value in table.items():
        if binding_id in known:
            keymap[binding_id] = value
        else:
            warnings.append(f"[keys] {binding_id}: no such key binding (ignored); "
                            "press ? to see the binding ids")
    return keymap, warnings + conflicts(keys, keymap)


def conflicts(keys: Sequence[Key], keymap: dict[str, str]) -> list[str]:
    """One warning per key that two bindings share where both work at once."""
    found: dict[tuple[str, ...], str] = {}
    for scope in SCOPES:
        users: defaultdict[str, list[Key]] = defaultdict(list)
        for key in (k for k in keys if k.where in scope):
            for name in effective_keys(key, keymap):
                users[name].append(key)
        for name, sharing in users.items():
            ids = tuple(sorted({key.id for key in sharing}))
            if len(ids) > 1 and ids not in found:
                place = next((SCOPE_NAMES[w] for w in scope if w in SCOPE_NAMES), "lists")
                found[ids] = (f"[keys] '{format_key(name)}' is bound to both "
                              f"{' and '.join(ids)} on {place}: only one of them works. "
                              "Give one of them another key.")
    return list(found.values())


def effective_keys(key: Key, keymap: dict[str, str]) -> list[str]:
    """The keys that trigger ``key`` once the user's keymap is applied."""
    return _normalize_key_list(keymap.get(key.id, key.keys)).split(",")


def shown_keys(key: Key, keymap: dict[str, str]) -> str:
    """Every key of ``key`` as people read them, e.g. "j, ↓"."""
    return ", ".join(format_key(k) for k in effective_keys(key, keymap))


def describe(key: Key, keymap: dict[str, str]) -> str:
    """The first key of ``key`` as shown to people, e.g. "a" or "ctrl+p"."""
    return format_key(effective_keys(key, keymap)[0])
