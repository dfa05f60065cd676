"""Status widgets: the selected feed's health (with the archived notice), refresh
progress, and what to do in an empty library."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from library.archive import archive_notice
from library.models import Feed
from library.text import clean_line
from tui import formatting, keys


class FeedHeader(Static):
    """Title of the selected feed, and why it is archived or failing, if it is."""

    def show(self, feed: Feed | None) -> None:
        self.set_class(feed is not None and feed.status == "archived", "archived")
        if feed is None:
            self.update("")
            return
        text = Text()
        text.append(formatting.line(feed.display_title, "bold"))
        plural = "" if feed.episode_count == 1 else "s"
        count = f"  {feed.episode_count} episode{plural}, {feed.unplayed_count} unplayed"
        text.append(count, style="dim")
        notice = feed_notice(feed, getattr(self.app, "keymap", {}))
        if notice is not None:
            text.append("\n")
            text.append(notice)
        self.update(text)


# The keys of ArchiveNotice.actions, in the same order.
ARCHIVE_ACTION_KEYS = ("search_newer_version", "check_again", "edit_feed_url", "remove_feed")
ACTION_GAP = 4


def feed_notice(feed: Feed, keymap: dict[str, str]) -> Text | None:
    if feed.status == "archived":
        return archived_notice(feed, keymap)
    if feed.consecutive_failures:
        last_ok = formatting.date(feed.last_success_at)
        return Text(f"! The last {feed.consecutive_failures} refreshes failed "
                    f"(last success {last_ok}): {formatting.line(feed.last_error).plain}",
                    style="red")
    if feed.last_success_at is None:
        return Text("Not fetched yet: r fetches it.", style="dim")
    return None


def archived_notice(feed: Feed, keymap: dict[str, str]) -> Text:
    """When? Why? What now? in the library's words, then a key for each action."""
    notice = archive_notice(feed)
    text = Text()
    text.append(f"⊘ {notice.when}", style="bold yellow")
    text.append(f"  “Refresh all” ({keys.describe('refresh_all', keymap)}) skips it.\n",
                style="dim")
    text.append(f"{clean_line(notice.why)}\n")
    text.append("\n".join(notice.what_now) + "\n", style="yellow")
    actions = list(zip(notice.actions, ARCHIVE_ACTION_KEYS))
    width = max(len(action) for action, _ in actions) + ACTION_GAP
    for number, (action, key_id) in enumerate(actions):
        text.append(f" {keys.describe(key_id, keymap)} ", style="bold reverse")
        last_in_row = number % 2 or number == len(actions) - 1
        text.append(f" {action}" if last_in_row else f" {action}".ljust(width))
        if last_in_row and number < len(actions) - 1:
            text.append("\n")
    return text


class RefreshStatus(Static):
    """"Refreshing 37/200 feeds, 2 failed …" while a refresh runs; hidden otherwise."""

    def show_progress(self, done: int, total: int, failed: int, last_title: str) -> None:
        text = Text(f"Refreshing {done}/{total} feeds", style="bold")
        if failed:
            text.append(f", {failed} failed", style="red")
        if last_title:
            text.append("  ")
            text.append(formatting.line(last_title, "dim"))
        # One fixed-height line: no layout pass for each of a refresh's many updates.
        self.update(text, layout=False)


class EmptyLibrary(Static):
    """What to do first, instead of empty panes."""

    def show_keys(self, add_key: str, import_key: str, search_key: str) -> None:
        text = Text()
        text.append("No subscriptions yet.\n\n", style="bold")
        text.append("Press ")
        text.append(search_key, style="bold reverse")
        text.append(" to search podcast directories by title.\n")
        text.append("Press ")
        text.append(add_key, style="bold reverse")
        text.append(" to add a podcast by the address of its feed (https://…).\n")
        text.append("Press ")
        text.append(import_key, style="bold reverse")
        text.append(" to import an OPML file exported by another podcast app.\n\n")
        text.append("To try podterm without your own feeds, run: podterm demo", style="dim")
        self.update(text)
