"""Every key binding of the player, by id.

The ids are the names users write in the ``[keys]`` table of config.toml
(``play_pause = "p"``, or several keys: ``quit = "q,ctrl+q"``); Textual's keymap swaps
the default keys for those. :data:`KEYS` is the one list the app, the help screen and the
command palette are built from.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import _normalize_key_list, format_key


@dataclass(frozen=True)
class Key:
    """One binding. ``where``: "app"; "screen" (main screen); "pane" (the list panes);
    "filter" (the episode filter); "dialog" (every dialog); "confirm" (yes/no
    questions); "path" (file name prompts). ``help`` is the command palette's text."""

    id: str
    keys: str
    action: str
    description: str
    where: str = "app"
    show: bool = True
    key_display: str | None = None
    help: str = ""

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.description, show=self.show,
                       key_display=self.key_display, id=self.id)


KEYS: tuple[Key, ...] = (
    Key("move_down", "j,down", "cursor_down", "Down", "pane", show=False),
    Key("move_up", "k,up", "cursor_up", "Up", "pane", show=False),
    Key("page_down", "pagedown", "page_down", "Page down", "pane", show=False),
    Key("page_up", "pageup", "page_up", "Page up", "pane", show=False),
    Key("first", "home", "scroll_top", "First", "pane", show=False),
    Key("last", "end", "scroll_bottom", "Last", "pane", show=False),
    Key("next_pane", "tab", "app.focus_next", "Next pane", "screen", show=False),
    Key("previous_pane", "shift+tab", "app.focus_previous", "Previous pane", "screen",
        show=False),
    Key("play", "enter", "play", "Play", key_display="⏎",
        help="Play the highlighted episode (resumes where you left off)"),
    Key("play_pause", "space", "toggle_pause", "Pause",
        help="Pause or resume playback"),
    Key("stop", "s", "stop", "Stop", show=False,
        help="Stop playback (the position is saved)"),
    Key("seek_back", "left", "seek_back", "Back", show=False,
        help="Seek back (playback.seek_back_s seconds)"),
    Key("seek_forward", "right", "seek_forward", "Forward", show=False,
        help="Seek forward (playback.seek_forward_s seconds)"),
    Key("slower", "left_square_bracket", "slower", "Slower", show=False,
        help="Play slower (0.1× steps)"),
    Key("faster", "right_square_bracket", "faster", "Faster", show=False,
        help="Play faster (0.1× steps)"),
    Key("volume_down", "minus", "volume_down", "Quieter", show=False,
        help="Volume down"),
    Key("volume_up", "equals_sign", "volume_up", "Louder", show=False,
        help="Volume up"),
    Key("toggle_played", "m", "toggle_played", "Played",
        help="Mark the highlighted episode played or unplayed"),
    Key("filter", "slash", "filter", "Filter",
        help="Filter the episodes by title"),
    Key("add_feed", "a", "add_feed", "Add",
        help="Add a feed by its URL"),
    Key("import_opml", "i", "import_opml", "Import",
        help="Import subscriptions from an OPML file"),
    Key("export_opml", "e", "export_opml", "Export", show=False,
        help="Export subscriptions to an OPML file"),
    Key("refresh_feed", "r", "refresh_feed", "Refresh",
        help="Refresh the selected feed"),
    Key("refresh_all", "R", "refresh_all", "Refresh all", show=False,
        help="Refresh all active feeds"),
    Key("remove_feed", "d", "remove_feed", "Remove", show=False,
        help="Remove the selected feed (asks first)"),
    Key("search_newer_version", "f", "search_newer_version", "Find newer",
        help="Search the directories for a newer version of the archived or failing feed"),
    Key("check_again", "c", "check_again", "Check again", show=False,
        help="Check the archived feed again now (it comes back if it answers)"),
    Key("edit_feed_url", "u", "edit_feed_url", "Edit URL", show=False,
        help="Edit the selected feed's address (the new one is checked first)"),
    Key("search_directory", "S", "search_directory", "Search directories", show=False,
        help="Search podcast directories for shows to subscribe to"),
    Key("help", "question_mark", "help", "Keys",
        help="Show every key and its id"),
    Key("command_palette", "ctrl+p", "command_palette", "Commands", show=False,
        help="Open the command palette"),
    Key("quit", "q", "quit", "Quit",
        help="Quit (the position is saved)"),
    Key("clear_filter", "escape", "clear_filter", "Clear filter", "filter"),
    Key("close_dialog", "escape", "dismiss_dialog", "Close", "dialog"),
    Key("confirm_yes", "y", "answer(True)", "Yes", "confirm"),
    Key("confirm_no", "n", "answer(False)", "No", "confirm"),
    Key("complete_path", "tab", "complete", "Complete", "path"),
)

KEY_IDS = frozenset(key.id for key in KEYS)


def bindings(where: str) -> list[Binding]:
    return [key.binding() for key in KEYS if key.where == where]


def keymap_from_config(table: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The ``[keys]`` table as a Textual keymap, and warnings for ids we do not know."""
    keymap, warnings = {}, []
    for binding_id, keys in table.items():
        if binding_id in KEY_IDS:
            keymap[binding_id] = keys
        else:
            warnings.append(f"[keys] {binding_id}: no such key binding (ignored); "
                            "press ? to see the binding ids")
    return keymap, warnings


def effective_keys(key: Key, keymap: dict[str, str]) -> list[str]:
    """The keys that trigger ``key`` once the user's keymap is applied."""
    return _normalize_key_list(keymap.get(key.id, key.keys)).split(",")


def describe(key_id: str, keymap: dict[str, str]) -> str:
    """The first key of binding ``key_id`` as shown to people, e.g. "a" or "ctrl+p"."""
    key = next(k for k in KEYS if k.id == key_id)
    return format_key(effective_keys(key, keymap)[0])
