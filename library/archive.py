"""Dead feeds: when to archive one, and the plain notice that says so.

A feed is archived after it has failed for a sustained period: at least
``archive_after_failures`` consecutive failed checks spanning at least
``archive_after_days`` days. A server that twice answers 410 Gone has said the feed is
gone on purpose, so that alone is enough. Only failures count: a show that stopped
publishing (finished, ``podcast:updateFrequency complete``) but still answers is never
archived. Archived feeds keep everything, stay playable, and are skipped by "refresh
all"; a successful explicit check brings them back (see :mod:`library.health`).

The words the CLI (``podterm info``) and the TUI (the feed's page) show are made here,
so both say the same: :func:`archive_notice` for an archived feed, :func:`failing_notice`
for one that fails but is not archived yet (how long, the last error, when the rule
would archive it, what to do now).
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from typing import Any

from library.feeds import log_event
from library.models import Feed, local_date
from library.record import Record
from library.text import clean_line, plural

GONE_CHECKS_TO_ARCHIVE = 2

_WHAT_FAILED = {
    "dns": "The address stopped resolving (DNS)",
    "refused": "The server refused connections",
    "timeout": "The server stopped answering in time",
    "tls": "The secure connection (TLS) failed",
    "network": "The connection kept failing",
    "not_a_feed": "The address returned a web page instead of a feed",
    "malformed": "The feed could not be read (malformed XML)",
    "too_large": "The feed grew too large to download",
    "parse_timeout": "The feed took too long to read",
    "parse_memory": "The feed needed too much memory to read",
    "parser_died": "The feed could not be read (the parser stopped)",
    "rate_limited": "The server kept asking us to wait",
    "unsupported": "The feed redirected to an address podterm may not fetch",
    "redirects": "The address redirected in circles",
    "private_network": "The feed's server sent podterm into your private network (refused)",
}


class ArchiveRule(Record, frozen=True):
    """The ``[health]`` table of config.toml."""

    failures: int = 5
    days: float = 14

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> "ArchiveRule":
        return cls(table["archive_after_failures"], table["archive_after_days"])

    def describe(self) -> str:
        """"5 failed checks over 14 days" ("1 failed check" when days is 0)."""
        checks = plural(max(1, self.failures), "failed check")
        if not self.days:
            return checks
        days = f"{self.days:g} day" + ("" if self.days == 1 else "s")
        return f"{checks} over {days}"


class ArchiveNotice(Record, frozen=True):
    """What an archived feed's page and ``podterm info`` say: when, why, what now."""

    when: str
    why: str
    what_now: tuple[str, ...]
    actions: tuple[str, ...]

    def lines(self) -> list[str]:
        return [self.when, self.why, *self.what_now]


class FailingNotice(Record, frozen=True):
    """What a failing (not yet archived) feed's page and ``podterm info`` say: how many
    checks failed since when, the last error, when the archive rule would archive it,
    and what the user can do now (``actions``, in the order the TUI shows their keys)."""

    failing: str
    last_error: str
    next: str
    brief: str   # all three in one short line, for a small terminal
    actions: tuple[str, ...] = ("check again now", "edit the feed URL",
                                "search for a newer version")

    def lines(self) -> list[str]:
        return [self.failing, self.last_error, self.next]


