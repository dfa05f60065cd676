"""Status widgets: the selected feed's header (listening time, and the archived
notice), refresh progress, and what to do in an empty library."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from library.archive import archive_notice
from library.episodes import ListeningTime
from library.models import Feed
from library.text import clean_line
from tui import formatting, keys
from tui.actions import key
from library.text import plural
from tui.messages import RefreshProgress


class FeedHeader(VerticalScroll, can_focus=False):
    """Title of the selected feed with its listening time, and why it is archived or
    failing, if it is. On a short terminal (``compact``) the archived notice keeps only
    when, why and the keys, so the episode list keeps its rows; what still does not fit
    scrolls inside the header's bounded height."""

    compact = False
    _shown: Text | None = None

    def compose(self):
        yield Static(id="feed-header-text")

    def show(self, feed: Feed | None, listening: ListeningTime | None,
             keymap: dict[str, str]) -> None:
        self.set_class(feed is not None and feed.status == "archived", "archived")
        text = Text()
        if feed is not None:
            text.append(formatting.line(feed.display_title, "bold"))
            text.append(f"  {counts(feed, listening)}", style="dim")
            notice = feed_notice(feed, keymap, self.compact)
            if notice is not None:
                text.append("\n")
                text.append(notice)
        self._update(text)

    def show_text(self, text: Text) -> None:
        """Another header than a feed's (Up Next, the inbox)."""
        self.set_class(False, "archived")
        self._update(text)

    def _update(self, text: Text) -> None:
        if text != self._shown:  # a refresh shows the same header often: no new layout
            self._shown = text
            self.query_one("#feed-header-text", Static).update(text)


def counts(feed: Feed, listening: ListeningTime | None) -> str:
    """"392 episodes, 385:12:57; 391 unplayed, 384:40:12 left" (times once loaded)."""
    if listening is None:
        return (f"{plural(feed.episode_count, 'episode')}, "
                f"{feed.unplayed_count} unplayed")
    total = f", {formatting.clock(listening.total_s)}" if listening.total_s else ""
    left = (f", {formatting.clock(listening.unplayed_left_s)} left"
            if listening.unplayed_left_s not in (0, listening.total_s) else "")
    return (f"{plural(listening.episodes, 'episode')}{total}; "
            f"{listening.unplayed} unplayed{left}")


# The keys of ArchiveNotice.actions, in the same order.
ARCHIVE_ACTION_KEYS = ("search_newer_version", "check_again", "edit_feed_url", "remove_feed")
ACTION_GAP = 4


def feed_notice(feed: Feed, keymap: dict[str, str], compact: bool = False) -> Text | None:
    if feed.status == "archived":
        return compact_archived_notice(feed, keymap) if compact else \
            archived_notice(feed, keymap)
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
    text.append(f"  “Refresh all” ({keys.describe(key('refresh_all'), keymap)}) skips it.\n",
                style="dim")
    text.append(f"{clean_line(notice.why)}\n")
    text.append("\n".join(notice.what_now) + "\n", style="yellow")
    actions = list(zip(notice.actions, ARCHIVE_ACTION_KEYS))
    width = max(len(action) for action, _ in actions) + ACTION_GAP
    for number, (action, key_id) in enumerate(actions):
        text.append(f" {keys.describe(key(key_id), keymap)} ", style="bold reverse")
        last_in_row = number % 2 or number == len(actions) - 1
        text.append(f" {action}" if last_in_row else f" {action}".ljust(width))
        if last_in_row and number < len(actions) - 1:
            text.append("\n")
    return text


def compact_archived_notice(feed: Feed, keymap: dict[str, str]) -> Text:
    """When and why, then the keys with their short names, for a short terminal."""
    notice = archive_notice(feed)
    text = Text()
    text.append(f"⊘ Archived on {formatting.date(feed.archived_at)}: ", style="bold yellow")
    text.append(f"{clean_line(notice.why)}\n")
    for key_id in ARCHIVE_ACTION_KEYS:
        action = key(key_id)
        text.append(f" {keys.describe(action, keymap)} ", style="bold reverse")
        text.append(f" {action.description}  ")
    text.rstrip()
    return text


class RefreshStatus(Static):
    """"Refreshing 37/200 feeds, 2 failed …" while a refresh runs; hidden otherwise."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.failed = 0

    def start(self, total: int) -> None:
        self.failed = 0
        self._show(0, total, "")
        self.display = True

    def progress(self, message: RefreshProgress) -> None:
        self.failed += message.outcome.outcome == "failed"
        self._show(message.done, message.total, message.outcome.title)

    def finish(self) -> None:
        self.display = False

    def _show(self, done: int, total: int, last_title: str) -> None:
        text = Text(f"Refreshing {done}/{plural(total, 'feed')}", style="bold")
        if self.failed:
            text.append(f", {self.failed} failed", style="red")
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
