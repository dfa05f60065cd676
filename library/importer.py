"""Bringing subscriptions in from an OPML file, all in one transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from library.feeds import add_feed
from library.opml import OpmlDocument
from library.store import transaction


@dataclass
class ImportLine:
    """One entry of the report: ``result`` is 'added', 'already subscribed' or 'skipped'."""

    title: str
    url: str | None
    result: str
    reason: str = ""
    feed_id: int | None = None


@dataclass
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(line.result == result for line in self.lines)

    @property
    def added_ids(self) -> list[int]:
        return [line.feed_id for line in self.lines
                if line.result == "added" and line.feed_id is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.count("added"),
            "already_subscribed": self.count("already subscribed"),
            "skipped": self.count("skipped"),
            "entries": [line.__dict__ for line in self.lines],
        }


def import_opml(conn: sqlite3.Connection, document: OpmlDocument) -> ImportReport:
    """Subscribe to every entry of ``document``; nothing is stored if anything fails."""
    report = ImportReport()
    with transaction(conn):
        for entry in document.entries:
            feed_id, added = add_feed(conn, entry.url, entry.title, " / ".join(entry.category),
                                      entry.html_url)
            report.lines.append(ImportLine(entry.title, entry.url,
                                           "added" if added else "already subscribed",
                                           feed_id=feed_id))
    for skip in document.skipped:
        report.lines.append(ImportLine(skip.text, getattr(skip, "url", None), "skipped",
                                       skip.reason))
    return report
