"""A list of rows that draws only the rows on screen: the subscriptions and episodes.

Textual's DataTable builds, measures and stores every row when rows are added (about
0.2 ms a row here): a feed of 2,500 episodes held the UI loop for half a second, and a
refresh that reloads the selected feed did that again for each of its updates. A
:class:`RowList` keeps the items themselves (feeds, episodes) and makes the cells of a
row only when that row is drawn, so showing a list of any length is the same small
work on the UI loop. Only rows whose cells changed are drawn again: moving the cursor
redraws two rows, and a refresh that changes one feed's count redraws that row.

Subclasses give the columns (:class:`Column`; the flexible ones share the width left
over, see :meth:`RowList.flex_widths`; :meth:`RowList.set_columns` changes them) and
:meth:`RowList.cells` of an item, as :class:`rich.text.Text` (feed text stays literal).
Rows are known by their item's ``id`` (a database id, or a name such as Up Next's);
moving the cursor to another row posts :class:`RowList.Highlighted`. Changed lines are
drawn a few per frame by a :class:`~tui.widgets.painting.LinePainter`, which the lists
of a screen share.
"""

from __future__ import annotations

from typing import Callable, Generic, Iterable, Protocol, Sequence, TypeVar, Union

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from library.record import Record
from tui import keys
from tui.widgets.painting import LinePainter
from tui.widgets.virtualsize import SteadyScrollView, set_virtual_size

CELL_PADDING = 1   # spaces left and right of every cell, as DataTable draws them
FLEX_MIN_WIDTH = 8


RowKey = Union[int, str]   # a row's item id: a database id, or the name of a named row


class HasId(Protocol):
    @property
    def id(self) -> RowKey: ...


Item = TypeVar("Item", bound=HasId)


class Column(Record, frozen=True):
    """A column of a RowList: its heading and width."""

    key: str
    label: str = ""
    width: int = 0             # 0: a flexible column, which takes (a share of) the rest
    justify: str = "left"      # a cell's own Text.justify wins


