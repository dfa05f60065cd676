"""The two list panes: subscriptions and the selected feed's episodes.

Both are row-cursor tables whose keys come from :mod:`tui.keys` (j/k, arrows, ...).
They do not inherit DataTable's own bindings, so left/right reach the app (seek) and
enter reaches the app (play) instead of moving a cell cursor. Rows are keyed by the
database id; every cell holding feed text is a :class:`rich.text.Text`.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from library.models import Episode, Feed
from tui import formatting, keys


class PaneTable(DataTable, inherit_bindings=False):
    """A table navigated by rows, whose flexible column takes the width left over."""

    BINDINGS = keys.bindings("pane")
    FLEX_COLUMN = "title"

    def __init__(self, *, id: str, show_header: bool) -> None:
        super().__init__(id=id, cursor_type="row", show_header=show_header,
                         cursor_foreground_priority="renderable")

    @property
    def highlighted_id(self) -> int | None:
        """The database id of the row under the cursor."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key((self.cursor_row, 0))
        return int(row_key.value) if row_key.value is not None else None

    def select_id(self, row_id: int | None) -> None:
        """Put the cursor on the row with ``row_id`` (if there is one)."""
        if row_id is not None and str(row_id) in self.rows:
            self.move_cursor(row=self.get_row_index(str(row_id)))

    def on_resize(self, event: events.Resize) -> None:
        self.fit_flex_column()

    def fit_flex_column(self) -> None:
        fixed = sum(column.get_render_width(self) for key, column in self.columns.items()
                    if key.value != self.FLEX_COLUMN)
        column = self.columns.get(self.FLEX_COLUMN)  # type: ignore[call-overload]
        if column is None or not self.size.width:
            return
        width = max(8, self.scrollable_content_region.width - fixed - 2 * self.cell_padding)
        if column.width != width:
            column.width = width
            column.auto_width = False
            self._require_update_dimensions = True
            self.refresh()


class FeedsPane(PaneTable):
    """Subscriptions: status mark, title, unplayed count."""

    def __init__(self) -> None:
        super().__init__(id="feeds", show_header=False)
        self.border_title = "Subscriptions"

    def on_mount(self) -> None:
        self.add_column("", key="mark", width=1)
        self.add_column("Title", key="title", width=20)
        self.add_column("", key="unplayed", width=4)

    def show(self, feeds: list[Feed], selected_id: int | None) -> None:
        """Show ``feeds``; when only counts or marks changed (a refresh), only the
        changed cells are redrawn, which keeps the UI responsive with many feeds."""
        rows = {str(feed.id): self._cells(feed) for feed in feeds}
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
    def _cells(feed: Feed) -> tuple[Text, Text, Text]:
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


class EpisodesTable(PaneTable):
    """The selected feed's episodes, newest first."""

    def __init__(self) -> None:
        super().__init__(id="episodes", show_header=True)
        self.playing_id: int | None = None

    def on_mount(self) -> None:
        self.add_column("Published", key="date", width=10)
        self.add_column("Title", key="title", width=30)
        self.add_column(Text("Length", justify="right"), key="duration", width=8)
        self.add_column("", key="mark", width=4)

    def show(self, episodes: list[Episode], selected_id: int | None) -> None:
        self.clear()
        for episode in episodes:
            self.add_row(*self._cells(episode), key=str(episode.id))
        self.fit_flex_column()
        self.select_id(selected_id)

    def update_episode(self, episode: Episode) -> None:
        """Redraw one row (played flag or position changed)."""
        if str(episode.id) not in self.rows:
            return
        for column, cell in zip(("date", "title", "duration", "mark"), self._cells(episode)):
            self.update_cell(str(episode.id), column, cell)

    def _cells(self, episode: Episode) -> tuple[Text, Text, Text, Text]:
        style = "dim" if episode.played else ""
        return (Text(formatting.date(episode.published_at), style="dim"),
                formatting.line(episode.title, style),
                Text(episode.duration or "—", style=style, justify="right"),
                self._mark(episode))

    def _mark(self, episode: Episode) -> Text:
        if episode.id == self.playing_id:
            return Text("▶", style="bold green")
        if episode.played:
            return Text("✓", style="green")
        if episode.progress is not None:
            return Text(f"{episode.progress:.0%}", style="cyan", justify="right")
        return Text("")
