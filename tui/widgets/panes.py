"""The two list panes: subscriptions and the selected feed's episodes.

Both are :class:`~tui.widgets.rowlist.RowList` s: only the rows on screen are drawn, so a
feed of thousands of episodes shows as fast as one of ten. Their keys come from
:mod:`tui.keys` (j/k, arrows, ...); left/right reach the screen (seek) and enter reaches
it (play). Rows are known by the database id (the subscriptions pane also has a few
named rows above the feeds, such as Up Next and the inbox); every cell holding feed text
is a :class:`rich.text.Text`. The episode list also shows Up Next and the inbox: their
layouts add each episode's show. The screen gives both one
:class:`~tui.widgets.painting.LinePainter`: their changed lines share each frame.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence, Union

from rich.text import Text
from textual.timer import Timer

from library.models import Episode, Feed
from library.record import Record
from tui import formatting
from tui.widgets.painting import LinePainter
from tui.widgets.rowlist import Column, RowKey, RowList

DOWNLOADS_EVERY_S = 0.5

Row = tuple[Text, Text, Text]


class Place(Record, frozen=True):
    """A named row above the subscriptions (Up Next, the inbox): its key and cells."""

    id: str
    row: Row


class FeedsPane(RowList[Union[Place, Feed]]):
    """Subscriptions: status mark, title, unplayed count; named rows (Up Next, the
    inbox) above them."""

    COLUMNS = (Column("mark", width=1), Column("title", "Title"),
               Column("unplayed", width=4, justify="right"))

    def __init__(self, painter: LinePainter | None = None) -> None:
        super().__init__(id="feeds", show_header=False, painter=painter)
        self.border_title = "Subscriptions"

    @property
    def highlighted_place(self) -> str | None:
        """The key of the named row under the cursor (None on a feed)."""
        key = self.highlighted_key
        return key if isinstance(key, str) else None

    def show(self, feeds: Sequence[Feed], selected_id: RowKey | None,
             places: dict[str, Row] | None = None) -> None:
        """Show ``places`` (named rows, by key) and ``feeds``; only the rows whose cells
        changed are drawn again (a refresh changes a few counts)."""
        named = [Place(key, row) for key, row in (places or {}).items()]
        self.set_rows([*named, *feeds] if named else feeds, selected_id)

    def cells(self, item: Place | Feed) -> Row:
        if isinstance(item, Place):
            return item.row
        return (feed_mark(item), formatting.line(item.display_title),
                Text(str(item.unplayed_count or ""), style="bold", justify="right"))


def feed_mark(feed: Feed) -> Text:
    """⊘ archived, ! failing, · never fetched, nothing when healthy."""
    if feed.status == "archived":
        return Text("⊘", style="yellow")
    if feed.consecutive_failures:
        return Text("!", style="bold red")
    if feed.last_success_at is None:
        return Text("·", style="dim")
    return Text(" ")


# The episode list's columns (title and show share the width left over).
COLUMNS = {column.key: column for column in (
    Column("date", "Published", 10), Column("show", "Show"), Column("title", "Title"),
    Column("duration", "Length", 8, "right"), Column("mark", width=4),
    Column("download", width=4))}
FEED_COLUMNS = ("date", "title", "duration", "mark", "download")
SHOW_WIDTH = (8, 24)  # the show column takes 2/5 of the free width, within these


class EpisodesTable(RowList[Episode]):
    """The selected feed's episodes, newest first; or another list of episodes (Up
    Next, the inbox) with other ``columns``, e.g. with each episode's show.
    ``download_mark(episode_id)`` gives the download column's cell (see
    :func:`tui.download_batch.download_mark`)."""

    COLUMNS = tuple(COLUMNS[name] for name in FEED_COLUMNS)

    def __init__(self, download_mark: Callable[[int], Text] = lambda _id: Text(""),
                 painter: LinePainter | None = None) -> None:
        super().__init__(id="episodes", show_header=True, painter=painter)
        self.playing_id: int | None = None
        self.download_mark = download_mark
        self._downloads_changed: set[int] = set()
        self._downloads_timer: Timer | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns)

    def show(self, episodes: Sequence[Episode], selected_id: int | None,
             columns: tuple[str, ...] = FEED_COLUMNS) -> None:
        self.set_columns(tuple(COLUMNS[name] for name in columns))
        self.set_rows(episodes, selected_id)

    def update_episode(self, episode: Episode) -> None:
        """Redraw one row (played flag or position changed)."""
        self.update_row(episode)

    def downloads_changed(self, episode_ids: Iterable[int]) -> None:
        """Redraw these rows' download marks soon: the changes of DOWNLOADS_EVERY_S (a
        few downloads reporting progress) are drawn together."""
        self._downloads_changed.update(episode_ids)
        if self._downloads_timer is None:
            self._downloads_timer = self.set_timer(DOWNLOADS_EVERY_S, self._redraw_downloads)

    def _redraw_downloads(self) -> None:
        self._downloads_timer = None
        changed, self._downloads_changed = self._downloads_changed, set()
        if "download" in self.column_names:
            self.redraw_rows(changed)

    def below_cursor(self) -> list[Episode]:
        """The episodes listed after the highlighted one (what plays next)."""
        return list(self.items[self.cursor_row + 1:])

    def above_cursor(self) -> list[Episode]:
        """The episodes listed before the highlighted one, in list order."""
        return list(self.items[:self.cursor_row])

    def flex_widths(self, room: int) -> dict[str, int]:
        if "show" not in self.column_names:
            return super().flex_widths(room)
        show = min(SHOW_WIDTH[1], max(SHOW_WIDTH[0], room * 2 // 5))
        return {"show": show, "title": max(8, room - show)}

    def cells(self, episode: Episode) -> list[Text]:
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
