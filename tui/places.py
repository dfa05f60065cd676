"""The Up Next and Inbox entries above the subscriptions, as the main screen shows them.

Selecting one shows its episodes in the episode list, with each episode's show (the
queue in playing order, the inbox newest first), and a header that sums it up and names
its keys. The screen owns the widgets; these functions only say what goes in them.
"""

from __future__ import annotations

from rich.text import Text

from library.models import Episode
from library.text import plural
from library.upnext import total_remaining
from tui import formatting, keys
from tui.actions import key
from tui.upnext import INBOX, UP_NEXT, Lists
from tui.widgets.panes import EpisodesTable, Row

COLUMNS = {UP_NEXT: ("show", "title", "duration", "mark"),
           INBOX: ("date", "show", "title", "duration")}
NAMES = {UP_NEXT: "Up Next", INBOX: "Inbox"}
MARKS = {UP_NEXT: "≡", INBOX: "»"}


def pane_rows(lists: Lists) -> dict[str, Row]:
    """The two entries of the subscriptions pane, with how many episodes each holds."""
    counts = {UP_NEXT: len(lists.queue), INBOX: len(lists.inbox)}
    return {place: (Text(MARKS[place], style="bold cyan"), Text(NAMES[place], style="bold"),
                    Text(str(counts[place] or ""), style="bold", justify="right"))
            for place in (UP_NEXT, INBOX)}


def fill(table: EpisodesTable, place: str, lists: Lists, shown: list[int],
         text: str = "") -> dict[int, Episode]:
    """Show the place's episodes (those with ``text`` in their title) in the episode list
    (which showed ``shown``), with the cursor on the same episode, or where it was;
    returns them by id."""
    episodes = [entry.episode for entry in lists.queue] if place == UP_NEXT else lists.inbox
    episodes = [e for e in episodes if text.lower() in e.title.lower()]
    keep = cursor_after(shown, table.cursor_row, table.highlighted_id,
                        [episode.id for episode in episodes])
    table.show(episodes, keep, COLUMNS[place])
    return {episode.id: episode for episode in episodes}


# The keys named under each header: (binding ids, what they do).
Hints = tuple[tuple[tuple[str, ...], str], ...]
QUEUE_KEYS: Hints = ((("remove_from_list",), "remove"),
                     (("queue_move_up", "queue_move_down"), "move"),
                     (("queue_play_next",), "to the top"), (("clear_list",), "clear"))
EMPTY_QUEUE_KEYS: Hints = ((("queue_add",), "adds the highlighted episode of any list,"),
                           (("queue_play_next",), "puts it on top"))
INBOX_KEYS: Hints = ((("queue_add",), "queue"), (("remove_from_list",), "dismiss"),
                     (("clear_list",), "dismiss all"))


def header(place: str, lists: Lists, keymap: dict[str, str]) -> Text:
    """"Up Next  3 episodes, 1:02:05 left" and the keys that work here."""
    text = Text(NAMES[place], style="bold")
    hints: Hints = ()
    if place == UP_NEXT and lists.queue:
        left, unknown = total_remaining(lists.queue)
        text.append(f"  {plural(len(lists.queue), 'episode')}, "
                    f"{formatting.clock(left)} left", style="dim")
        if unknown:
            text.append(f" (and {unknown} of unknown length)", style="dim")
        hints = QUEUE_KEYS
    elif place == UP_NEXT:
        text.append("  is empty.", style="dim")
        hints = EMPTY_QUEUE_KEYS
    elif lists.inbox:
        shows = len({episode.feed_id for episode in lists.inbox})
        text.append(f"  {plural(len(lists.inbox), 'new episode')} from "
                    f"{plural(shows, 'show')}, newest first", style="dim")
        hints = INBOX_KEYS
    else:
        text.append("  is empty: new episodes that a refresh brings land here.",
                    style="dim")
    for number, (key_ids, does) in enumerate(hints):
        text.append("\n" if number == 0 else "  ")
        for key_id in key_ids:
            text.append(f" {keys.describe(key(key_id), keymap)} ", style="bold reverse")
        text.append(f" {does}")
    return text


def cursor_after(old: list[int], row: int, highlighted: int | None,
                 new: list[int]) -> int | None:
    """Where the cursor goes when a list is shown again: the same episode, or (it left
    the list) the one that was below it, else the one above."""
    if highlighted in new:
        return highlighted
    present = set(new)
    below = [i for i in old[row + 1:] if i in present]
    above = [i for i in reversed(old[:row]) if i in present]
    return (below or above or new or [None])[0]
