"""The two list panes: subscriptions and the selected feed's episodes.

Both are row-cursor tables whose keys come from :mod:`tui.keys` (j/k, arrows, ...).
They do not inherit DataTable's own bindings, so left/right reach the app (seek) and
enter reaches the app (play) instead of moving a cell cursor. Rows are keyed by the
database id (the subscriptions pane also has a few named rows above the feeds, such as
Up Next and the inbox); every cell holding feed text is a :class:`rich.text.Text`.
The episode list also shows Up Next and the inbox: their layouts add each episode's show.
"""

from __future__ import annotations

from typing import Callable, Iterable

from rich.text import Text
from textual import events
from textual.timer import Timer
from textual.widgets import DataTable

from library.models import Episode, Feed
from tui import formatting, keys


DOWNLOADS_EVERY_S = 0.5


class PaneTable(DataTable, inherit_bindings=False):
    """A table navigated by rows, whose flexible column takes the width left over."""

    BINDINGS = keys.bindings("pane")
    FLEX_COLUMN = "title"

    def __init__(self, *, id: str, show_header: bool) -> None:
        super().__init__(id=id, cursor_type="row", show_header=show_header,
                         cursor_foreground_priority="renderable")

    @property
    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key((self.cursor_row, 0))
        return row_key.value

    @property
    def highlighted_id(self) -> int | None:
        """The database id of the row under the cursor (None on a named row)."""
        key = self.highlighted_key
        return int(key) if key is not None and key.isdigit() else None

    def select_id(self, row_id: int | str | None) -> None:
        """Put the cursor on the row with ``row_id`` (if there is one)."""
        if row_id is not None and str(row_id) in self.rows:
            self.move_cursor(row=self.get_row_index(str(row_id)))

    def on_resize(self, event: events.Resize) -> None:
        self.fit_flex_column()

    def fit_flex_column(self) -> None:
        flexible = self.flex_widths(0)
        fixed = sum(column.get_render_width(self) for key, column in self.columns.items()
                    if key.value not in flexible)
        if not self.size.width or not all(name in self.columns for name in flexible):
            return
        room = self.scrollable_content_region.width - fixed - 2 * self.cell_padding * len(
            flexible)
        for name, width in self.flex_widths(room).items():
            column = self.columns[name]  # type: ignore[index]
            if column.width != width:
                column.width = width
                column.auto_width = False
                self._require_update_dimensions = True
                self.refresh()

    def flex_widths(self, room: int) -> dict[str, int]:
        """How the columns that take the width left over share ``room`` cells."""
        return {self.FLEX_COLUMN: max(8, room)}


Row = tuple[Text, Text, Text]


class FeedsPane(PaneTable):
    """Subscriptions: status mark, title, unplayed count; named rows (Up Next, the
    inbox) above them."""

    def __init__(self) -> None:
        super().__init__(id="feeds", show_header=False)
        self.border_title = "Subscriptions"

    def on_mount(self) -> None:
        self.add_column("", key="mark", width=1)
        self.add_column("Title", key="title", width=20)
        self.add_column("", key="unplayed", width=4)

    @property
    def highlighted_place(self) -> str | None:
        """The key of the named row under the cursor (None on a feed)."""
        key = self.highlighted_key
        return key if key is not None and not key.isdigit() else None

    def show(self, feeds: list[Feed], selected_id: int | str | None,
             places: dict[str, Row] | None = None) -> None:
        """Show ``places`` (named rows, by key) and ``feeds``; when only counts or marks
        changed (a refresh), only the changed cells are redrawn, which keeps the UI
        responsive with many feeds."""
        rows = {**(places or {}), **{str(feed.id): self._cells(feed) for feed in feeds}}
        if list(rows) == [key.value for key in self.rows]:
            for key, cells in rows.items():
                for column, cell in zip(("mark", "title", "unplayed"), cells):
                    if self.get_cell(key, column) != cell:
                        self.update_cell(key, column, cell)
        else:
            self.clear()
            for key, cells in rows.items():
                self.add_row(*cells, key=key)
            self.fit_flex_column()
        self.select_id(selected_id)

    @staticmethod
    def _cells(feed: Feed) -> Row:
        return (feed_mark(feed), formatting.line(feed.display_title),
                Text(str(feed.unplayed_count or ""), style="bold", justify="right"))


