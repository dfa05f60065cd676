"""What plays after an episode, and what came before it.

After an episode (it ended, or "next" was pressed): the next queued episode when Up Next
has one (the library's :func:`~library.upnext.next_after` finds it), else the episode
below it in the list it was played from (a feed's episodes, the inbox, Up Next). An
episode that ends moves on only to an unplayed one there; "next" takes the very next.

Before it ("previous"): the queued episode above it, else the one played before it in
this session, else the episode above it in its list. Going back does not add to the
history, so pressing "previous" again goes further back.

The list stays what it was while queued episodes play in between: when the queue runs
out, the list goes on below the last episode played from it. Plain logic without the
library or the engine: :class:`tui.playback.Playback` asks the library about the queue
and passes the answer in.
"""

from __future__ import annotations

from typing import Collection

from library.models import Episode
from library.record import Record

HISTORY_KEPT = 100


class Step(Record, frozen=True):
    """An episode to play; ``around`` (when not None) is the list it is played from,
    with the episode at index ``at``. None keeps the list as it is (a queued episode)."""

    episode: Episode
    around: list[Episode] | None = None
    at: int = 0
    back: bool = False      # going back: what played until now stays out of the history


def picked(episode: Episode, following: list[Episode], preceding: list[Episode]) -> Step:
    """``episode``, picked in a list with ``preceding`` above and ``following`` below it."""
    return Step(episode, [*preceding, episode, *following], len(preceding))


class PlayOrder:
    """The list the episodes are played from, and the session's history."""

    def __init__(self) -> None:
        self.around: list[Episode] = []
        self.at = -1            # where in ``around`` the last episode played from it is
        self.history: list[Episode] = []

    def started(self, current: Episode | None, step: Step) -> None:
        """``step`` is playing now, instead of ``current``."""
        if current is not None and not step.back and current.id != step.episode.id:
            self.history = [*self.history, current][-HISTORY_KEPT:]
        if step.around is not None:
            self.around, self.at = step.around, step.at

    def after(self, current: Episode | None, queued: Episode | None, *,
              unplayed_only: bool, finished: Collection[int] = ()) -> Step | None:
        """What follows ``current``: ``queued`` (the queue's answer), else the list's
        next playable episode (unplayed, and not finished in this session, if asked)."""
        if queued is not None:
            return Step(queued)
        skip = {*finished, *([current.id] if current else [])}
        for index in range(self.at + 1, len(self.around)):
            episode = self.around[index]
            if episode.enclosure_url and episode.id not in skip and not (
                    unplayed_only and episode.played):
                return Step(episode, self.around, index)
        return None

    def before(self, current: Episode, queued: Episode | None) -> Step | None:
        """What came before ``current``: ``queued`` (the queued episode above it), else
        the history, else the episode above the list's place."""
        if queued is not None:
            return Step(queued, back=True)
        ids = [episode.id for episode in self.around]
        while self.history:
            prior = self.history.pop()
            if prior.id != current.id:
                return Step(prior, back=True) if prior.id not in ids else \
                    Step(prior, self.around, ids.index(prior.id), back=True)
        for index in range(self.at - 1, -1, -1):
            episode = self.around[index]
            if episode.enclosure_url and episode.id != current.id:
                return Step(episode, self.around, index, back=True)
        return None
