"""Records of what the library stores (feeds, episodes), with their JSON shapes."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from library.durations import format_duration
from library.record import Record
from library.text import html_to_text
from library.urls import shown_url

# Addresses are normalised before they are stored; rows written by older versions (a
# redirect's raw Location header) are made safe to print as they are read.
_FEED_URLS = ("url", "link", "image_url", "new_feed_url")
_EPISODE_URLS = ("enclosure_url", "link", "chapters_url", "transcript_url")


def _safe_urls(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    for name in names:
        if values.get(name):
            values[name] = shown_url(values[name])
    return values


@lru_cache(maxsize=64)
def _columns(cls: type[Record], keys: tuple[str, ...]) -> tuple[str, ...]:
    """The fields of ``cls`` that a query's rows (with columns ``keys``) carry; asked
    once per query shape, not per row (listing a feed's episodes reads thousands)."""
    return tuple(name for name in cls._fields if name in keys)


def iso(timestamp: float | None) -> str | None:
    """A stored UNIX time as ISO 8601 in UTC, e.g. "2024-10-23T08:00:00+00:00"."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def local_date(timestamp: float | None, missing: str = "—") -> str:
    """A stored UNIX time as the user's local date, e.g. "2024-10-23"."""
    if timestamp is None:
        return missing
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d")


class Feed(Record):
    id: int
    url: str
    title: str
    author: str
    description: str
    link: str | None
    image_url: str | None
    podcast_guid: str | None
    itunes_id: str | None
    category: str
    complete: bool
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    added_at: float
    last_checked_at: float | None
    last_success_at: float | None
    consecutive_failures: int
    first_failure_at: float | None
    last_http_status: int | None
    last_error: str | None
    last_error_kind: str | None
    status: str
    archived_at: float | None
    new_feed_url: str | None
    archive_reason: str | None = None
    # Aggregates over the feed's episodes, filled by the listing query.
    episode_count: int = 0
    unplayed_count: int = 0
    total_duration_s: int = 0

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Feed":
        names = _columns(cls, tuple(row.keys()))
        return cls.from_values(_safe_urls({name: row[name] for name in names}, _FEED_URLS))

    @property
    def display_title(self) -> str:
        return self.title or self.url

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.display_title,
            "url": self.url,
            "author": self.author,
            "link": self.link,
            "category": self.category,
            "status": self.status,
            "episode_count": self.episode_count,
            "unplayed_count": self.unplayed_count,
            "total_duration_s": self.total_duration_s,
            "total_duration": format_duration(self.total_duration_s),
            "last_checked_at": iso(self.last_checked_at),
            "last_success_at": iso(self.last_success_at),
            "consecutive_failures": self.consecutive_failures,
            "last_http_status": self.last_http_status,
            "last_error": self.last_error,
            "archived_at": iso(self.archived_at),
            "archive_reason": self.archive_reason,
            "complete": bool(self.complete),
            "new_feed_url": self.new_feed_url,
        }


class Episode(Record):
    id: int
    feed_id: int
    identity: str
    guid: str | None
    title: str
    published_at: float | None
    duration_s: int | None
    enclosure_url: str | None
    enclosure_type: str | None
    enclosure_length: int | None
    link: str | None
    chapters_url: str | None
    transcript_url: str | None
    played: bool
    position_s: float
    first_seen_at: float
    feed_title: str = ""
    notes_html: str | None = None   # the feed's notes, until first read as plain text
    plain_notes: str = ""

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Episode":
        keys = tuple(row.keys())
        values = _safe_urls({name: row[name] for name in _columns(cls, keys)},
                            _EPISODE_URLS)
        values["played"] = bool(values["played"])
        if "notes" in keys:
            values["plain_notes"] = row["notes"]
        return cls.from_values(values)

    @property
    def notes(self) -> str:
        """Show notes as plain text, converted from the feed's HTML on first use: a
        refresh stores them as written (converting them all was most of its work)."""
        if self.notes_html is not None:
            self.plain_notes, self.notes_html = html_to_text(self.notes_html), None
        return self.plain_notes

    @property
    def duration(self) -> str | None:
        return format_duration(self.duration_s)

    @property
    def progress(self) -> float | None:
        """Fraction listened (0..1) for an unfinished episode with a known duration."""
        if self.played or not self.position_s or not self.duration_s:
            return None
        return min(1.0, self.position_s / self.duration_s)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "feed_id": self.feed_id,
            "feed_title": self.feed_title,
            "guid": self.guid,
            "title": self.title,
            "published_at": iso(self.published_at),
            "duration_s": self.duration_s,
            "duration": self.duration,
            "enclosure_url": self.enclosure_url,
            "enclosure_type": self.enclosure_type,
            "enclosure_length": self.enclosure_length,
            "link": self.link,
            "chapters_url": self.chapters_url,
            "transcript_url": self.transcript_url,
            "played": self.played,
            "position_s": round(self.position_s, 1),
        }
