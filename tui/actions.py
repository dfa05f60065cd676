"""The main screen's actions: one table of what each key does and when it applies.

Each :class:`Action` is a key binding (its id is what ``[keys]`` in config.toml remaps),
the handler that runs it, and ``when``: why it does not apply right now (None when it
does). The main screen binds every action to ``run('<id>')`` and answers Textual's
``check_action`` from ``when``, so the Footer dims (or hides) keys that do nothing; the
``?`` help and the command palette read this table too. A feature adds its keys here,
in one place.
"""

from __future__ import annotations

from typing import Callable, Protocol

from library.models import Episode, Feed
from tui.downloads import DOWNLOAD_KEY, Downloads
from tui.health import FeedHealth
from tui.keys import WIDGET_KEYS, Key
from tui.playback import Playback
from tui.sleep import SleepTimer
from tui.subscriptions import Subscriptions
from tui.sync import Sync
from tui.upnext import UP_NEXT, Lists, UpNext


class Controls(Protocol):
    """What actions act on: the main screen's features and selection."""

    playback: Playback
    sleep: SleepTimer
    subscriptions: Subscriptions
    health: FeedHealth
    upnext: UpNext
    place: str | None       # UP_NEXT or INBOX while one of them is shown
    lists: Lists            # the queue and the inbox
    sync: Sync
    downloads: Downloads

    @property
    def selected_feed(self) -> Feed | None: ...

    @property
    def highlighted_episode(self) -> Episode | None: ...

    @property
    def has_feeds(self) -> bool: ...

    @property
    def read_only(self) -> str | None: ...

    def play_highlighted(self) -> None: ...

    def open_filter(self) -> None: ...

    def scroll_notes(self, pages: int) -> None: ...

    def focus_next(self) -> object: ...

    def focus_previous(self) -> object: ...


Reason = Callable[[Controls], str | None]


def always(_: Controls) -> None:
    return None


def an_episode(c: Controls) -> str | None:
    return None if c.highlighted_episode is not None else "no episode is selected"


def a_feed(c: Controls) -> str | None:
    return None if c.selected_feed is not None else "no feed is selected"


def any_feeds(c: Controls) -> str | None:
    return None if c.has_feeds else "there are no subscriptions yet"


def loaded(c: Controls) -> str | None:
    return None if c.playback.loaded else "nothing is playing"


def resumable(c: Controls) -> str | None:
    return None if c.playback.resumable else "nothing is playing or paused"


def sleepable(c: Controls) -> str | None:
    return None if c.sleep.active or c.playback.resumable else "nothing is playing"


def failing(c: Controls) -> str | None:
    feed = c.selected_feed
    if feed is None or not (feed.status == "archived" or feed.consecutive_failures):
        return "the selected feed is not failing"
    return None


def writable(c: Controls) -> str | None:
    return "the library is read-only" if c.read_only else None


def both(*reasons: "Reason") -> "Reason":
    """Applies when every one of ``reasons`` does; says the first that does not."""
    return lambda c: next((why for why in (reason(c) for reason in reasons) if why), None)


def in_a_list(c: Controls) -> str | None:
    return None if c.place else "neither Up Next nor the inbox is shown"


def in_up_next(c: Controls) -> str | None:
    return None if c.place == UP_NEXT else "Up Next is not shown"


def a_list_or_feed(c: Controls) -> str | None:
    return None if c.place else a_feed(c)


def not_in_up_next(c: Controls) -> str | None:
    return "the episode is in Up Next already" if c.place == UP_NEXT else None


def show_of(c: Controls) -> tuple[int, str] | None:
    """The selected feed, or in Up Next and the inbox the highlighted episode's show."""
    if c.selected_feed is not None:
        return c.selected_feed.id, c.selected_feed.display_title
    episode = c.highlighted_episode
    return None if episode is None else (episode.feed_id, episode.feed_title)


def a_show(c: Controls) -> str | None:
    return None if show_of(c) is not None else "no show is selected"


def remove_from_list(c: Controls) -> None:
    episode = c.highlighted_episode
    if episode is not None:
        c.upnext.remove(episode) if c.place == UP_NEXT else c.upnext.dismiss(episode)


def clear_list(c: Controls) -> None:
    if c.place == UP_NEXT:
        c.upnext.clear(len(c.lists.queue))
    else:
        c.upnext.dismiss_all(len(c.lists.inbox))