class RowList(SteadyScrollView, Generic[Item], can_focus=True, inherit_bindings=False):
    """Rows of items with a row cursor, moved with the pane keys of :mod:`tui.keys`
    (j/k, arrows, page up/down, home/end) or the mouse."""

    BINDINGS = keys.bindings("pane")
    COMPONENT_CLASSES = {"rowlist--header", "rowlist--cursor"}
    DEFAULT_CSS = """
    RowList {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
            & > .rowlist--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .rowlist--header { background-tint: $foreground 5%; }
        }
        & > .rowlist--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .rowlist--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COLUMNS: tuple[Column, ...] = ()

    class Highlighted(Message):
        """The cursor is on another row (``row_id`` None: the list is empty)."""

        def __init__(self, row_list: "RowList", row_id: RowKey | None) -> None:
            super().__init__()
            self.row_list = row_list
            self.row_id = row_id

        @property
        def control(self) -> "RowList":
            return self.row_list

    def __init__(self, *, id: str, show_header: bool,
                 painter: LinePainter | None = None) -> None:
        super().__init__(id=id)
        self.show_header = show_header
        self.items: Sequence[Item] = ()
        self.columns: tuple[Column, ...] = self.COLUMNS
        self.cursor_row = 0
        self._index: dict[RowKey, int] = {}     # item id -> row
        self._lines: dict[tuple[int, int], Strip] = {}   # (row, width) -> drawn row
        self._highlighted: RowKey | None = None
        self._styles: tuple[Style, Style] | None = None   # see _row_styles
        self.empty_text: Text | None = None   # shown in the first row of an empty list
        self._unpainted: set[int] = set()   # lines to draw again in a later frame
        self._painter = painter or LinePainter()
        self._reloading = False             # set_rows is scrolling (see watch_scroll_y)
        self._width_for: tuple[tuple[Size, bool], int] | None = None   # see _row_width

    # -- what a subclass says ----------------------------------------------------------
    def cells(self, item: Item) -> Sequence[Text | str]:
        """The cells of ``item``'s row, one per column."""
        raise NotImplementedError

    def flex_widths(self, room: int) -> dict[str, int]:
        """How the flexible columns share the ``room`` cells left over (by column key);
        by default they share it evenly."""
        flexible = [column.key for column in self.columns if not column.width]
        share = room // max(1, len(flexible))
        return {key: max(FLEX_MIN_WIDTH, share) for key in flexible}

    def set_columns(self, columns: tuple[Column, ...]) -> None:
        """Show other columns (the cells of :meth:`cells` follow them)."""
        if columns != self.columns:
            self.columns = columns
            self._lines.clear()
            self.refresh()

    # -- the rows ----------------------------------------------------------------------
    def set_rows(self, items: Sequence[Item], select: RowKey | None = None) -> None:
        """Show ``items``. The cursor goes to the row of id ``select``, else stays on the
        item it was on, else goes to the first row."""
        current, before = self.highlighted_key, self._on_screen()
        self.items = items
        self._index = {item.id: row for row, item in enumerate(items)}
        target = select if select in self._index else current
        self.cursor_row = self._index.get(target, 0) if target is not None else 0
        self._reloading = True
        try:
            set_virtual_size(self, Size(0, len(self.items) + self._header_height))
            self._scroll_to_cursor()
        finally:
            self._reloading = False
        self._repaint(before)
        self._announce()

    def update_row(self, item: Item) -> None:
        """Redraw the row of ``item`` (same id, new values, or how it is drawn changed)."""
        row = self._index.get(item.id)
        if row is None:
            return
        if isinstance(self.items, list):
            self.items[row] = item
        else:
            self.items = [*self.items[:row], item, *self.items[row + 1:]]
        self._lines.clear()
        line = row - int(self.scroll_y)
        if 0 <= line < self._visible_rows:
            self.refresh(Region(0, line + self._header_height, self.size.width, 1))

    def redraw_rows(self, row_ids: Iterable[RowKey]) -> None:
        """Draw the rows of these ids again (what :meth:`cells` gives for them changed)."""
        for row_id in row_ids:
            row = self._index.get(row_id)
            if row is not None:
                self.update_row(self.items[row])

    def clear(self) -> None:
        self.set_rows(())

    def set_empty_text(self, text: Text | None) -> None:
        """What an empty list says in its first row (None: nothing)."""
        if text != self.empty_text:
            self.empty_text = text
            if not self.items:
                self.refresh(Region(0, self._header_height, self.size.width, 1))

    @property
    def row_count(self) -> int:
        return len(self.items)

    @property
    def highlighted(self) -> Item | None:
        return self.items[self.cursor_row] if self.items else None

    @property
    def highlighted_key(self) -> RowKey | None:
        """The id of the item under the cursor (None: the list is empty)."""
        item = self.highlighted
        return None if item is None else item.id

    @property
    def highlighted_id(self) -> int | None:
        """The database id of the item under the cursor (None on a named row)."""
        key = self.highlighted_key
        return key if isinstance(key, int) else None

    def get_row_at(self, row: int) -> list[Text]:
        """The cells of a row as drawn (before fitting them to their columns)."""
        return [cell if isinstance(cell, Text) else Text(cell)
                for cell in self.cells(self.items[row])]

    def get_cell(self, row_id: RowKey, column: str) -> Text:
        """The cell in ``column`` of the row of ``row_id``, as drawn."""
        keys = [c.key for c in self.columns]
        return self.get_row_at(self._index[row_id])[keys.index(column)]

    def move_cursor(self, row: int) -> None:
        if not self.items:
            return
        row = max(0, min(row, len(self.items) - 1))
        before = self._on_screen()
        self.cursor_row = row
        self._scroll_to_cursor()
        self._repaint(before)
        self._announce()

    # -- keys and mouse ----------------------------------------------------------------
    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._visible_rows)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._visible_rows)

    def action_scroll_top(self) -> None:
        self.move_cursor(0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(len(self.items) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self._header_height:
            return
        row = int(self.scroll_y) + offset.y - self._header_height
        if row < len(self.items):
            self.move_cursor(row)

    # -- drawing -----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self._row_width()
        base, cursor = self._row_styles()
        if y < self._header_height:
            return self._draw(self._header_cells(), width,
                              self.get_component_rich_style("rowlist--header"))
        row = int(self.scroll_y) + y - self._header_height
        if row == 0 and not self.items and self.empty_text is not None:
            return self._draw_text(self.empty_text, width, base)
        if row >= len(self.items):
            return Strip.blank(width, base)
        line = self._lines.get((row, width))
        if line is None:
            line = self._lines[(row, width)] = self._draw(
                self.cells(self.items[row]), width, cursor if row == self.cursor_row else base)
        return line

    def _row_width(self) -> int:
        """The rows' width: the content's, less the scrollbar (per size and scrollbar,
        not per line: Textual computes it from the styles each time)."""
        key = (self.size, self.show_vertical_scrollbar)
        if self._width_for is None or self._width_for[0] != key:
            self._width_for = (key, self.scrollable_content_region.width)
        return self._width_for[1]

    def _row_styles(self) -> tuple[Style, Style]:
        """The style of a row and of the cursor's row, until the styles change (Textual
        blends every ancestor's background each time it is asked, for every line)."""
        if self._styles is None:
            base = self.rich_style
            self._styles = (base, base + self.get_component_rich_style("rowlist--cursor"))
        return self._styles

    def _draw(self, cells: Sequence[Text | str], width: int, style: Style) -> Strip:
        """A row: each cell's segments between its padding, in ``style``. (Joining the
        cells into one Text to render it cost twice as much: a fifth of drawing the
        first screen's lists.)"""
        console = self.app.console
        segments: list[Segment] = []
        add = segments.append
        pad = " " * CELL_PADDING
        for column, cell_width, cell in zip(self.columns, self._widths(width), cells):
            cell = Text(cell) if isinstance(cell, str) else cell
            cell.truncate(cell_width, overflow="ellipsis")
            gap = " " * (cell_width - cell.cell_len)
            right = (cell.justify or column.justify) == "right"
            add(Segment(pad + gap if right else pad, style))
            if not cell.spans:
                if cell.plain:
                    add(Segment(cell.plain, style + console.get_style(cell.style)
                                if cell.style else style))
            else:
                segments += (Segment(text, style + cell_style)
                             for text, cell_style, _ in cell.render(console) if text)
            add(Segment(pad if right else gap + pad, style))
        return Strip(segments).adjust_cell_length(width, style).simplify()

    def _draw_text(self, text: Text, width: int, style: Style) -> Strip:
        """One line of ``text`` across the columns."""
        line = Text(" " * CELL_PADDING, end="", no_wrap=True)
        line.append_text(text)
        line.truncate(width, overflow="ellipsis", pad=True)
        segments = Segment.apply_style(line.render(self.app.console), style)
        return Strip(list(segments), width).simplify()

    def _header_cells(self) -> list[Text]:
        return [Text(column.label, justify=column.justify) for column in self.columns]

    def _widths(self, width: int) -> list[int]:
        fixed = sum(c.width for c in self.columns) + 2 * CELL_PADDING * len(self.columns)
        flexible = self.flex_widths(width - fixed)
        return [column.width or flexible.get(column.key, FLEX_MIN_WIDTH)
                for column in self.columns]

    @property
    def _header_height(self) -> int:
        return 1 if self.show_header else 0

    @property
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - self._header_height)

    def _on_screen(self) -> dict[int, tuple[object, ...]]:
        """What each line on screen shows (by line, from the top of the rows)."""
        top = int(self.scroll_y)
        rows = range(top, min(len(self.items), top + self._visible_rows))
        return {row - top: (row == self.cursor_row, *self.cells(self.items[row]))
                for row in rows}

    def _repaint(self, before: dict[int, tuple[object, ...]]) -> None:
        """Draw again the lines that show something else than ``before``."""
        self._lines.clear()
        after = self._on_screen()
        self._unpainted.update(line for line in before.keys() | after.keys()
                               if before.get(line) != after.get(line))
        if self._unpainted:
            self._painter.paint(self)

    def mark_lines(self, most: int) -> tuple[int, bool]:
        """Mark up to ``most`` changed lines to be drawn in the next frame (the painter
        paces them: see :mod:`tui.widgets.painting`): (how many, whether others wait)."""
        lines = sorted(self._unpainted)[:most]
        self._unpainted.difference_update(lines)
        width = self.size.width
        for line in lines:
            self.refresh(Region(0, line + self._header_height, width, 1))
        return len(lines), bool(self._unpainted)

    def after_painting(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` after the frame that draws the last of the changed lines of
        this screen's lists (after the next frame when none are waiting): what else
        changes with the list (the notes, the keys) is not drawn in the same frame."""
        self._painter.after_painting(self, callback)

    def _scroll_to_cursor(self) -> None:
        top, visible = int(self.scroll_y), self._visible_rows
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def _announce(self) -> None:
        row_id = self.highlighted_key
        if row_id != self._highlighted:
            self._highlighted = row_id
            self.post_message(self.Highlighted(self, row_id))

    # -- what invalidates drawn rows ---------------------------------------------------
    def watch_scroll_y(self, old: float, new: float) -> None:
        if self._reloading:
            # New rows moved the cursor's row (or the list got shorter): the lines show
            # other rows now, and set_rows draws them a few per frame like any other
            # changed lines (a refresh that renames feeds moves the selected one; the
            # whole pane in one frame was the longest of the refresh). Keys and the
            # mouse scroll at once.
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.position = new
        else:
            super().watch_scroll_y(old, new)
        if len(self._lines) > 4 * max(1, self.size.height):
            self._lines.clear()

    def on_resize(self) -> None:
        self._lines.clear()
        self._scroll_to_cursor()

    def on_focus(self) -> None:
        self._restyle()

    def on_blur(self) -> None:
        self._restyle()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()
        self._styles = None

    def _restyle(self) -> None:
        self._lines.clear()
        self._styles = None
        self.refresh()
