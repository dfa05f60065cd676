"""One-line status widgets: the selected feed's health, refresh progress, empty library."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from library.models import Feed
from tui import formatting


class FeedHeader(Static):
    """Title of the selected feed, and why it is archived or failing, if it is."""

    def show(self, feed: Feed | None) -> None:
        if feed is None:
            self.update("")
            return
        text = Text()
        text.append(formatting.line(feed.display_title, "bold"))
        plural = "" if feed.episode_count == 1 else "s"
        count = f"  {feed.episode_count} episode{plural}, {feed.unplayed_count} unplayed"
        text.append(count, style="dim")
        notice = feed_notice(feed)
        if notice is not None:
            text.append("\n")
            text.append(notice)
        self.update(text)


def feed_notice(feed: Feed) -> Text | None:
    if feed.status == "archived":
        reason = f": {formatting.line(feed.last_error).plain}" if feed.last_error else ""
        return Text(f"⊘ Archived {formatting.date(feed.archived_at)}{reason}. It is no longer "
                    "refreshed with the others; r checks it again.", style="yellow")
    if feed.consecutive_failures:
        last_ok = formatting.date(feed.last_success_at)
        return Text(f"! The last {feed.consecutive_failures} refreshes failed "
                    f"(last success {last_ok}): {formatting.line(feed.last_error).plain}",
                    style="red")
    if feed.last_success_at is None:
        return Text("Not fetched yet: r fetches it.", style="dim")
    return None


class RefreshStatus(Static):
    """"Refreshing 37/200 feeds, 2 failed …" while a refresh runs; hidden otherwise."""

    def show_progress(self, done: int, total: int, failed: int, last_title: str) -> None:
        text = Text(f"Refreshing {done}/{total} feeds", style="bold")
        if failed:
            text.append(f", {failed} failed", style="red")
        if last_title:
            text.append("  ")
            text.append(formatting.line(last_title, "dim"))
        self.update(text)


class EmptyLibrary(Static):
    """What to do first, instead of empty panes."""

    def show_keys(self, add_key: str, import_key: str) -> None:
        text = Text()
        text.append("No subscriptions yet.\n\n", style="bold")
        text.append("Press ")
        text.append(add_key, style="bold reverse")
        text.append(" to add a podcast by the address of its feed (https://…).\n")
        text.append("Press ")
        text.append(import_key, style="bold reverse")
        text.append(" to import an OPML file exported by another podcast app.\n\n")
        text.append("To try podterm without your own feeds, run: podterm demo", style="dim")
        self.update(text)
