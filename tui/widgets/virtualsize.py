"""Changing how much a self-drawn scrolling view holds without laying out the screen.

Setting ``virtual_size`` makes Textual lay the whole screen out again, only so that the
scrollbar follows: the layout itself, and every widget whose place in the layout's map
changed drawn again (a list whose row count changed, its scrollbar, the notes beside it).
During a refresh the lists and the notes change their length many times; when the
vertical scrollbar stays shown (or hidden), its thumb is all that has to change.

A :class:`SteadyScrollView` styled ``overflow-y: scroll`` never shows or hides its
scrollbar: the scrollbar is always in the layout, and draws the view's blank gutter
while everything fits. A scrollbar that appeared (the first fill of a feed never
fetched, notes longer than their box) laid the screen out, and again in the next frame
when Textual first sized the new scrollbar: the longest frames of a refresh. Sizing
the scrollbar itself lays nothing out either (:class:`_GutterScrollBar`).
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.widget import Widget


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Make ``view`` hold ``size``: the scrollbar is updated in place when it stays shown
    or hidden; the screen is laid out again only when it appears or goes (the content
    gets narrower or wider). The caller redraws the lines that changed."""
    if size == view.virtual_size:
        return
    view.set_reactive(Widget.virtual_size, size)
    view.clear_cached_dimensions()
    if (view.container_size and view.styles.overflow_x == "hidden"
            and _vertical_scrollbar(view, size) == view.show_vertical_scrollbar):
        view._scroll_update(size)  # the scrollbar's thumb, and scroll_y kept in range
    else:
        # The scrollbar shown or hidden now, not during the layout: a change found there
        # asks for a second layout in the next frame.
        view._refresh_scrollbars()
        view.refresh(layout=True, repaint=False)


def _vertical_scrollbar(view: ScrollView, size: Size) -> bool:
    """Whether ``view`` shows a vertical scrollbar when it holds ``size`` (as Textual
    decides it for views that never scroll sideways)."""
    overflow = view.styles.overflow_y
    if overflow == "auto":
        return size.height > view.container_size.height
    return overflow == "scroll"


class SteadyScrollView(ScrollView):
    """A self-drawn view whose vertical scrollbar, with ``overflow-y: scroll``, looks as
    with ``auto`` and a stable gutter: blank while everything fits, not an empty track.
    (With nothing to scroll, its keys and the mouse wheel move nothing, as before.)"""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scrollbar, a :class:`_GutterScrollBar` (made when first asked,
        as Textual makes its own)."""
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = bar = _GutterScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def on_mount(self) -> None:
        self.vertical_scrollbar.renderer = self._scrollbar  # type: ignore[assignment]

    def _scrollbar(self, **bar: object) -> ScrollBarRender:
        """Textual's scrollbar; while everything fits (Textual passes no window then),
        the gutter in the view's own background, as Textual draws a stable gutter."""
        if not bar.get("window_size"):
            base, background = self.background_colors
            bar["style"] = Style(bgcolor=(base + background).rich_color)
        return ScrollBarRender(**bar)  # type: ignore[arg-type]


class _GutterScrollBar(ScrollBar):
    """A scrollbar whose sizing lays nothing out. Textual's scrollbar asks for a layout
    of the screen when the layout first gives it its size (its "virtual size" follows
    its size), so the first screen was laid out twice, the second time in the frame
    after it; a scrollbar holds nothing that a layout would place."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)
