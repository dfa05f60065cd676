"""Subscriptions in and out as OPML files: import in one transaction, export."""

from __future__ import annotations

import os
import sqlite3
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from library.duplicates import Duplicate
from library.feeds import add_feed, list_feeds
from library.opml import MAX_OPML_BYTES, ExportFeed, OpmlDocument, OpmlError, export_opml, parse_opml
from library.store import transaction

CATEGORY_SEPARATOR = " / "


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
    """What an OPML import did, one line per outline."""

    lines: list[ImportLine] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(line.result == result for line in self.lines)

    @property
    def added_ids(self) -> list[int]:
        return [line.feed_id for line in self.lines
                if line.result == "added" and line.feed_id is not None]

    def mark_duplicates(self, dropped: list[Duplicate]) -> list[Duplicate]:
        """Report feeds :func:`library.duplicates.drop_duplicates` unsubscribed again."""
        by_id = {duplicate.feed_id: duplicate for duplicate in dropped}
        for line in self.lines:
            if line.feed_id in by_id:
                line.result = "skipped"
                line.reason = "duplicate: " + by_id[line.feed_id].describe()
        return dropped

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
            feed_id, added = add_feed(conn, entry.url, entry.title,
                                      CATEGORY_SEPARATOR.join(entry.category), entry.html_url)
            report.lines.append(ImportLine(entry.title, entry.url,
                                           "added" if added else "already subscribed",
                                           feed_id=feed_id))
    for skip in document.skipped:
        report.lines.append(ImportLine(skip.text, getattr(skip, "url", None), "skipped",
                                       skip.reason))
    return report


def read_opml_file(path: Path) -> OpmlDocument:
    """Read and parse an OPML file; :class:`OpmlError` says what is wrong, naming it."""
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise OpmlError(f"{path} is too large for an OPML file "
                            f"(over {MAX_OPML_BYTES // (1024 * 1024)} MB)")
        data = path.read_bytes()
    except OSError as exc:
        raise OpmlError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return parse_opml(data)
    except OpmlError as exc:
        raise OpmlError(f"{path}: {exc}") from None


def export_library(conn: sqlite3.Connection) -> tuple[bytes, int]:
    """Every subscription as an OPML 2.0 document, and how many there are."""
    feeds = list_feeds(conn)
    document = export_opml(
        ExportFeed(f.display_title, f.url, f.link,
                   tuple(filter(None, f.category.split(CATEGORY_SEPARATOR))))
        for f in feeds)
    return document, len(feeds)


def write_opml_file(path: Path, document: bytes) -> None:
    """Write an exported document to ``path`` whole or not at all (a full disk leaves the
    previous file, if any, untouched); :class:`OpmlError` says what failed."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as stream:
            stream.write(document)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, path)
    except OSError as exc:
        with suppress(OSError):
            partial.unlink()
        raise OpmlError(f"cannot write {path}: {exc.strerror or exc}") from None
