"""One whole sync, for the CLI and for a UI's worker thread: :func:`sync`.

The steps, in an order where a failure at any point loses nothing (outbox rows go only
once the server accepted them; a ``since`` moves only with what it brought):

1. upload the waiting subscription changes;
2. download subscription changes: add the new feeds (checked like any added feed), and
   for feeds removed elsewhere ask ``decide_removal`` (remove here, keep and subscribe
   again everywhere, or decide later: then the feed stays and the question comes back);
3. fetch the new feeds with the usual refresh rules, so their episodes are here;
4. download episode actions and apply them (the newest wins), or remember them until
   their episode appears;
5. upload the waiting episode actions, 30 at a time.

The first sync with an account merges: every local subscription and listening state is
uploaded, the server's are applied, nothing is removed. Every ``FULL_REREAD_EVERY``-th
sync reads everything again (``since=0``).

``since`` is always the timestamp the server returned last time, but asked for with a
margin: mygpo and Nextcloud filter episode actions by the action's own time, not by when
it was uploaded, so an action made offline and uploaded late would slip past devices
that had already gone beyond it. Episode actions are asked for from a day before (an
action made offline up to a day earlier still arrives at the next sync; older ones with
the full re-read), subscription changes (stamped by the server) from a second before
(``since`` is strict on one server, inclusive on another). Actions already seen in that
margin are dropped before they are applied.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import httpx

from library.feeds import add_feed, get_feed, remove_feed
from library.refresh import FeedOutcome, refresh
from library.refreshsettings import RefreshSettings
from library.store import atomic, connect
from library.sync import outbox
from library.sync.apply import (apply_actions, apply_rewrites, apply_waiting, feed_for,
                                waiting_count)
from library.sync.client import Api, RateLimited, open_api
from library.sync.settings import SyncError, SyncSettings
from library.urls import UnsupportedURL, same_feed_key

FULL_REREAD_EVERY = 10
OVERLAP_S = 1               # subscription changes
ACTIONS_LOOKBACK_S = 86_400  # episode actions


@dataclass(frozen=True)
class RemovalQuestion:
    """A feed another device unsubscribed from, and what removing it here forgets."""

    feed_id: int
    title: str
    url: str
    episodes: int
    played: int
    started: int

    def describe(self) -> str:
        history = f"{self.played} played, {self.started} in progress"
        episodes = f"{self.episodes} episode{'' if self.episodes == 1 else 's'}"
        return (f"{self.title} was unsubscribed on another device. Removing it here "
                f"forgets its {episodes} ({history}).")


# True: remove here. False: keep it, and subscribe again on every device. None: not now.
DecideRemoval = Callable[[RemovalQuestion], "bool | None"]
FetchNew = Callable[[Path, list[int]], list[FeedOutcome]]


@dataclass
class SyncReport:
    """What a sync did. ``errors`` are failures; ``held`` are removals made elsewhere that
    wait for the user's answer (the JSON lists both under "errors"). ``retry_at`` (UNIX
    time) is when trying again makes sense after a failure; ``added`` and ``removed``
    name the feeds for people."""

    subscriptions_added: int = 0
    subscriptions_removed: int = 0
    subscriptions_uploaded: int = 0
    episodes_uploaded: int = 0
    episodes_applied: int = 0
    episodes_pending: int = 0
    errors: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    full_reread: bool = False
    retry_at: float | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "subscriptions": {"added": self.subscriptions_added,
                              "removed": self.subscriptions_removed,
                              "uploaded": self.subscriptions_uploaded},
            "episodes": {"uploaded": self.episodes_uploaded,
                         "applied": self.episodes_applied,
                         "pending": self.episodes_pending},
            "errors": self.errors + self.held,
        }


def sync(target: sqlite3.Connection | Path, settings: SyncSettings, *,
         decide_removal: DecideRemoval | None = None, fetch_new: FetchNew | None = None,
         full: bool = False, sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.time,
         transport: httpx.BaseTransport | None = None) -> SyncReport:
    """Sync the library (a connection of this thread, or the database path) now.

    Blocks (call it from a worker thread in a UI). Never raises for a server or network
    problem: those end up in ``report.errors``.
    """
    report = SyncReport()
    try:
        settings = settings.checked()
    except SyncError as exc:
        report.errors.append(str(exc))
        return report
    conn = target if isinstance(target, sqlite3.Connection) else connect(target)
    state = _State(conn, settings.account)
    try:
        waited = state.number("retry_at")
        if waited and waited > clock():
            report.retry_at = waited
            report.errors.append("the sync server asked us to wait until "
                                 f"{datetime.fromtimestamp(waited):%H:%M:%S}; not synced now")
            return report
        try:
            with open_api(settings.with_password(), sleep, transport) as api:
                _Run(conn, api, state, report, decide_removal,
                     fetch_new or _fetch_with_refresh, full).run()
        except RateLimited as exc:
            report.retry_at = clock() + exc.wait_s
            state.set("retry_at", report.retry_at)
            report.errors.append(str(exc))
        except SyncError as exc:
            report.errors.append(str(exc))
        _remember_outcome(state, report, settings, clock())
        report.episodes_pending = waiting_count(conn)
    finally:
        if conn is not target:
            conn.close()
    return report


@dataclass
class SyncStatus:
    """For a status line: when the last sync worked, and the last error since."""

    last_success_at: float | None
    last_error: str | None
    retry_at: float | None


def status(conn: sqlite3.Connection, settings: SyncSettings) -> SyncStatus:
    state = _State(conn, settings.checked().account)
    return SyncStatus(state.number("last_success"), state.get("last_error"),
                      state.number("retry_at"))


class _Run:
    """The steps of one sync (see the module's docstring)."""

    def __init__(self, conn: sqlite3.Connection, api: Api, state: "_State",
                 report: SyncReport, decide: DecideRemoval | None, fetch_new: FetchNew,
                 full: bool) -> None:
        self.conn, self.api, self.state, self.report = conn, api, state, report
        self.decide, self.fetch_new = decide, fetch_new
        count = int(state.number("syncs") or 0)
        self.full = full or count % FULL_REREAD_EVERY == FULL_REREAD_EVERY - 1
        report.full_reread = self.full

    def run(self) -> None:
        self.api.start()
        first = self.state.number("subscriptions_since") is None
        if first:
            with atomic(self.conn):
                outbox.enqueue_subscriptions(self.conn)
        self.push_subscriptions()
        # Devices linked (or unlinked) since last time change what this device sees:
        # their subscriptions are not "changes since", so read them all.
        linked = json.dumps(self.api.linked_devices())
        added = self.pull_subscriptions(first, reread=self.state.get("linked") != linked)
        self.state.set("linked", linked)
        if added:
            self.fetch(added)
        self.pull_actions()
        if self.state.get("listening_uploaded") is None:
            with atomic(self.conn):
                outbox.enqueue_listening_state(self.conn)
                self.state.set("listening_uploaded", "yes")
        self.push_actions()
        self.push_subscriptions()  # feeds kept after a removal elsewhere
        self.state.set("syncs", int(self.state.number("syncs") or 0) + 1)

    # -- subscriptions ----------------------------------------------------------------
    def push_subscriptions(self) -> None:
        rows = outbox.subscription_changes(self.conn)
        if not rows:
            return
        rewrites = self.api.push_subscriptions([url for _, url, on in rows if on],
                                               [url for _, url, on in rows if not on])
        with atomic(self.conn):
            refused = apply_rewrites(self.conn, rewrites)
            outbox.uploaded(self.conn, [row_id for row_id, _, _ in rows])
        self.report.subscriptions_uploaded += len(rows)
        self.report.errors += [f"the sync server refused the address {url}" for url in refused]

    def pull_subscriptions(self, first: bool, reread: bool) -> list[int]:
        since = None if reread else self.state.number("subscriptions_since")
        add, remove, timestamp = self.api.pull_subscriptions(self._ask_since(since))
        changed_here = {same_feed_key(url) for _, url, _ in outbox.subscription_changes(self.conn)}
        added = []
        for url in dict.fromkeys(add):
            if same_feed_key(url) in changed_here:
                continue  # changed here since the upload: ours is newer
            self.conn.execute("DELETE FROM sync_held WHERE url = ?", (url,))
            if feed_for(self.conn, url) is not None:
                continue
            try:
                with outbox.quiet():
                    feed_id, new = add_feed(self.conn, url)
            except UnsupportedURL as exc:
                self.report.errors.append(f"not subscribing to {url} from the sync server: {exc}")
                continue
            if new:
                added.append(feed_id)
                self.report.subscriptions_added += 1
                self.report.added.append(url)
        if not first:
            held = [row[0] for row in self.conn.execute("SELECT url FROM sync_held")]
            for url in dict.fromkeys([u for u in remove if u not in add] + held):
                if same_feed_key(url) not in changed_here:
                    self.removed_elsewhere(url)
        self.state.set("subscriptions_since", timestamp)
        return added

    def removed_elsewhere(self, url: str) -> None:
        feed_id = feed_for(self.conn, url)
        if feed_id is None:
            self.conn.execute("DELETE FROM sync_held WHERE url = ?", (url,))
            return
        feed = get_feed(self.conn, feed_id)
        counts = self.conn.execute("SELECT COALESCE(SUM(played), 0), COALESCE(SUM(played = 0 AND "
                                   "position_s > 0), 0) FROM episodes WHERE feed_id = ?",
                                   (feed_id,)).fetchone()
        question = RemovalQuestion(feed_id, feed.display_title, feed.url, feed.episode_count,
                                   counts[0], counts[1])
        answer = self.decide(question) if self.decide else None
        if answer is None:
            self.conn.execute("INSERT OR IGNORE INTO sync_held (url, since) VALUES (?, ?)",
                              (url, time.time()))
            self.report.held.append(f"{question.describe()} It stays until you decide: run "
                                      "`podterm sync` in a terminal, or `podterm sync --yes` "
                                      "to remove it here.")
            return
        self.conn.execute("DELETE FROM sync_held WHERE url = ?", (url,))
        if answer:
            with outbox.quiet():
                remove_feed(self.conn, feed_id)
            self.report.subscriptions_removed += 1
            self.report.removed.append(question.title)
        else:
            outbox.record_subscription(self.conn, feed.url, True)

    def fetch(self, feed_ids: list[int]) -> None:
        database = Path(self.conn.execute("PRAGMA database_list").fetchone()[2])
        for outcome in self.fetch_new(database, feed_ids):
            if outcome.outcome == "failed":
                self.report.errors.append(f"subscribed to {outcome.url} from the sync server, "
                                          f"but fetching it failed: {outcome.error}")

    # -- episode actions --------------------------------------------------------------
    def pull_actions(self) -> None:
        since = self.state.number("actions_since")
        actions, timestamp = self.api.pull_actions(self._ask_since(since, ACTIONS_LOOKBACK_S))
        seen = set(json.loads(self.state.get("actions_boundary") or "[]"))
        fresh = actions if self.full else [a for a in actions if a.fingerprint() not in seen]
        with atomic(self.conn):
            changed, _waiting = apply_actions(self.conn, fresh)
            changed += apply_waiting(self.conn)
            self.state.set("actions_since", timestamp)
            self.state.set("actions_boundary", json.dumps(
                [a.fingerprint() for a in actions if a.at >= timestamp - ACTIONS_LOOKBACK_S]))
        self.report.episodes_applied += changed

    def push_actions(self) -> None:
        rows = outbox.episode_changes(self.conn)
        for start in range(0, len(rows), self.api.batch_size):
            batch = rows[start:start + self.api.batch_size]
            rewrites = self.api.push_actions([row.action for row in batch])
            with atomic(self.conn):
                apply_rewrites(self.conn, rewrites)
                outbox.uploaded(self.conn, [row.id for row in batch])
            self.report.episodes_uploaded += len(batch)

    def _ask_since(self, since: float | None, margin: int = OVERLAP_S) -> int:
        return 0 if since is None or self.full else max(0, int(since) - margin)


class _State:
    """What sync remembers per account (server, user, device), in ``sync_state``."""

    def __init__(self, conn: sqlite3.Connection, account: str) -> None:
        self.conn, self.account = conn, account

    def get(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM sync_state WHERE account = ? AND name = ?",
                                (self.account, name)).fetchone()
        return None if row is None else row[0]

    def number(self, name: str) -> float | None:
        value = self.get(name)
        return None if value is None else float(value)

    def set(self, name: str, value: object) -> None:
        if value is None:
            self.conn.execute("DELETE FROM sync_state WHERE account = ? AND name = ?",
                              (self.account, name))
        else:
            self.conn.execute("INSERT OR REPLACE INTO sync_state (account, name, value) "
                              "VALUES (?, ?, ?)", (self.account, name, str(value)))


def _remember_outcome(state: _State, report: SyncReport, settings: SyncSettings,
                      now: float) -> None:
    """Success clears the failure streak; failures back off, doubling up to the interval."""
    if report.ok:
        for name in ("retry_at", "last_error", "failures"):
            state.set(name, None)
        state.set("last_success", now)
        return
    state.set("last_error", report.errors[-1])
    if report.retry_at is None:
        failures = int(state.number("failures") or 0) + 1
        state.set("failures", failures)
        ceiling = max(60.0, settings.interval_min * 60)
        report.retry_at = now + min(ceiling, 60.0 * 2 ** (failures - 1))


def _fetch_with_refresh(database: Path, feed_ids: list[int]) -> list[FeedOutcome]:
    return refresh(database, feed_ids, RefreshSettings())
