"""Up Next, the inbox, played marks and each show's settings, from the TUI.

The TUI side of :mod:`library.upnext`, :mod:`library.inbox`, :mod:`library.listening`
and :mod:`library.showsettings`. Every change is one library call on the librarian's
thread that also reads both lists back, so what is shown is what the library holds
after the change (also when the command line changed the queue meanwhile); the lists
are announced with :class:`~tui.messages.UpNextChanged`. Changes name episodes by id,
so a stale screen can never move or remove the wrong one: the library refuses an id
that is no longer queued (or new), the refusal is shown and the lists are read again.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Callable, Coroutine

from rich.text import Text

from library import inbox, upnext
from library.listening import mark
from library.models import Episode
from library.record import Factory, Record
from library.showsettings import SettingsError, ShowDefaults, show_settings, \
    update_show_settings
from library.text import clean_line, plural
from library.upnext import QueueEntry
from tui.messages import EpisodeChanged, ShowSettingsChanged, UpNextChanged
from tui.services import Host

UP_NEXT, INBOX = "upnext", "inbox"   # the two named entries above the subscriptions

# What the library refuses with a sentence for the user (nothing was changed).
REFUSALS = (upnext.QueueError, upnext.UnknownEpisodes, inbox.InboxError, SettingsError)


class Lists(Record, frozen=True):
    """The queue in playing order and the inbox, newest first."""

    queue: list[QueueEntry] = Factory(list)
    inbox: list[Episode] = Factory(list)

    def place_of(self, episode_id: int) -> int | None:
        """The 1-based place of an episode in the queue (None: not queued)."""
        return next((e.position for e in self.queue if e.episode.id == episode_id), None)


def read_lists(conn: sqlite3.Connection) -> Lists:
    return Lists(upnext.list_queue(conn), inbox.list_inbox(conn))


class UpNext:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.defaults = ShowDefaults.from_config(host.services.config)

    def reload(self) -> None:
        """Read both lists again (after a refresh, or before showing one)."""
        self._work(self._change(None))

    # -- the queue ------------------------------------------------------------------
    def add(self, episode: Episode) -> None:
        self._work(self._add(episode))

    async def _add(self, episode: Episode) -> None:
        queued_before: list[bool] = []

        def add(conn: sqlite3.Connection) -> None:
            queued_before.append(episode.id in {e.episode.id for e in upnext.list_queue(conn)})
            upnext.add(conn, [episode.id])

        lists = await self._change(add)
        if lists is not None:
            self._say(episode, f" is {'already ' if queued_before[0] else ''}number "
                               f"{lists.place_of(episode.id)} of {len(lists.queue)} in Up Next.")

    def play_next(self, episode: Episode) -> None:
        self._work(self._play_next(episode))

    async def _play_next(self, episode: Episode) -> None:
        if await self._change(upnext.play_next, episode.id) is not None:
            self._say(episode, " plays next (top of Up Next).")

    def remove(self, episode: Episode) -> None:
        self._work(self._change(upnext.remove, [episode.id]))

    def move(self, episode: Episode, steps: int) -> None:
        self._work(self._change(upnext.move_by, episode.id, steps))

    def clear(self, count: int) -> None:
        self._work(self._clear(count))

    async def _clear(self, count: int) -> None:
        from tui.screens.dialogs import ConfirmDialog

        question = Text(f"Take all {plural(count, 'episode')} out of Up Next? They stay in "
                        "their shows, with what you played of them.")
        if await self.host.push_screen_wait(ConfirmDialog("Clear Up Next", question)):
            await self._change(upnext.clear)

    # -- the inbox ------------------------------------------------------------------
    def dismiss(self, episode: Episode) -> None:
        self._work(self._change(inbox.dismiss, [episode.id]))

    def dismiss_all(self, count: int) -> None:
        self._work(self._dismiss_all(count))

    async def _dismiss_all(self, count: int) -> None:
        from tui.screens.dialogs import ConfirmDialog

        question = Text(f"Dismiss all {plural(count, 'new episode')}? They stay in their "
                        "shows; only the inbox forgets them.")
        if await self.host.push_screen_wait(ConfirmDialog("Dismiss all", question)):
            await self._change(inbox.dismiss_all)

    # -- played marks ---------------------------------------------------------------
    def toggle_played(self, episode: Episode) -> None:
        """``m``: played leaves the queue; either way the episode is no longer new."""
        self._work(self._toggle_played(episode))

    async def _toggle_played(self, episode: Episode) -> None:
        stored: list[Episode] = []

        def marked(conn: sqlite3.Connection) -> None:
            stored.extend(mark(conn, [episode.id], not episode.played))

        if await self._change(marked) is not None:
            self.host.post_message(EpisodeChanged(stored[0], counts_changed=True))

    # -- a show's settings ----------------------------------------------------------
    def edit_settings(self, feed_id: int, title: str) -> None:
        self._work(self._edit_settings(feed_id, title))

    async def _edit_settings(self, feed_id: int, title: str) -> None:
        from tui.screens.show_settings import ShowSettingsDialog

        librarian = self.host.services.librarian
        current = await librarian.run(show_settings, feed_id, self.defaults)
        changes = await self.host.push_screen_wait(ShowSettingsDialog(title, current))
        if changes is None:
            return
        try:
            saved = await librarian.run(update_show_settings, feed_id, changes, self.defaults)
        except SettingsError as exc:
            self.host.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        self.host.notify(f"Saved the settings of {title}.", markup=False)
        self.host.post_message(ShowSettingsChanged(saved))

    # -- helpers --------------------------------------------------------------------
    async def _change(self, operation: Callable[..., Any] | None, *args: Any) -> Lists | None:
        """Run ``operation(conn, *args)`` and read the lists back, in one library call;
        announce them. None (and a notification) when the library refused."""
        librarian = self.host.services.librarian

        def change(conn: sqlite3.Connection) -> Lists:
            if operation is not None:
                operation(conn, *args)
            return read_lists(conn)

        try:
            lists = await librarian.run(change)
        except REFUSALS as exc:
            self.host.notify(str(exc), title="Nothing changed", severity="warning",
                             markup=False)
            lists = await librarian.run(read_lists)
            self.host.post_message(UpNextChanged(lists.queue, lists.inbox))
            return None
        self.host.post_message(UpNextChanged(lists.queue, lists.inbox))
        return lists

    def _say(self, episode: Episode, what: str) -> None:
        self.host.notify(f"“{clean_line(episode.title)}”{what}", markup=False)

    def _work(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        self.host.run_worker(coroutine, group="upnext", exit_on_error=False)