def apply_archive_rule(conn: sqlite3.Connection, feed_id: int, rule: ArchiveRule,
                       now: float) -> str | None:
    """Archive the feed if its failure streak meets ``rule``. Returns None, or when it
    was archived now, why in a few words for a refresh's summary ("410 Gone twice",
    "5 failed checks over 15 days (the last: HTTP 404 Not Found)").

    Call right after :func:`library.health.record_failure`, in the same transaction.
    """
    row = conn.execute("SELECT status, consecutive_failures, first_failure_at, last_error "
                       "FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    if row is None or row["status"] == "archived" or not row["consecutive_failures"]:
        return None
    streak, since = row["consecutive_failures"], row["first_failure_at"] or now
    sustained = streak >= max(1, rule.failures) and now - since >= rule.days * 86_400
    gone = _recent_kinds(conn, feed_id, GONE_CHECKS_TO_ARCHIVE) == ["gone"] * GONE_CHECKS_TO_ARCHIVE
    if not (sustained or gone):
        return None
    reason = failure_reason(conn, feed_id)
    conn.execute("UPDATE feeds SET status = 'archived', archived_at = ?, archive_reason = ? "
                 "WHERE id = ?", (now, reason, feed_id))
    log_event(conn, feed_id, "archived", reason, at=now)
    if gone:
        return "410 Gone twice"
    days = int((now - since) // 86_400)
    over = f" over {plural(days, 'day')}" if days else ""
    return (f"{plural(streak, 'failed check')}{over} "
            f"(the last: {clean_line(row['last_error'] or 'failed')})")


def failure_reason(conn: sqlite3.Connection, feed_id: int) -> str:
    """The current failure streak in one plain sentence, e.g. "The server answered 404
    Not Found on 6 checks between 2024-09-30 and 2024-10-23."."""
    feed = conn.execute("SELECT consecutive_failures, first_failure_at, last_checked_at "
                        "FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    failures = conn.execute(
        "SELECT error_kind, error, http_status FROM feed_checks WHERE feed_id = ? AND ok = 0 "
        "AND at >= ? ORDER BY at DESC, id DESC", (feed_id, feed["first_failure_at"] or 0)
    ).fetchall()
    if not failures:
        return "The feed could not be fetched."
    latest = failures[0]
    streak = max(feed["consecutive_failures"], len(failures))
    span = _span(feed["first_failure_at"], feed["last_checked_at"], streak)
    sentence = f"{_what_failed(latest)} {span}."
    others = Counter(_what_failed(f) for f in failures if _what_failed(f) != _what_failed(latest))
    if others:
        listed = "; ".join(f"{what.lower()} ({n}×)" for what, n in others.most_common(3))
        sentence += f" Other checks in that time failed too: {listed}."
    return sentence


def archive_notice(feed: Feed) -> ArchiveNotice:
    return ArchiveNotice(
        when=f"This feed was archived on {local_date(feed.archived_at)}.",
        why=feed.archive_reason or "It failed for a sustained period.",
        what_now=("You might be able to find a more up-to-date version using search.",
                  "This series will no longer be checked for updates."),
        actions=("search for a newer version", "check again now", "edit the feed URL",
                 "unsubscribe"),
    )


def failing_notice(feed: Feed, rule: ArchiveRule, now: float | None = None) -> FailingNotice:
    """The notice of a feed whose last checks failed (``feed.consecutive_failures``)."""
    now = time.time() if now is None else now
    streak = feed.consecutive_failures
    since = local_date(feed.first_failure_at or feed.last_checked_at)
    last_ok = (f"last success {local_date(feed.last_success_at)}" if feed.last_success_at
               else "it never answered as a feed")
    failing = (f"{plural(streak, 'check')} failed in a row since {since} ({last_ok})."
               if streak > 1 else f"1 check failed, on {since} ({last_ok}).")
    error = clean_line(feed.last_error or "") or "unknown"
    remaining = _until_archived(feed, rule, now)
    following = f"If it keeps failing, it will be archived after {rule.describe()}: {remaining}."
    gone = feed.last_error_kind == "gone"
    if gone:
        following += " The server said the feed is gone (410): if it says so again, " \
                     "it is archived at once."
    brief = (f"{plural(streak, 'failed check')} since {since} ({error}); archived "
             + ("if the next check says 410 Gone again" if gone else f"after {remaining}"))
    return FailingNotice(
        failing=failing,
        last_error=f"Last error ({local_date(feed.last_checked_at)}): {error}",
        next=following,
        brief=brief + ".",
    )


def _until_archived(feed: Feed, rule: ArchiveRule, now: float) -> str:
    """"3 more checks, not before 2026-12-12", or "the next failed check"."""
    more = max(1, rule.failures) - feed.consecutive_failures
    earliest = (feed.first_failure_at or now) + rule.days * 86_400
    parts = []
    if more > 0:
        parts.append(plural(more, "more check"))
    if earliest > now:
        parts.append(f"not before {local_date(earliest)}")
    return ", ".join(parts) or "the next failed check"


def _what_failed(check: sqlite3.Row) -> str:
    kind = check["error_kind"]
    if kind in ("http", "gone") and check["http_status"]:
        return f"The server answered {check['error'].removeprefix('HTTP ')}"
    return _WHAT_FAILED.get(kind, f"Fetching failed ({check['error']})")


def _span(first: float | None, last: float | None, checks: int) -> str:
    start, end = local_date(first), local_date(last)
    if checks == 1:
        return f"on 1 check on {end}"
    if start == end:
        return f"on {checks} checks on {end}"
    return f"on {checks} checks between {start} and {end}"


def _recent_kinds(conn: sqlite3.Connection, feed_id: int, count: int) -> list[str]:
    rows = conn.execute("SELECT error_kind FROM feed_checks WHERE feed_id = ? "
                        "ORDER BY at DESC, id DESC LIMIT ?", (feed_id, count)).fetchall()
    return [row["error_kind"] for row in rows]
