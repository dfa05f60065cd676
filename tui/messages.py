"""What features announce, as messages posted to the main screen.

Features (playback, subscriptions, feed health, ...) never touch the screen's widgets:
they post one of these and the screen updates what it shows. Threads post them too
(``post_message`` is thread-safe and never blocks); a message posted to a screen that
has closed is dropped, so a late event can never reach a widget that is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from library.models import Episode
from library.showsettings import ShowSettings
from library.upnext import QueueEntry
from player import PlayerEvent

if TYPE_CHECKING:  # the refresh's and the downloader's modules load when they start,
    from library.downloader import DownloadEvent  # not with the screen
    from library.refresh import FeedOutcome


@dataclass
class FeedsChanged(Message):
    """Subscriptions or their counts changed: reload the list (and select ``select``)."""

    select: int | None = None


@dataclass
class EpisodeChanged(Message):
    """An episode's played mark or position changed (``episode`` is the stored row)."""

    episode: Episode
    counts_changed: bool = False


@dataclass
class NowPlaying(Message):
    """The episode loaded in the player changed (None: nothing is)."""

    episode: Episode | None


@dataclass
class PlayerStateChanged(Message):
    """The player changed state: the keys that apply may have changed."""


@dataclass
class RefreshRequested(Message):
    """A feature wants these feeds checked now (None: every active feed)."""

    feed_ids: list[int] | None = None


@dataclass
class SubscribeRequested(Message):
    """Subscribe to a show found in a directory, and fetch it."""

    url: str
    title: str = ""
    itunes_id: str | None = None


@dataclass
class RefreshStarted(Message):
    """A refresh of ``total`` feeds began."""

    total: int


@dataclass
class RefreshProgress(Message):
    """One more feed of a refresh is done."""

    outcome: FeedOutcome
    done: int
    total: int


@dataclass
class RefreshFinished(Message):
    """A refresh ended: every feed's outcome, or ``error`` if the refresh itself failed."""

    outcomes: list[FeedOutcome]
    error: BaseException | None = None


@dataclass
class EngineStarted(Message):
    """The engine is ready (``engine`` set) or cannot start (``error`` says why)."""

    engine: Any | None
    error: Exception | None


@dataclass
class EngineEvent(Message):
    """Something happened in the player (state, position, end, error)."""

    event: PlayerEvent


@dataclass
class QuitRequested(Message):
    """Something outside the screen (MPRIS's Quit) asks podterm to quit, as ``q`` does."""


@dataclass
class UpNextChanged(Message):
    """The Up Next queue (in playing order) and the inbox (newest first), as the
    library holds them after a change."""

    queue: list[QueueEntry]
    inbox: list[Episode]


@dataclass
class ShowSettingsChanged(Message):
    """A show's settings were saved (the playing episode's show applies them at once)."""

    settings: ShowSettings


@dataclass
class SyncChanged(Message):
    """A sync started, progressed or ended: the sync status line redraws."""


@dataclass
class LibraryChanged(Message):
    """Another device changed subscriptions, positions or played marks (a sync brought
    them): reload the feeds and the episodes, keeping the selection."""


@dataclass
class DownloadReported(Message):
    """The downloader reported on an episode (posted from its thread): a state change,
    progress, or a played download deleted to stay under the size cap."""

    event: DownloadEvent


@dataclass
class DownloadsChanged(Message):
    """These episodes' downloads changed outside the downloader (deleted, or not
    started): redraw their marks."""

    episode_ids: list[int]
