"""Drawing the changed lines of a screen's lists a few per frame, one list after another.

A frame that draws a whole pane of changed rows (a refresh changes every count in the
subscriptions) held the UI loop for tens of milliseconds on a loaded machine; a few
frames of a few lines each leave it free in between. The lists of one screen share one
:class:`LinePainter`: the lines of all of them, together, are at most
:data:`LINES_PER_FRAME` a frame. (Each list pacing its own lines, a refresh that
reloaded the subscriptions and the selected feed's episodes at once drew twice as many
lines in its frames, and those were the longest of the refresh.) Until then a line
shows its previous row.

What changes with the lists (the notes, the keys) waits for their last lines
(:meth:`LinePainter.after_painting`) or for a widget's frame (:func:`after_drawn`), and
gives the event loop a turn before it runs: straight after a frame, that work and the
frame held the loop as one piece.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from textual.widget import Widget

LINES_PER_FRAME = 6   # changed lines drawn in one frame, over all the lists
WAIT_FRAMES = 3   # how many times a callback waits again for a widget's frame


async def _turn_of_the_loop() -> None:
    """Let the event loop run what is ready (a key, the frame's own bookkeeping) before
    the work that follows a frame: called right after it, that work and the frame held
    the loop as one piece."""
    await asyncio.sleep(0)


async def _after_a_turn(callback: Callable[[], object]) -> None:
    await _turn_of_the_loop()
    callback()


def waiting_to_be_drawn(widget: "Widget | PaintedList") -> bool:
    """Whether ``widget`` has changes that no frame has drawn yet (Textual's own marks).
    A callback "after refresh" can run before that frame: the screen learns of a
    widget's changes by a message, which can come after the screen went idle."""
    return bool(widget._repaint_required or widget._repaint_regions)


def after_drawn(widget: Widget, callback: Callable[[], object], tries: int = WAIT_FRAMES
                ) -> None:
    """Call ``callback`` after a frame, once ``widget`` has no changes waiting to be
    drawn (or after ``tries`` frames: a hidden widget keeps its marks)."""
    async def check(tries: int) -> None:
        if tries and waiting_to_be_drawn(widget):
            widget.call_after_refresh(check, tries - 1)
        else:
            await _turn_of_the_loop()
            callback()

    widget.call_after_refresh(check, tries)


class Refreshed(Protocol):
    """Something that can have a callback called after the next frame (a widget, a
    screen)."""

    def call_after_refresh(self, callback: Callable[..., object], *args: Any) -> bool: ...


class PaintedList(Refreshed, Protocol):
    """What the painter asks of a list (a widget: see
    :class:`tui.widgets.rowlist.RowList`)."""

    _repaint_required: bool
    _repaint_regions: set

    def mark_lines(self, most: int) -> tuple[int, bool]:
        """Mark up to ``most`` of its changed lines to be drawn in the next frame: (how
        many it marked, whether others are left)."""
        ...


class LinePainter:
    """Paces the changed lines of the lists that share it (see the module's docstring)."""

    def __init__(self) -> None:
        self._waiting: dict[PaintedList, None] = {}   # lists with changed lines, in order
        self._marked = 0        # lines marked for the next frame
        self._marked_in: list[PaintedList] = []   # the lists they are in
        self._scheduled = False  # a call after the next frame is scheduled
        self._when_painted: list[Callable[[], object]] = []   # see after_painting

    def paint(self, changed: PaintedList) -> None:
        """``changed`` has lines to draw again: some in the next frame if this frame's
        share is not used up, the rest in the frames after it."""
        self._waiting[changed] = None
        self._paint_some(changed)

    def after_painting(self, widget: Refreshed, callback: Callable[[], object]) -> None:
        """Call ``callback`` after the frame that draws the last of the changed lines
        (after the next frame when none are waiting): what else changes with the lists
        (the notes, the keys) is then not drawn in the same frame as their rows."""
        if self._scheduled:
            self._when_painted.append(callback)
        else:
            widget.call_after_refresh(_after_a_turn, callback)

    def _paint_some(self, caller: PaintedList) -> None:
        for row_list in list(self._waiting):
            if self._marked >= LINES_PER_FRAME:
                break
            marked, more = row_list.mark_lines(LINES_PER_FRAME - self._marked)
            self._marked += marked
            if marked:
                self._marked_in.append(row_list)
            if not more:
                del self._waiting[row_list]
        if self._marked and not self._scheduled:
            self._scheduled = True
            caller.call_after_refresh(self._after_frame)

    async def _after_frame(self, tries: int = WAIT_FRAMES) -> None:
        if tries and any(waiting_to_be_drawn(row_list) for row_list in self._marked_in):
            # (not drawn yet: more lines now would make this frame longer)
            self._marked_in[0].call_after_refresh(self._after_frame, tries - 1)
            return
        self._scheduled, self._marked, self._marked_in = False, 0, []
        if self._waiting:
            self._paint_some(next(iter(self._waiting)))
        if not self._scheduled and self._when_painted:
            waiting, self._when_painted = self._when_painted, []
            await _turn_of_the_loop()
            for callback in waiting:
                callback()
