"""What other devices did, applied to the library.

An action finds its episode by guid, then by enclosure URL (or an address the episode had
before its feed migrated, see :func:`library.sync.outbox.record_feed_moved`), then by the
enclosure URL without its scheme, preferring episodes of the feed the action names. It
changes the episode only if it is newer than the episode's clock
(:func:`library.sync.actions.newer`). An action whose episode is not here yet waits in
``sync_pending`` until a refresh brings the episode (:func:`apply_waiting`).

Call these inside one transaction of the caller's. Light module: plain SQL only.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Iterable

from library.feeds import find_by_url, log_event
from library.sync.actions import EpisodeAction, State, newer
from library.sync.outbox import set_clock
from library.urls import UnsupportedURL, check_feed_url, same_feed_key


def feed_for(conn: sqlite3.Connection, url: str) -> int | None:
    """The subscription at ``url`` as a server spells it (case of the host, a trailing
    slash, surrounding spaces)."""
    try:
        tidy = check_feed_url(url)
    except UnsupportedURL:
        return None
    return find_by_url(conn, tidy)


class EpisodeIndex:
    """Every episode by guid and by address, to match many actions at once."""

    def __init__(self, conn: sqlite3.Connection, feed_id: int | None = None) -> None:
        self.feeds = {_feed_key(row["url"]): row["id"]
                      for row in conn.execute("SELECT id, url FROM feeds")}
        self.by_guid: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.by_url: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.by_loose: dict[str, list[tuple[int, int]]] = defaultdict(list)
        where, params = ("WHERE feed_id = ?", (feed_id,)) if feed_id is not None else ("", ())
        for row in conn.execute(f"SELECT id, feed_id, guid, enclosure_url FROM episodes {where}",
                                params):
            entry = (row["feed_id"], row["id"])
            if row["guid"]:
                self.by_guid[row["guid"]].append(entry)
            if row["enclosure_url"]:
                self.by_url[row["enclosure_url"]].append(entry)
                self.by_loose[_loose(row["enclosure_url"])].append(entry)
        for row in conn.execute("SELECT a.url, e.feed_id, e.id FROM sync_aliases a "
                                "JOIN episodes e ON e.id = a.episode_id"):
            if feed_id is None or row["feed_id"] == feed_id:
                self.by_url[row["url"]].append((row["feed_id"], row["id"]))

    def find(self, podcast: str, episode: str, guid: str | None) -> int | None:
        feed_id = self.feeds.get(_feed_key(podcast))
        for table, key in ((self.by_guid, guid), (self.by_url, episode),
                           (self.by_loose, _loose(episode))):
            found = table.get(key) if key else None
            if found:
                in_feed = [episode_id for feed, episode_id in found if feed == feed_id]
                return (in_feed or [found[0][1]])[0]
        return None


def apply_actions(conn: sqlite3.Connection, actions: Iterable[EpisodeAction]) -> tuple[int, int]:
    """Apply ``actions``; returns (episodes changed, actions left waiting)."""
    index = EpisodeIndex(conn)
    changed = waiting = 0
    for action in sorted(actions, key=lambda a: a.at):
        state = action.state()
        if state is None:  # downloads, deletions, unknown kinds: nothing podterm keeps
            continue
        episode_id = index.find(action.podcast, action.episode, action.guid)
        if episode_id is None:
            _remember(conn, action, state)
            waiting += 1
        else:
            changed += apply_state(conn, episode_id, action.at, state)
    return changed, waiting


def apply_state(conn: sqlite3.Connection, episode_id: int, at: int, state: State) -> bool:
    """Take ``state`` from another device if it is newer; True if the episode changed."""
    row = conn.execute("SELECT e.played, e.position_s, c.at FROM episodes e LEFT JOIN "
                       "sync_clock c ON c.episode_id = e.id WHERE e.id = ?",
                       (episode_id,)).fetchone()
    if row is None:
        return False
    here = State.of(row["played"], row["position_s"])
    if not newer(at, state, row["at"], here):
        return False
    if here != state:
        conn.execute("UPDATE episodes SET played = ?, position_s = ? WHERE id = ?",
                      (int(state.played), float(state.position), episode_id))
    set_clock(conn, episode_id, at, "remote")
    return here != state


def apply_waiting(conn: sqlite3.Connection, feed_id: int | None = None) -> int:
    """Apply the waiting actions whose episode is here now (only those naming
    ``feed_id``'s address, when given); returns how many episodes changed."""
    if feed_id is None:
        rows = conn.execute("SELECT * FROM sync_pending").fetchall()
    else:
        url = conn.execute("SELECT url FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        key = _feed_key(url["url"]) if url else ""
        rows = conn.execute("SELECT * FROM sync_pending WHERE podcast IN (?, ?, ?)",
                            (url["url"] if url else "", key, key + "/")).fetchall()
    if not rows:
        return 0
    index = EpisodeIndex(conn, feed_id)
    changed = 0
    for row in sorted(rows, key=lambda r: r["at"]):
        episode_id = index.find(row["podcast"], row["episode"], row["guid"])
        if episode_id is not None:
            changed += apply_state(conn, episode_id, row["at"],
                                   State.of(row["played"], row["position"]))
            conn.execute("DELETE FROM sync_pending WHERE key = ?", (row["key"],))
    return changed


def waiting_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM sync_pending").fetchone()[0]


def apply_rewrites(conn: sqlite3.Connection, pairs: object) -> list[str]:
    """Apply a server's ``update_urls`` ([old, new] pairs): a subscription's address it
    rewrote becomes ours too; an episode address is remembered as an alias. Returns the
    addresses the server refused (rewritten to "")."""
    refused = []
    for pair in pairs if isinstance(pairs, list) else []:
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(url, str) for url in pair)):
            continue
        old, new = pair[0], pair[1].strip()
        if not new:
            refused.append(old)
        elif new != old:
            _rewrite(conn, old, new)
    return refused


def _rewrite(conn: sqlite3.Connection, old: str, new: str) -> None:
    feed_id = feed_for(conn, old)
    if feed_id is None:
        conn.execute("INSERT OR REPLACE INTO sync_aliases (url, episode_id) "
                     "SELECT ?, id FROM episodes WHERE enclosure_url = ?", (new, old))
        return
    try:
        new = check_feed_url(new)
    except UnsupportedURL:
        return
    if find_by_url(conn, new) not in (None, feed_id):
        return
    conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (new, feed_id))
    log_event(conn, feed_id, "moved", f"the sync server spells the address {new} "
                                      f"(was {old}); using its spelling")


def _remember(conn: sqlite3.Connection, action: EpisodeAction, state: State) -> None:
    key = "guid:" + action.guid if action.guid else "episode:" + action.episode
    conn.execute(
        """INSERT INTO sync_pending (key, podcast, episode, guid, at, played, position)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET podcast = excluded.podcast,
               episode = excluded.episode, guid = excluded.guid, at = excluded.at,
               played = excluded.played, position = excluded.position
           WHERE (excluded.at, excluded.played, excluded.position)
                 > (sync_pending.at, sync_pending.played, sync_pending.position)""",
        (key, action.podcast, action.episode, action.guid, action.at,
         *state.key()))


def _feed_key(url: str) -> str:
    try:
        return same_feed_key(check_feed_url(url))
    except UnsupportedURL:
        return url


def _loose(url: str) -> str:
    """An address without its scheme: hosts move enclosures from http to https."""
    return url.split("://", 1)[-1]
