"""Servers that asked podterm to wait (429 or 503 with ``Retry-After``), remembered.

What the server asked about is the address it answered for, so that address, and only
it, is left alone until the time asked: other feeds on the same host are checked as
usual (a host serving thousands of shows that throttles one is no reason to stop
updating the others, nor to count them as failing). A check that was not made because
of such a wait is *skipped*, never a failure, so it can never archive a feed.

The wait is stored in the library (table ``retry_after``), so the next refresh, from
the command line or the player, respects it too.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from urllib.parse import urlsplit


def pending(conn: sqlite3.Connection, now: float) -> dict[str, float]:
    """Address -> UNIX time before which it must not be asked; expired waits are dropped."""
    conn.execute("DELETE FROM retry_after WHERE not_before <= ?", (now,))
    return {row["url"]: row["not_before"]
            for row in conn.execute("SELECT url, not_before FROM retry_after")}


def remember(conn: sqlite3.Connection, url: str, not_before: float, now: float) -> None:
    conn.execute(
        "INSERT INTO retry_after (url, host, not_before, asked_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (url) DO UPDATE SET not_before = excluded.not_before, "
        "asked_at = excluded.asked_at",
        (url, urlsplit(url).hostname or "", not_before, now))


def describe_wait(not_before: float, now: float) -> str:
    """The reason shown for a skipped check, e.g. "the server asked podterm to wait
    until 14:05 (in 58 min); not checked this time"."""
    when = datetime.fromtimestamp(not_before)
    today = datetime.fromtimestamp(now).date() == when.date()
    shown = when.strftime("%H:%M" if today else "%Y-%m-%d %H:%M")
    left = max(0.0, not_before - now)
    span = f"{left:.0f} s" if left < 120 else f"{left / 60:.0f} min" if left < 7200 \
        else f"{left / 3600:.0f} h"
    return f"the server asked podterm to wait until {shown} (in {span}); not checked this time"