def feed_mark(feed: Feed) -> Text:
    """⊘ archived, ! failing, · never fetched, nothing when healthy."""
    if feed.status == "archived":
        return Text("⊘", style="yellow")
    if feed.consecutive_failures:
        return Text("!", style="bold red")
    if feed.last_success_at is None:
        return Text("·", style="dim")
    return Text(" ")


# The episode list's columns: header and width (the flexible ones are fitted to the pane).
COLUMNS: dict[str, tuple[str | Text, int]] = {
    "date": ("Published", 10), "show": ("Show", 16), "title": ("Title", 30),
    "duration": (Text("Length", justify="right"), 8), "mark": ("", 4), "download": ("", 4)}
FEED_COLUMNS = ("date", "title", "duration", "mark", "download")
SHOW_WIDTH = (8, 24)  # the show column takes 2/5 of the free width, within these


class EpisodesTable(PaneTable):
    """The selected feed's episodes, newest first; or another list of episodes (Up
    Next, the inbox) with other ``columns``, e.g. with each episode's show.
    ``download_mark(episode_id)`` gives the download column's cell (see
    :func:`tui.download_batch.download_mark`)."""

    def __init__(self, download_mark: Callable[[int], Text] = lambda _id: Text("")) -> None:
        super().__init__(id="episodes", show_header=True)
        self.playing_id: int | None = None
        self.column_names: tuple[str, ...] = ()
        self.download_mark = download_mark
        self._downloads_changed: set[int] = set()
        self._downloads_timer: Timer | None = None

    def on_mount(self) -> None:
        self._use(FEED_COLUMNS)

    def _use(self, columns: tuple[str, ...]) -> None:
        if columns != self.column_names:
            self.clear(columns=True)
            for name in columns:
                label, width = COLUMNS[name]
                self.add_column(label, key=name, width=width)
            self.column_names = columns

    def show(self, episodes: list[Episode], selected_id: int | None,
             columns: tuple[str, ...] = FEED_COLUMNS) -> None:
        self._use(columns)
        self.clear()
        for episode in episodes:
            self.add_row(*self._cells(episode), key=str(episode.id))
        self.fit_flex_column()
        self.select_id(selected_id)

    def update_episode(self, episode: Episode) -> None:
        """Redraw one row (played flag or position changed)."""
        if str(episode.id) not in self.rows:
            return
        for column, cell in zip(self.column_names, self._cells(episode)):
            if self.get_cell(str(episode.id), column) != cell:
                self.update_cell(str(episode.id), column, cell)

    def downloads_changed(self, episode_ids: Iterable[int]) -> None:
        """Redraw these rows' download marks soon. Any change re-renders the whole visible
        table, so the changes of DOWNLOADS_EVERY_S (a few downloads reporting progress)
        are drawn together."""
        self._downloads_changed.update(episode_ids)
        if self._downloads_timer is None:
            self._downloads_timer = self.set_timer(DOWNLOADS_EVERY_S, self._redraw_downloads)

    def _redraw_downloads(self) -> None:
        self._downloads_timer = None
        changed, self._downloads_changed = self._downloads_changed, set()
        if "download" not in self.column_names:
            return
        for key in (str(episode_id) for episode_id in changed):
            if key in self.rows:
                cell = self.download_mark(int(key))
                if self.get_cell(key, "download") != cell:
                    self.update_cell(key, "download", cell)

    def flex_widths(self, room: int) -> dict[str, int]:
        if "show" not in self.column_names:
            return super().flex_widths(room)
        show = min(SHOW_WIDTH[1], max(SHOW_WIDTH[0], room * 2 // 5))
        return {"show": show, "title": max(8, room - show)}

    def _cells(self, episode: Episode) -> list[Text]:
        style = "dim" if episode.played else ""
        cells = {"date": lambda: Text(formatting.date(episode.published_at), style="dim"),
                 "show": lambda: formatting.line(episode.feed_title, "dim"),
                 "title": lambda: formatting.line(episode.title, style),
                 "duration": lambda: Text(episode.duration or "—", style=style,
                                          justify="right"),
                 "mark": lambda: self._mark(episode),
                 "download": lambda: self.download_mark(episode.id)}
        return [cells[name]() for name in self.column_names]

    def _mark(self, episode: Episode) -> Text:
        if episode.id == self.playing_id:
            return Text("▶", style="bold green")
        if episode.played:
            return Text("✓", style="green")
        if episode.progress is not None:
            return Text(f"{episode.progress:.0%}", style="cyan", justify="right")
        return Text("")
