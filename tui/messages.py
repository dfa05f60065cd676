"""What features announce, as messages posted to the main screen.

Features (playback, subscriptions, feed health, ...) never touch the screen's widgets:
they post one of these and the screen updates what it shows. Threads post them too
(``post_message`` is thread-safe and never blocks); a message posted to a screen that
has closed is dropped, so a late event can never reach a widget that is gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from library.models import Episode
from library.record import Record
from library.showsettings import ShowSettings
from library.upnext import QueueEntry
from player import PlayerEvent

if TYPE_CHECKING:  # the refresh's and the downloader's modules load when they start,
    from library.downloader import DownloadEvent  # not with the screen
    from library.refresh import FeedOutcome


class Note(Record, Message):
    """A message whose fields are its annotations, as a record's are (a dataclass per
    message cost the first screen ~4 M instructions each)."""

    def __init__(self, *args: Any, **values: Any) -> None:
        Record.__init__(self, *args, **values)
        Message.__init__(self)


class FeedsChanged(Note):
    """Subscriptions or their counts changed: reload the list (and select ``select``)."""

    select: int | None = None


class EpisodeChanged(Note):
    """An episode's played mark or position changed (``episode`` is the stored row)."""

    episode: Episode
    counts_changed: bool = False


class NowPlaying(Note):
    """The episode loaded in the player changed (None: nothing is)."""

    episode: Episode | None


class PlayerStateChanged(Note):
    """The player changed state: the keys that apply may have changed."""


class RefreshRequested(Note):
    """A feature wants these feeds checked now (None: every active feed)."""

    feed_ids: list[int] | None = None


class SubscribeRequested(Note):
    """Subscribe to a show found in a directory, and fetch it."""

    url: str
    title: str = ""
    itunes_id: str | None = None


class RefreshStarted(Note):
    """A refresh of ``total`` feeds began."""

    total: int


class RefreshProgress(Note):
    """One more feed of a refresh is done."""

    outcome: FeedOutcome
    done: int
    total: int


class RefreshFinished(Note):
    """A refresh ended: every feed's outcome, or ``error`` if the refresh itself failed."""

    outcomes: list[FeedOutcome]
    error: BaseException | None = None


class EngineStarted(Note):
    """The engine is ready (``engine`` set) or cannot start (``error`` says why)."""

    engine: Any | None
    error: Exception | None


class EngineEvent(Note):
    """Something happened in the player (state, position, end, error)."""

    event: PlayerEvent


class QuitRequested(Note):
    """Something outside the screen (MPRIS's Quit) asks podterm to quit, as ``q`` does."""


class UpNextChanged(Note):
    """The Up Next queue (in playing order) and the inbox (newest first), as the
    library holds them after a change."""

    queue: list[QueueEntry]
    inbox: list[Episode]


class ShowSettingsChanged(Note):
    """A show's settings were saved (the playing episode's show applies them at once)."""

    settings: ShowSettings


class SyncChanged(Note):
    """A sync started, progressed or ended: the sync status line redraws."""


class LibraryChanged(Note):
    """Another device changed subscriptions, positions or played marks (a sync brought
    them): reload the feeds and the episodes, keeping the selection."""


class DownloadReported(Note):
    """The downloader reported on an episode (posted from its thread): a state change,
    progress, or a played download deleted to stay under the size cap."""

    event: DownloadEvent


class DownloadsChanged(Note):
    """These episodes' downloads changed outside the downloader (deleted, or not
    started): redraw their marks."""

    episode_ids: list[int]
