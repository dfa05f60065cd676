"""What the first screen shows, read in one go on the librarian's thread.

``podterm`` spends most of its start-up importing Textual. :func:`tui.main.open_player`
begins :func:`first_view` before that import (``Librarian.begin``), so SQLite reads the
library on another core meanwhile, and the main screen gets it ready when it mounts.
Only the newest :data:`FIRST_PAGE` episodes are read for it (unless the cursor was
further down); the screen loads the rest (and the download marks) once it is drawn.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from library import inbox, upnext
from library.episodes import ListeningTime, get_episode, list_episodes, listening_time
from library.feeds import list_feeds
from library.models import Episode, Feed
from library.record import Factory, Record
from library.upnext import QueueEntry
from tui.state import UiState, load_state

FIRST_PAGE = 100   # rows: more than any terminal shows at once


class FirstView(Record):
    """What the first screen shows, read from the library in one go."""

    state: UiState                      # where the user left off
    feeds: list[Feed]
    selected: int | None                # the feed to show (None: no feeds)
    episodes: list[Episode] = Factory(list)   # its newest, or all
    listening: ListeningTime | None = None
    playing: Episode | None = None      # what was playing when podterm closed
    queue: list[QueueEntry] = Factory(list)   # Up Next, in playing order
    inbox: list[Episode] = Factory(list)      # new episodes, newest first


def first_view(conn: sqlite3.Connection, data_dir: Path) -> FirstView:
    state = load_state(data_dir)
    feeds = list_feeds(conn)
    ids = {feed.id for feed in feeds}
    selected = state.feed_id if state.feed_id in ids else (feeds[0].id if feeds else None)
    view = FirstView(state, feeds, selected, queue=upnext.list_queue(conn),
                     inbox=inbox.list_inbox(conn))
    if state.playing_id is not None:
        view.playing = get_episode(conn, state.playing_id)
    if selected is None:
        return view
    view.episodes = list_episodes(conn, selected, limit=FIRST_PAGE)
    complete = len(view.episodes) < FIRST_PAGE
    keep = state.episode_id if selected == state.feed_id else None
    if not complete and keep is not None and all(e.id != keep for e in view.episodes):
        view.episodes = list_episodes(conn, selected)
    view.listening = listening_time(conn, selected)
    return view
