"""What plays after an episode, and what came before it.

After an episode (it ended, or "next" was pressed): the next queued episode when Up Next
has one (the library's :func:`~library.upnext.next_after` finds it), else the episode
below it in the list it was played from (a feed's episodes, the inbox, Up Next). An
episode that ends moves on only to an unplayed one there; "next" takes the very next.

Before it ("previous"): the queued episode above it, else the one played before it in
this session, else the episode above it in its list. Going back does not add to the
history, so pressing "previous" again goes further back.

Plain logic without the library or the engine: :class:`tui.playback.Playback` asks the
library about the queue and passes the answer in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection

from library.models import Episode

HISTORY_KEPT = 100


@dataclass(frozen=True)
class Step:
    """An episode to play and the list around it."""

    episode: Episode
    following: list[Episode] = field(default_factory=list)  # below it, nearest first
    preceding: list[Episode] = field(default_factory=list)  # above it, nearest last
    back: bool = False      # going back: what played until now stays out of the history


class PlayOrder:
    """The list the current episode was played from, and the session's history."""

    def __init__(self) -> None:
        self.following: list[Episode] = []
        self.preceding: list[Episode] = []
        self.history: list[Episode] = []

    def started(self, current: Episode | None, step: Step) -> None:
        """``step`` is playing now, instead of ``current``."""
        if current is not None and not step.back and current.id != step.episode.id:
            self.history = [*self.history, current][-HISTORY_KEPT:]
        self.following, self.preceding = step.following, step.preceding

    def after(self, current: Episode | None, queued: Episode | None, *,
              unplayed_only: bool, finished: Collection[int] = ()) -> Step | None:
        """What follows ``current``: ``queued`` (the queue's answer), else the list's
        next playable episode (unplayed, and not finished in this session, if asked)."""
        if queued is not None:
            return Step(queued, [e for e in self.following if e.id != queued.id],
                        self.preceding)
        for index, episode in enumerate(self.following):
            if episode.enclosure_url and episode.id not in finished and not (
                    unplayed_only and episode.played):
                skipped = self.following[:index]
                return Step(episode, self.following[index + 1:],
                            [*self.preceding, *([current] if current else []), *skipped])
        return None

    def before(self, current: Episode, queued: Episode | None) -> Step | None:
        """What came before ``current``: ``queued`` (the queued episode above it), else
        the history, else the episode above it in its list."""
        if queued is not None:
            return Step(queued, self.following, self.preceding, back=True)
        while self.history:
            prior = self.history.pop()
            if prior.id != current.id:
                return Step(prior, [current, *self.following], self.preceding, back=True)
        playable = [e for e in self.preceding if e.enclosure_url and e.id != current.id]
        if playable:
            prior = playable[-1]
            index = self.preceding.index(prior)
            return Step(prior, [*self.preceding[index + 1:], current, *self.following],
                        self.preceding[:index], back=True)
        return None
