"""Status widgets: the selected feed's header (listening time, and the archived or
failing notice), the refresh line (progress, then results), what to do in an empty
library, and a filter that matches nothing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from library.archive import ArchiveRule, archive_notice, failing_notice
from library.episodes import ListeningTime
from library.models import Feed
from library.text import clean_line, plural
from tui import formatting, keys
from tui.actions import key
from tui.messages import RefreshProgress

if TYPE_CHECKING:  # the refresh's modules load when a refresh starts
    from library.refresh import FeedOutcome

REFRESH_STATUS_EVERY_S = 0.25


class FeedHeader(VerticalScroll, can_focus=False):
    """Title of the selected feed with its listening time, and why it is archived or
    failing, if it is (a failing one: when ``rule`` would archive it). On a short
    terminal (``compact``) a notice keeps only its gist and the keys, so the episode list
    keeps its rows; what still does not fit scrolls inside the header's bounded height."""

    compact = False
    _shown: Text | None = None

    def __init__(self, rule: ArchiveRule, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rule = rule

    def compose(self):
        yield Static(id="feed-header-text")

    def show(self, feed: Feed | None, listening: ListeningTime | None,
             keymap: dict[str, str]) -> None:
        self.set_class(feed is not None and feed.status == "archived", "archived")
        self.set_class(feed is not None and feed.status != "archived"
                       and bool(feed.consecutive_failures), "failing")
        text = Text()
        if feed is not None:
            text.append(formatting.line(feed.display_title, "bold"))
            text.append(f"  {counts(feed, listening)}", style="dim")
            notice = feed_notice(feed, keymap, self.rule, self.compact)
            if notice is not None:
                text.append("\n")
                text.append(notice)
        self._update(text)

    def show_text(self, text: Text) -> None:
        """Another header than a feed's (Up Next, the inbox)."""
        self.set_class(False, "archived")
        self.set_class(False, "failing")
        self._update(text)

    def _update(self, text: Text) -> None:
        if text != self._shown:  # a refresh shows the same header often: no new layout
            shown, self._shown = self._shown, text
            static = self.query_one("#feed-header-text", Static)
            # New counts on as many lines, none of them wrapped: the header keeps its
            # height, so only its own lines are drawn again, not the lists below it.
            lines = _unwrapped_lines(text, static.size.width)
            same = (shown is not None and lines is not None
                    and lines == _unwrapped_lines(shown, static.size.width))
            static.update(text, layout=not same)


def _unwrapped_lines(text: Text, width: int) -> int | None:
    """How many lines ``text`` takes, or None when one would wrap at ``width``."""
    lines = text.split("\n", allow_blank=True)
    if width <= 0 or any(line.cell_len > width for line in lines):
        return None
    return len(lines)


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


# The keys of ArchiveNotice.actions and FailingNotice.actions, in the same order.
ARCHIVE_ACTION_KEYS = ("search_newer_version", "check_again", "edit_feed_url", "remove_feed")
FAILING_ACTION_KEYS = ("check_again", "edit_feed_url", "search_newer_version")
ACTION_GAP = 4


def feed_notice(feed: Feed, keymap: dict[str, str], rule: ArchiveRule,
                compact: bool = False) -> Text | None:
    if feed.status == "archived":
        return compact_archived_notice(feed, keymap) if compact else \
            archived_notice(feed, keymap)
    if feed.consecutive_failures:
        return failing(feed, keymap, rule, compact)
    return None


def not_fetched(feed: Feed | None, keymap: dict[str, str]) -> Text | None:
    """What the empty episode list of a feed never fetched says (in the list, not the
    header: the header keeps its height when the first fetch fills the list, so the list
    does not move and the whole screen is not laid out and drawn again)."""
    if (feed is None or feed.last_success_at is not None or feed.status == "archived"
            or feed.consecutive_failures):  # the header says what is wrong
        return None
    return Text(f"Not fetched yet: {keys.describe(key('refresh_feed'), keymap)} fetches it.",
                style="dim")


def archived_notice(feed: Feed, keymap: dict[str, str]) -> Text:
    """When? Why? What now? in the library's words, then a key for each action."""
    notice = archive_notice(feed)
    text = Text()
    text.append(f"⊘ {notice.when}", style="bold yellow")
    text.append(f"  “Refresh all” ({keys.describe(key('refresh_all'), keymap)}) skips it.\n",
                style="dim")
    text.append(f"{clean_line(notice.why)}\n")
    text.append("\n".join(notice.what_now) + "\n", style="yellow")
    text.append(action_keys(list(zip(notice.actions, ARCHIVE_ACTION_KEYS)), keymap))
    return text


def compact_archived_notice(feed: Feed, keymap: dict[str, str]) -> Text:
    """When and why, then the keys with their short names, for a short terminal."""
    notice = archive_notice(feed)
    text = Text()
    text.append(f"⊘ Archived on {formatting.date(feed.archived_at)}: ", style="bold yellow")
    text.append(f"{clean_line(notice.why)}\n")
    text.append(short_keys(ARCHIVE_ACTION_KEYS, keymap))
    return text


def failing(feed: Feed, keymap: dict[str, str], rule: ArchiveRule, compact: bool) -> Text:
    """How long it has failed, the last error, when it will be archived if it keeps
    failing (the library's words), then a key for each thing to do now."""
    notice = failing_notice(feed, rule)
    text = Text()
    if compact:
        text.append(f"! {notice.brief}\n", style="red")
        text.append(short_keys(FAILING_ACTION_KEYS, keymap))
        return text
    text.append(f"! {notice.failing}\n", style="bold red")
    text.append(f"{notice.last_error}\n")
    text.append(f"{notice.next}\n", style="yellow")
    text.append(action_keys(list(zip(notice.actions, FAILING_ACTION_KEYS)), keymap))
    return text


def action_keys(actions: list[tuple[str, str]], keymap: dict[str, str]) -> Text:
    """" f  search for a newer version     c  check again now", two a line, in aligned
    columns."""
    text = Text()
    width = max(len(action) for action, _ in actions) + ACTION_GAP
    for number, (action, key_id) in enumerate(actions):
        text.append(f" {keys.describe(key(key_id), keymap)} ", style="bold reverse")
        last_in_row = number % 2 or number == len(actions) - 1
        text.append(f" {action}" if last_in_row else f" {action}".ljust(width))
        if last_in_row and number < len(actions) - 1:
            text.append("\n")
    return text


def short_keys(key_ids: tuple[str, ...], keymap: dict[str, str]) -> Text:
    """The keys with their short names on one line, for a short terminal."""
    text = Text()
    for key_id in key_ids:
        action = key(key_id)
        text.append(f" {keys.describe(action, keymap)} ", style="bold reverse")
        text.append(f" {action.description}  ")
    text.rstrip()
    return text


class RefreshStatus(Static):
    """One line, always there: "Refreshing 37/200 feeds, 2 failed …" while a refresh
    runs; when none does, what the last one found ("Checked 200 feeds at 14:02: 3
    updated (12 new episodes), 1 failed"), and before the first, the key that starts one.

    The line keeps its place whether a refresh runs or not. A line that appeared when a
    refresh began and went away when it ended moved the panes above it, and Textual then
    laid out and drew the whole screen again: tens of milliseconds of the UI loop, twice
    per refresh. Now only this line's text changes.

    Drawn at most every :data:`REFRESH_STATUS_EVERY_S`, not for each of a refresh's
    many feeds: a line at the bottom that changes in the same frame as a row near the
    top makes Textual draw everything between them again (it redraws the box around
    all the changes)."""

    def __init__(self, refresh_key: str, **kwargs) -> None:
        super().__init__(_one_line(Text(
            f"Feeds not checked since podterm started ({refresh_key} checks them all).",
            style="dim")), **kwargs)
        self.failed = 0
        self._latest: tuple[int, int, str] = (0, 0, "")
        self._timer: Timer | None = None

    def start(self, total: int) -> None:
        self.failed = 0
        self._latest = (0, total, "")
        self._draw()

    def progress(self, message: RefreshProgress) -> None:
        self.failed += message.outcome.outcome == "failed"
        self._latest = (message.done, message.total, message.outcome.title)
        if self._timer is None:
            self._timer = self.set_timer(REFRESH_STATUS_EVERY_S, self._draw)

    def finish(self, outcomes: list[FeedOutcome], error: BaseException | None) -> None:
        """Say what the refresh found (or why it failed as a whole)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        at = datetime.now().strftime("%H:%M")
        if error is not None:
            self._show(Text(f"Refresh failed at {at}: {clean_line(str(error))}",
                            style="red"))
            return
        updated = [o for o in outcomes if o.outcome == "updated"]
        text = Text(f"Checked {plural(len(outcomes), 'feed')} at {at}: {len(updated)} "
                    f"updated ({plural(sum(o.new_episodes for o in updated), 'new episode')})",
                    style="dim")
        if self.failed:
            text.append(f", {self.failed} failed", style="red")
        self._show(text)

    def _draw(self) -> None:
        self._timer = None
        done, total, last_title = self._latest
        text = Text(f"Refreshing {done}/{plural(total, 'feed')}", style="bold")
        if self.failed:
            text.append(f", {self.failed} failed", style="red")
        if last_title:
            text.append("  ")
            text.append(formatting.line(last_title, "dim"))
        self._show(text)

    def _show(self, text: Text) -> None:
        # One fixed-height line: no layout pass for each of a refresh's many updates.
        self.update(_one_line(text), layout=False)


def _one_line(text: Text) -> Text:
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


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


class NoMatch(Static):
    """Instead of an empty episode list: which filter matched nothing."""

    def show(self, text: str | None, table: Widget) -> None:
        """Say that ``text`` matched nothing, in the place of ``table``; None: nothing
        to say (no filter, or it matched), the table is shown. Only a change is set:
        the first setting of either, even to what it already was (from the styles),
        laid out the whole screen, in the middle of the first fill of the list."""
        if self.display != bool(text) or table.display != (not text):
            self.display, table.display = bool(text), not text
        if text:
            message = Text("No episode matches ")
            message.append(f"'{clean_line(text)}'", style="bold")
            message.append(". Escape in the filter clears it.", style="dim")
            self.update(message)
