"""Feed health in the TUI: the archived feed's actions, and the directory search.

Search for a newer version, check again now, edit the feed URL (unsubscribe is the
subscriptions' remove) act on the selected feed. Nothing moves on a name alone: the new
address is fetched and parsed first, our episodes are looked for in it, and a feed that
has none of them moves only after the user confirms. The library does the work
(:mod:`library.fallback`, :mod:`library.probe`, :mod:`library.migrate`): HTTP on a plain
thread, SQLite on the librarian's thread. Those modules (and the dialogs that search
directories) are imported by the flows that use them: the first screen does not wait
for HTTP clients and parsers it does not need.
"""

from __future__ import annotations

import asyncio
from typing import Any, Coroutine

from rich.text import Text

from library.models import Feed
from library.text import clean_line
from library.urls import UnsupportedURL, check_feed_url, same_feed_key
from tui.messages import FeedsChanged, RefreshRequested, SubscribeRequested
from tui.services import Host


class FeedHealth:
    def __init__(self, host: Host) -> None:
        self.host = host

    @property
    def _config(self):
        return self.host.services.config

    # -- the archived feed's actions ------------------------------------------------
    def search_newer_version(self, feed: Feed | None) -> None:
        if feed is not None:
            self._work(self._search_newer_version(feed))

    async def _search_newer_version(self, feed: Feed) -> None:
        """The candidates; a pick that is declined or unusable comes back to them (the
        search is not run again), with the declined one highlighted."""
        from library.directory import DirectorySettings
        from library.refreshsettings import RefreshSettings
        from tui.screens.directory import NewerVersionDialog

        report, highlight = None, 0
        while True:
            dialog = NewerVersionDialog(
                feed, self.host.services.librarian,
                DirectorySettings.from_table(self._config["directory"]),
                RefreshSettings.from_table(self._config["refresh"]), report, highlight)
            finding = await self.host.push_screen_wait(dialog)
            if finding is None:
                return
            because = (f"you picked it in the search for a newer version (found by "
                       f"{finding.candidate.found_by})")
            if await self._move(feed, finding.candidate.feed_url, because):
                return
            report, highlight = dialog.report, dialog.findings.index(finding)

    def check_again(self, feed: Feed | None) -> None:
        """A refresh of this one feed; the library un-archives it if it answers."""
        if feed is not None:
            self.host.post_message(RefreshRequested([feed.id]))

    def edit_feed_url(self, feed: Feed | None) -> None:
        if feed is not None:
            self._work(self._edit_feed_url(feed))

    async def _edit_feed_url(self, feed: Feed) -> None:
        """Ask for the address; one that is refused or declined is asked for again,
        as typed, so that fixing it is one keystroke and not a retyping."""
        from tui.screens.dialogs import PromptDialog

        url = feed.url
        while True:
            url = await self.host.push_screen_wait(PromptDialog(
                "Edit the feed URL", "The new address is fetched first; it must be a feed. "
                "Played episodes and positions are kept.", value=url))
            if not url or await self._move(feed, url, "you edited its address"):
                return

    async def _move(self, feed: Feed, url: str, because: str) -> bool:
        """Probe ``url``, compare its episodes with ours, confirm if none match, migrate.
        False when it did not move (the address is refused, not a feed, or declined)."""
        from library.migrate import evidence, migrate_feed
        from library.probe import probe_feeds
        from library.refreshsettings import RefreshSettings
        from tui.screens.dialogs import ConfirmDialog, MessageDialog

        try:
            url = check_feed_url(url)
        except UnsupportedURL as exc:
            self.host.notify(str(exc), title="Cannot use this address", severity="error",
                             markup=False)
            return False
        if same_feed_key(url) == same_feed_key(feed.url):
            self.host.notify("That is already the feed's address.", markup=False)
            return False
        self.host.notify(f"Checking {url} …", markup=False)
        settings = RefreshSettings.from_table(self._config["refresh"])
        [probe] = await asyncio.to_thread(probe_feeds, [url], settings)
        if probe.parsed is None:
            await self.host.push_screen_wait(MessageDialog(
                "Not a usable feed", f"{url}: {probe.error}\n\nThe subscription was not "
                "changed."))
            return False
        librarian = self.host.services.librarian
        found = await librarian.run(evidence, feed.id, probe.parsed)
        if found.matched == 0 and found.ours:
            question = Text(f"{probe.final_url}\n{found.describe()}.\n\nIt may be a "
                            "different show. Move ")
            question.append(clean_line(feed.display_title), style="bold")
            question.append(" there anyway?")
            if not await self.host.push_screen_wait(ConfirmDialog("A different show?",
                                                                  question)):
                self.host.notify(f"{feed.display_title} was not moved.", markup=False)
                return False
        found = await librarian.run(migrate_feed, feed.id, probe.final_url, probe.parsed,
                                    because)
        self.host.notify(f"Moved {feed.display_title} to {probe.final_url}: "
                         f"{found.describe()}. Played episodes and positions were kept.",
                         title="Moved", timeout=15, markup=False)
        self.host.post_message(FeedsChanged(select=feed.id))
        return True

    # -- finding new shows ----------------------------------------------------------
    def search_directory(self) -> None:
        self._work(self._search_directory())

    async def _search_directory(self) -> None:
        from library.directory import DirectorySettings
        from tui.screens.directory import DirectorySearchDialog

        listing = await self.host.push_screen_wait(DirectorySearchDialog(
            DirectorySettings.from_table(self._config["directory"]),
            self.host.services.librarian))
        if listing is None:
            return
        if listing.subscribed is not None:  # never twice: go to it instead
            self.host.notify(f"You already subscribe to this show: {listing.subscribed.title} "
                             f"({listing.subscribed.why}).", markup=False)
            self.host.post_message(FeedsChanged(select=listing.subscribed.of))
            return
        candidate = listing.candidate
        self.host.post_message(SubscribeRequested(candidate.feed_url, candidate.title,
                                                  candidate.itunes_id))

    def _work(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self.host.run_worker(coroutine, group="health", exit_on_error=False)
