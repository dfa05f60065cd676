"""What listening does to an episode across the library: starting, finishing, marking.

Each function is one transaction over the episode's played state, the Up Next queue
and the inbox, so no process ever sees an episode that is played but still queued, or
queued but still new. Played state goes through :func:`library.episodes.set_played`,
the one place that writes it.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

from library import inbox, upnext
from library.episodes import get_episode, set_played
from library.models import Episode
from library.record import Record
from library.showsettings import ShowDefaults, ShowSettings, show_settings
from library.store import transaction
from library.upnext import QueueEntry, UnknownEpisodes


class Starting(Record):
    """An episode about to play, fresh from the database, and its show's settings."""

    episode: Episode
    settings: ShowSettings


class Finished(Record):
    """After an episode finished: what to play now (None: the queue has nothing, so
    ``[playback] play_next`` decides) and the queue as it is now."""

    next: QueueEntry | None
    queue: list[QueueEntry]


def start_episode(conn: sqlite3.Connection, episode_id: int,
                  defaults: ShowDefaults) -> Starting:
    """The listener starts playing an episode: it is no longer new.

    Play from ``settings.start_at(episode.position_s)`` at ``settings.speed`` and
    ``settings.volume``; the episode counts as finished at
    ``settings.outro_at(duration)``.
    """
    with transaction(conn):
        upnext.require_episodes(conn, [episode_id])
        inbox.leave(conn, [episode_id])
    episode = _get(conn, episode_id)
    return Starting(episode, show_settings(conn, episode.feed_id, defaults))


def finish_episode(conn: sqlite3.Connection, episode_id: int) -> Finished:
    """An episode played to its end (or to its skipped outro): it is marked played and
    leaves the queue and the inbox; the result says which queued episode comes next."""
    with transaction(conn):
        upnext.require_episodes(conn, [episode_id])
        following = upnext.next_after(conn, episode_id)
        set_played(conn, episode_id, True)
        upnext.drop(conn, [episode_id])
        inbox.leave(conn, [episode_id])
    queue = upnext.list_queue(conn)
    upcoming = None if following is None else following.episode.id
    return Finished(next((e for e in queue if e.episode.id == upcoming), None), queue)


def mark(conn: sqlite3.Connection, episode_ids: Iterable[int], played: bool) -> list[Episode]:
    """Mark episodes played (they leave the queue) or unplayed; either way they are no
    longer new. Unknown ids: :class:`UnknownEpisodes` and nothing changes."""
    ids = list(dict.fromkeys(episode_ids))
    with transaction(conn):
        upnext.require_episodes(conn, ids)
        for episode_id in ids:
            set_played(conn, episode_id, played)
        inbox.leave(conn, ids)
        if played:
            upnext.drop(conn, ids)
    return [_get(conn, episode_id) for episode_id in ids]


def _get(conn: sqlite3.Connection, episode_id: int) -> Episode:
    episode = get_episode(conn, episode_id)
    if episode is None:  # deleted by another process since the transaction
        raise UnknownEpisodes(f"episode {episode_id} is gone (its feed was removed)")
    return episode
