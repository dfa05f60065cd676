"""The highlighted episode: title, facts line, link and show notes as plain text."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from library.models import Episode
from library.text import clean_line
from tui import formatting


class EpisodeDetails(VerticalScroll, can_focus=True):
    """Scrollable when focused (arrow keys), and from the episode list with the
    ``notes_down`` / ``notes_up`` keys."""

    def __init__(self) -> None:
        super().__init__(id="details")
        self.border_title = "Episode"
        self._shown: Text | None = None

    def compose(self):
        yield Static(id="details-text")

    def show(self, episode: Episode | None, keep_scroll: bool = False) -> None:
        """Show ``episode``'s notes from the top (``keep_scroll``: where the reader is,
        for an update of the same episode). Showing what is shown already changes
        nothing, not even where the reader is: a refresh reloads the list often."""
        text = describe(episode) if episode else Text("No episode selected.", style="dim")
        if text == self._shown:
            return
        self._shown = text
        self.query_one("#details-text", Static).update(text)
        if not keep_scroll:
            self.scroll_home(animate=False)


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
