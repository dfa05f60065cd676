"""The highlighted episode: title, facts line, link and show notes as plain text.

The notes draw their own lines (wrapped once, kept until the episode or the size of
the box changes), like the lists of :mod:`tui.widgets.rowlist`: other notes replace only
the lines of this box. A text widget of its own height inside a scrolling box made
Textual lay the whole screen out again for every other episode, and draw a dozen
widgets, the longest frames of a refresh.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.visual import Visual

from library.models import Episode
from library.text import clean_line
from tui import formatting
from tui.widgets.virtualsize import SteadyScrollView, set_virtual_size


class EpisodeDetails(SteadyScrollView, can_focus=True):
    """Scrollable when focused (arrow keys), and from the episode list with the
    ``notes_down`` / ``notes_up`` keys."""

    BINDINGS = ScrollableContainer.BINDINGS
    DEFAULT_CSS = """
    EpisodeDetails {
        overflow-x: hidden;
        overflow-y: scroll;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="details")
        self.border_title = "Episode"
        self.text = Text()                   # what is shown
        self._shown: Text | None = None      # what show() was last given
        self._content = Content()
        self._wrapped: tuple[Size, list[Strip]] | None = None  # see _lines

    def show(self, episode: Episode | None, keep_scroll: bool = False) -> None:
        """Show ``episode``'s notes from the top (``keep_scroll``: where the reader is,
        for an update of the same episode). Showing what is shown already changes
        nothing, not even where the reader is: a refresh reloads the list often."""
        text = describe(episode) if episode else Text("No episode selected.", style="dim")
        if text == self._shown:
            return
        self._shown = self.text = text
        self._content = Content.from_rich_text(text)
        self._wrapped = None
        self._fit()
        if not keep_scroll:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    # -- drawing -----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        lines = self._lines()
        row = self.scroll_offset.y + y  # rounded, as Textual repaints an animated scroll
        if row < len(lines):
            return lines[row]
        return Strip.blank(self.scrollable_content_region.width, self.visual_style.rich_style)

    def _lines(self) -> list[Strip]:
        """The notes wrapped to the width beside the scrollbar, which is always there
        (blank while they fit; see :class:`SteadyScrollView`), once per size of the box."""
        box = self.scrollable_content_region.size
        if self._wrapped is None or self._wrapped[0] != box:
            self._wrapped = (box, self._wrap(box.width))
        return self._wrapped[1]

    def _wrap(self, width: int) -> list[Strip]:
        return Visual.to_strips(self, self._content, max(1, width), None, self.visual_style)

    def _fit(self) -> None:
        """The scrollable height follows the wrapped notes (the scrollbar with it)."""
        if self.size.width:
            set_virtual_size(self, Size(self.content_region.width, len(self._lines())))

    def on_resize(self) -> None:
        self._fit()

    # -- selecting with the mouse (as in a text widget) --------------------------------
    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text: the drawn lines say where each cell is in the notes."""
        return selection.extract(self._content.plain), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._wrapped = None  # drawn again with the selection's colours
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._wrapped = None


def describe(episode: Episode) -> Text:
    text = Text()
    text.append(clean_line(episode.title), style="bold")
    text.append("\n")
    facts = [formatting.date(episode.published_at), episode.duration,
             formatting.size(episode.enclosure_length)]
    if episode.played:
        facts.append("played")
    elif episode.progress is not None:
        facts.append(f"{episode.progress:.0%} listened")
    text.append(" · ".join(fact for fact in facts if fact), style="dim")
    if episode.link:
        text.append("\n")
        text.append(clean_line(episode.link), style="underline")
    if episode.notes:
        text.append("\n\n")
        text.append(_plain_notes(episode.notes))
    return text


def _plain_notes(notes: str) -> str:
    """Notes are stored as plain text already; clean each line again, keep the breaks."""
    return "\n".join(clean_line(line) for line in notes.split("\n"))