def sync_set_up(c: Controls) -> str | None:
    return c.sync.unavailable


class Action(Key):
    """A main-screen key: ``run`` does it, ``when`` says why it cannot now. An action
    with ``hidden`` leaves the Footer entirely while it does not apply."""

    run: Callable[[Controls], object] = always
    when: Reason = always
    hidden: bool = False
    where: str = "main"

    def __init__(self, *args: object, **values: object) -> None:
        super().__init__(*args, **values)
        self.__dict__["action"] = f"run('{self.id}')"


ACTIONS: tuple[Action, ...] = (
    # Moving between panes (the lists' own keys are in tui.keys).
    Action("next_pane", "tab", "Next pane", "Go to the next pane", show=False,
           run=lambda c: c.focus_next()),
    Action("previous_pane", "shift+tab", "Previous pane", "Go to the previous pane",
           show=False, run=lambda c: c.focus_previous()),
    # Playback.
    Action("play", "enter", "Play", "Play the highlighted episode (resumes where you left "
           "off)", key_display="⏎", run=lambda c: c.play_highlighted(), when=an_episode),
    Action("play_pause", "space", "Pause", "Pause or resume playback",
           run=lambda c: c.playback.toggle_pause(), when=resumable),
    Action("stop", "s", "Stop", "Stop playback (the position is saved; space resumes)",
           show=False, run=lambda c: c.playback.stop(), when=loaded),
    Action("seek_back", "left", "Back", "Seek back (playback.seek_back_s seconds)",
           show=False, run=lambda c: c.playback.seek_back(), when=loaded),
    Action("seek_forward", "right", "Forward", "Seek forward (playback.seek_forward_s "
           "seconds)", show=False, run=lambda c: c.playback.seek_forward(), when=loaded),
    Action("slower", "left_square_bracket", "Slower", "Play slower (0.1× steps)",
           show=False, run=lambda c: c.playback.slower(), when=loaded),
    Action("faster", "right_square_bracket", "Faster", "Play faster (0.1× steps)",
           show=False, run=lambda c: c.playback.faster(), when=loaded),
    Action("volume_down", "minus", "Quieter", "Volume down", show=False,
           run=lambda c: c.playback.volume(-1), when=loaded),
    Action("volume_up", "equals_sign", "Louder", "Volume up", show=False,
           run=lambda c: c.playback.volume(+1), when=loaded),
    Action("sleep_timer", "z", "Sleep", "Sleep timer: stop later (again: cancel it)",
           show=False, run=lambda c: c.sleep.toggle(), when=sleepable),
    Action("next_episode", "greater_than_sign", "Next", "Next episode: Up Next's, else the "
           "list's", show=False, run=lambda c: c.playback.next(), when=resumable),
    Action("previous_episode", "less_than_sign", "Previous", "Previous episode: the one "
           "above in Up Next, or played before", show=False,
           run=lambda c: c.playback.previous(), when=resumable),
    # The episode list.
    Action("toggle_played", "m", "Played", "Mark the highlighted episode played or "
           "unplayed", run=lambda c: c.upnext.toggle_played(c.highlighted_episode),
           when=both(writable, an_episode)),
    Action("filter", "slash", "Filter", "Filter the episodes by title",
           run=lambda c: c.open_filter(), when=a_list_or_feed),
    Action("notes_down", "ctrl+d", "Notes down", "Scroll the show notes down", show=False,
           run=lambda c: c.scroll_notes(+1), when=an_episode),
    Action("notes_up", "ctrl+u", "Notes up", "Scroll the show notes up", show=False,
           run=lambda c: c.scroll_notes(-1), when=an_episode),
    # Up Next and the inbox (the highlighted episode: the lambdas run only when it is set).
    Action("queue_add", "plus", "Queue", "Add the highlighted episode to Up Next (at the end)",
           run=lambda c: c.upnext.add(c.highlighted_episode),
           when=both(writable, an_episode, not_in_up_next)),
    Action("queue_play_next", "N", "Play next", "Put the highlighted episode on top of Up "
           "Next", show=False, run=lambda c: c.upnext.play_next(c.highlighted_episode),
           when=both(writable, an_episode)),
    Action("queue_move_up", "K", "Move up", "Move the highlighted episode up in Up Next",
           show=False, run=lambda c: c.upnext.move(c.highlighted_episode, -1),
           when=both(writable, in_up_next, an_episode)),
    Action("queue_move_down", "J", "Move down", "Move the highlighted episode down in Up Next",
           show=False, run=lambda c: c.upnext.move(c.highlighted_episode, +1),
           when=both(writable, in_up_next, an_episode)),
    Action("remove_from_list", "x", "Remove", "Remove from Up Next, or dismiss from the inbox",
           hidden=True, run=remove_from_list, when=both(writable, in_a_list, an_episode)),
    Action("clear_list", "X", "Clear", "Clear Up Next, or the inbox (asks first)",
           show=False, run=clear_list, when=both(writable, in_a_list, an_episode)),
    Action("show_settings", "o", "Settings", "The show's speed, volume, skips, auto-queue",
           show=False, run=lambda c: c.upnext.edit_settings(*show_of(c)),  # type: ignore[misc]
           when=both(writable, a_show)),
    # Subscriptions.
    Action("add_feed", "a", "Add", "Add a feed by its URL",
           run=lambda c: c.subscriptions.add(), when=writable),
    Action("import_opml", "i", "Import", "Import subscriptions from an OPML file",
           run=lambda c: c.subscriptions.import_opml(), when=writable),
    Action("export_opml", "e", "Export", "Export subscriptions to an OPML file", show=False,
           run=lambda c: c.subscriptions.export_opml(), when=any_feeds),
    # Refresh keys stay lit during a refresh (pressing them says one is running):
    # rebuilding the Footer at its start and end would stall the UI.
    Action("refresh_feed", "r", "Refresh", "Refresh the selected feed",
           run=lambda c: c.subscriptions.refresh_feed(c.selected_feed),
           when=both(writable, a_feed)),
    Action("refresh_all", "R", "Refresh all", "Refresh all active feeds", show=False,
           run=lambda c: c.subscriptions.refresh(), when=both(writable, any_feeds)),
    Action("remove_feed", "d", "Remove", "Remove the selected feed (asks first)",
           show=False, run=lambda c: c.subscriptions.remove(c.selected_feed),
           when=both(writable, a_feed)),
    # Downloads. Whether they apply depends on the highlighted row's download, so they
    # say why not when pressed instead of dimming: moving through the list, or a download
    # changing state, must not rebuild the Footer.
    Action("download", DOWNLOAD_KEY, "Download", "Download the highlighted episode for "
           "offline listening (on a failed or stopped one: try again, resuming)",
           run=lambda c: c.downloads.download(c.highlighted_episode),
           when=both(writable, an_episode)),
    Action("cancel_download", "C", "Stop download", "Stop the highlighted episode's "
           "download (the partial file is kept: downloading again resumes)", show=False,
           run=lambda c: c.downloads.cancel(c.highlighted_episode), when=an_episode),
    Action("delete_download", "delete", "Delete file", "Delete the highlighted episode's "
           "downloaded file (asks first)", show=False,
           run=lambda c: c.downloads.delete(c.highlighted_episode),
           when=both(writable, an_episode)),
    # Feed health and directories.
    Action("search_newer_version", "f", "Find newer", "Search the directories for a newer "
           "version of the archived or failing feed", hidden=True,
           run=lambda c: c.health.search_newer_version(c.selected_feed),
           when=both(failing, writable)),
    Action("check_again", "c", "Check again", "Check the archived or failing feed again "
           "now (an archived one comes back if it answers)", show=False, hidden=True,
           run=lambda c: c.health.check_again(c.selected_feed), when=both(failing, writable)),
    Action("edit_feed_url", "u", "Edit URL", "Edit the selected feed's address (the new "
           "one is checked first)", show=False,
           run=lambda c: c.health.edit_feed_url(c.selected_feed),
           when=both(writable, a_feed)),
    Action("search_directory", "S", "Search directories", "Search podcast directories for "
           "shows to subscribe to", show=False, run=lambda c: c.health.search_directory(),
           when=writable),
    # Sync (it also runs at start and every [sync] interval_min).
    Action("sync_now", "Y", "Sync", "Sync subscriptions, positions and played episodes "
           "with the sync server now", show=False, run=lambda c: c.sync.sync_now(),
           when=sync_set_up),
)

BY_ID: dict[str, Action] = {action.id: action for action in ACTIONS}
ALL_KEYS: tuple[Key, ...] = (*ACTIONS, *WIDGET_KEYS)


def key(key_id: str) -> Key:
    """Any binding by its id."""
    return next(k for k in ALL_KEYS if k.id == key_id)
