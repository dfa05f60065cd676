"""Feed health in the TUI: the archived feed's actions, and the directory search.

Search for a newer version, check again now, edit the feed URL (unsubscribe is the
subscriptions' remove) act on the selected feed. Nothing moves on a name alone: the new
address is fetched and parsed first, our episodes are looked for in it, and a feed that
has none of them moves only after the user confirms. The library does the work
(:mod:`library.fallback`, :mod:`library.probe`, :mod:`library.migrate`): HTTP on a plain
thread, SQLite on the librarian's thread.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text

from library.directory import Candidate, DirectorySettings
from library.fallback import Finding
from library.migrate import evidence, migrate_feed
from library.models import Feed
from library.probe import probe_feeds
from library.refresh import RefreshSettings
from library.text import clean_line
from library.urls import UnsupportedURL, check_feed_url, same_feed_key
from tui.screens.dialogs import ConfirmDialog, MessageDialog, PromptDialog
from tui.screens.directory import DirectorySearchDialog, NewerVersionDialog

if TYPE_CHECKING:
    from tui.app import PodtermApp

ACTIONS = frozenset({"search_newer_version", "check_again", "edit_feed_url"})


class FeedHealth:
    def __init__(self, app: "PodtermApp") -> None:
        self.app = app

    def applies(self, action: str) -> bool | None:
        """For ``check_action``: searching applies to archived and failing feeds, checking
        again to archived ones (both hidden otherwise), editing the URL to any feed."""
        feed = self.app.feed(self.app.selected_feed_id)
        if action == "edit_feed_url":
            return True if feed is not None else None
        if feed is None:
            return False
        if action == "check_again":
            return feed.status == "archived"
        return feed.status == "archived" or bool(feed.consecutive_failures)

    # -- the archived feed's actions ------------------------------------------------
    def search_newer_version(self) -> None:
        feed = self.app.feed(self.app.selected_feed_id)
        if feed is None:
            return
        config = self.app.config
        dialog = NewerVersionDialog(feed, self.app.librarian,
                                    DirectorySettings.from_table(config["directory"]),
                                    RefreshSettings.from_table(config["refresh"]))

        def picked(finding: Finding | None) -> None:
            if finding is not None:
                because = (f"you picked it in the search for a newer version (found by "
                           f"{finding.candidate.found_by})")
                self._work(self._move(feed, finding.candidate.feed_url, because))

        self.app.push_screen(dialog, picked)

    def check_again(self) -> None:
        """A refresh of this one feed; the library un-archives it if it answers."""
        if self.app.selected_feed_id is not None:
            self.app.subscriptions.refresh([self.app.selected_feed_id])

    def edit_feed_url(self) -> None:
        feed = self.app.feed(self.app.selected_feed_id)
        if feed is None:
            return
        self.app.push_screen(
            PromptDialog("Edit the feed URL",
                         "The new address is fetched first; it must be a feed. Played "
                         "episodes and positions are kept.", value=feed.url),
            lambda url: url and self._work(self._move(feed, url, "you edited its address")))

    async def _move(self, feed: Feed, url: str, because: str) -> None:
        """Probe ``url``, compare its episodes with ours, confirm if none match, migrate."""
        try:
            url = check_feed_url(url)
        except UnsupportedURL as exc:
            self.app.notify(str(exc), title="Cannot use this address", severity="error",
                            markup=False)
            return
        if same_feed_key(url) == same_feed_key(feed.url):
            self.app.notify("That is already the feed's address.", markup=False)
            return
        self.app.notify(f"Checking {url} …", markup=False)
        settings = RefreshSettings.from_table(self.app.config["refresh"])
        [probe] = await asyncio.to_thread(probe_feeds, [url], settings)
        if probe.parsed is None:
            self.app.push_screen(MessageDialog(
                "Not a usable feed", f"{url}: {probe.error}\n\nThe subscription was not "
                "changed."))
            return
        found = await self.app.librarian.run(evidence, feed.id, probe.parsed)
        if found.matched == 0 and found.ours:
            question = Text(f"{probe.final_url}\n{found.describe()}.\n\nIt may be a "
                            "different show. Move ")
            question.append(clean_line(feed.display_title), style="bold")
            question.append(" there anyway?")
            if not await self.app.push_screen_wait(ConfirmDialog("A different show?", question)):
                self.app.notify(f"{feed.display_title} was not moved.", markup=False)
                return
        found = await self.app.librarian.run(migrate_feed, feed.id, probe.final_url,
                                             probe.parsed, because)
        self.app.notify(f"Moved {feed.display_title} to {probe.final_url}: {found.describe()}."
                        " Played episodes and positions were kept.", title="Moved",
                        timeout=15, markup=False)
        self.app.load_feeds(select=feed.id)

    # -- finding new shows ----------------------------------------------------------
    def search_directory(self) -> None:
        settings = DirectorySettings.from_table(self.app.config["directory"])

        def picked(candidate: Candidate | None) -> None:
            if candidate is not None:
                self.app.subscriptions.subscribe(candidate.feed_url, candidate.title,
                                                 candidate.itunes_id)

        self.app.push_screen(DirectorySearchDialog(settings), picked)

    def _work(self, coroutine) -> None:
        self.app.run_worker(coroutine, group="health", exit_on_error=False)
