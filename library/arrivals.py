"""What a refresh's new and vanished episodes do to the inbox and the Up Next queue.

:func:`episodes_stored` runs inside the transaction that stores a fetched feed (called
by :func:`library.episodes.upsert_episodes`), so the episodes, the inbox and the queue
always change together. The rules:

- The first fetch of a subscription brings its back catalogue: nothing from it is new.
  Importing 200 feeds therefore adds nothing to the inbox.
- Later, an episode seen for the first time is new when it was published after the
  feed was subscribed (or has no date at all), unless it is a re-publication of an
  episode we already have: the same enclosure URL, the same title on the same day, or
  the same title with the same duration (a show that re-posts its archive with new
  guids and fresh dates). Old items that turn up with new guids keep their old dates,
  so the date rule already keeps them out.
- New episodes go to the inbox, or straight to the end of the queue when the show's
  auto-queue setting is on (oldest first; queued episodes are not "new" any more).
- An episode in the queue or inbox that the feed stopped listing, while it still lists
  older ones, was taken down: it leaves the queue and the inbox, and a re-publication
  of it takes its place there. One older than everything the feed lists has only
  fallen off a feed that shows its latest items, and stays. Either way the episode
  itself stays in the library with what was listened to.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from library import inbox, upnext
from library.models import Episode
from library.showsettings import get_overrides

if TYPE_CHECKING:
    from library.parse import ParsedEpisode

# A feed's episodes without their notes (the bulk of each row), enough to match them.
_MATCHABLE = """
    SELECT id, feed_id, identity, guid, title, published_at, duration_s, enclosure_url,
           enclosure_type, enclosure_length, '' AS notes, link, chapters_url, transcript_url,
           played, position_s, first_seen_at
    FROM episodes WHERE feed_id = ?
"""


def episodes_stored(conn: sqlite3.Connection, feed_id: int, document: list["ParsedEpisode"],
                    known: set[str], now: float) -> None:
    """Apply the rules above after ``document`` (the feed's items) has been stored;
    ``known`` holds the identities the feed had before."""
    first_fetch = conn.execute("INSERT OR IGNORE INTO inbox_feeds (feed_id) VALUES (?)",
                               (feed_id,)).rowcount
    if first_fetch:
        return
    listed = {item.identity for item in document}
    fresh_identities = listed - known
    withdrawn = _withdrawn(conn, feed_id, document, listed)
    if not fresh_identities and not withdrawn:
        return
    episodes = [Episode.from_row(row) for row in conn.execute(_MATCHABLE, (feed_id,))]
    fresh = [e for e in episodes if e.identity in fresh_identities]
    older = [e for e in episodes if e.identity not in fresh_identities]
    republished = _republications(older, fresh)
    for fresh_id, old_id in republished.items():
        if old_id in withdrawn:
            upnext.replace(conn, old_id, fresh_id)
            inbox.replace(conn, old_id, fresh_id)
            withdrawn.remove(old_id)
    upnext.drop(conn, sorted(withdrawn))
    inbox.leave(conn, sorted(withdrawn))

    subscribed_at = conn.execute("SELECT added_at FROM feeds WHERE id = ?",
                                 (feed_id,)).fetchone()[0]
    new = sorted((e for e in fresh if e.id not in republished
                  and (e.published_at is None or e.published_at > subscribed_at)),
                 key=lambda e: (e.published_at or now, e.id))
    if get_overrides(conn, feed_id).auto_queue:
        upnext.append(conn, [e.id for e in new])
    else:
        inbox.enter(conn, [e.id for e in new], now)


def _withdrawn(conn: sqlite3.Connection, feed_id: int, document: list["ParsedEpisode"],
               listed: set[str]) -> set[int]:
    """Queued or new episodes of the feed that it no longer lists, within the time span
    it still covers."""
    dated = [item.published_at for item in document if item.published_at is not None]
    if not dated:
        return set()
    rows = conn.execute(
        """SELECT id, identity FROM episodes WHERE feed_id = ? AND published_at >= ?
           AND (id IN (SELECT episode_id FROM queue) OR id IN (SELECT episode_id FROM inbox))""",
        (feed_id, min(dated)))
    return {row["id"] for row in rows if row["identity"] not in listed}


def _republications(older: list[Episode], fresh: list[Episode]) -> dict[int, int]:
    """Map the id of each fresh episode that re-publishes an older one to that one's id."""
    # Imported here: library.migrate imports library.episodes, which imports this module.
    from library.migrate import match_episodes, normalise_title

    found = {fresh[index].id: ours.id for index, ours in match_episodes(older, fresh).items()}
    by_title_and_length = {(normalise_title(e.title), e.duration_s): e.id
                           for e in older if e.duration_s and normalise_title(e.title)}
    for episode in fresh:
        key = (normalise_title(episode.title), episode.duration_s)
        if episode.id not in found and key in by_title_and_length:
            found[episode.id] = by_title_and_length[key]
    return found
