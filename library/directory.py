"""Podcast directories: Apple, Podcast Index (keyless and with a key), fyyd.

Each provider has a configurable base URL (the ``[directory]`` table; tests point them
at 127.0.0.1) and turns its JSON into :class:`Candidate` rows. An unreachable or broken
directory raises :class:`DirectoryError` with a clear message; callers that ask several
directories collect those instead of failing. Redirects are followed by hand, like a
feed's (http/https only, at most five, never from a public server into the private
network: see :mod:`library.netpolicy`).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable
from urllib.parse import urlsplit

import httpx

from library.duplicates import Duplicate, find_duplicate
from library.fetch import (
    MAX_REDIRECTS, REDIRECT_REFUSED, USER_AGENT, describe_transport_error, invalid_location,
)
from library.models import iso
from library.netpolicy import is_private_address, peer_address, refusal
from library.pinning import CheckedSyncTransport, PrivateAddress
from library.text import clean_line
from library.urls import UnsupportedURL, check_feed_url, duplicate_key, join_url

TIMEOUT_S = 15
# Dates outside this span are a directory's placeholder or mistake, not a newest episode.
EARLIEST, LATEST = 631_152_000.0, 4_102_444_800.0   # 1990-01-01, 2100-01-01 (UTC)


class DirectoryError(Exception):
    """A directory could not be asked; the message names it and says why."""


@dataclass
class Candidate:
    """A show as a directory lists it. ``description`` is plain text on one line;
    ``episode_count`` and ``newest_episode_at`` (a UNIX time) are what the directory
    last saw, None when it does not say (Apple gives no description, fyyd no count)."""

    title: str
    author: str
    feed_url: str
    provider: str
    itunes_id: str | None = None
    podcast_guid: str | None = None
    description: str = ""
    episode_count: int | None = None
    newest_episode_at: float | None = None
    likely_same: bool = False   # set by the fallback: exact title and author match
    found_by: str = ""          # how the fallback found it ("search by title", ...)

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "newest_episode_at": iso(self.newest_episode_at)}

    def fill_in(self, other: "Candidate") -> None:
        """Complete what this listing lacks from another directory's listing of the
        same feed; of two counts and dates, the newer (larger) one is kept."""
        self.itunes_id = self.itunes_id or other.itunes_id
        self.podcast_guid = self.podcast_guid or other.podcast_guid
        self.author = self.author or other.author
        if len(other.description) > len(self.description):
            self.description = other.description
        self.episode_count = _larger(self.episode_count, other.episode_count)
        self.newest_episode_at = _larger(self.newest_episode_at, other.newest_episode_at)


@dataclass
class DirectorySettings:
    """The ``[directory]`` table of config.toml."""

    providers: list[str]
    apple_url: str
    podcastindex_url: str
    podcastindex_key: str
    podcastindex_secret: str
    fyyd_url: str

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> "DirectorySettings":
        return cls(**{name: table[name] for name in cls.__dataclass_fields__})

    @property
    def has_podcastindex_key(self) -> bool:
        return bool(self.podcastindex_key and self.podcastindex_secret)


class Directory:
    """Ask the configured directories. Safe to use from a worker thread."""

    def __init__(self, settings: DirectorySettings) -> None:
        self.settings = settings
        verify, limits = httpx.create_ssl_context(trust_env=False), httpx.Limits()
        common: dict[str, Any] = dict(timeout=TIMEOUT_S, headers={"User-Agent": USER_AGENT},
                                      follow_redirects=False, trust_env=False, verify=verify,
                                      limits=limits)
        self._client = httpx.Client(**common)
        # For requests a public server caused: connects only to checked public addresses.
        self._public = httpx.Client(**common, transport=CheckedSyncTransport(verify=verify,
                                                                              limits=limits))

    def close(self) -> None:
        self._client.close()
        self._public.close()

    def __enter__(self) -> "Directory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- searches -------------------------------------------------------------
    def search(self, term: str, provider: str) -> list[Candidate]:
        """Search one provider by title or words."""
        if provider == "apple":
            data = self._get("Apple", self.settings.apple_url, "/search",
                             {"media": "podcast", "entity": "podcast", "term": term})
            return _apple_results(data, "apple")
        if provider == "podcastindex":
            if self.settings.has_podcastindex_key:
                data = self._podcastindex("/api/1.0/search/byterm", {"q": term})
                return _podcastindex_feeds(data.get("feeds"))
            data = self._get("Podcast Index", self.settings.podcastindex_url, "/search",
                             {"term": term})
            return _apple_results(data, "podcastindex")
        if provider == "fyyd":
            data = self._get("fyyd", self.settings.fyyd_url, "/0.2/search/podcast",
                             {"title": term})
            return _fyyd_results(data)
        raise DirectoryError(f"unknown directory {provider!r} (known: apple, podcastindex, fyyd)")

    def apple_lookup(self, itunes_id: str) -> list[Candidate]:
        data = self._get("Apple", self.settings.apple_url, "/lookup", {"id": itunes_id})
        return _apple_results(data, "apple")

    def podcastindex_by_feed_url(self, url: str) -> list[Candidate]:
        data = self._podcastindex("/api/1.0/podcasts/byfeedurl", {"url": url})
        return _podcastindex_feeds([data.get("feed")])

    def podcastindex_by_guid(self, guid: str) -> list[Candidate]:
        data = self._podcastindex("/api/1.0/podcasts/byguid", {"guid": guid})
        return _podcastindex_feeds([data.get("feed")])

    # -- HTTP -----------------------------------------------------------------
    def _podcastindex(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return self._get("Podcast Index", self.settings.podcastindex_url, path, params,
                         podcastindex_headers(self.settings.podcastindex_key,
                                              self.settings.podcastindex_secret))

    def _get(self, name: str, base: str, path: str, params: dict[str, str],
             headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self._follow(name, base, httpx.URL(base.rstrip("/") + path, params=params),
                                headers)
        if response.status_code != 200:
            raise DirectoryError(f"{name} ({base}) answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise DirectoryError(f"{name} ({base}) did not answer with JSON") from None
        if not isinstance(data, dict):
            raise DirectoryError(f"{name} ({base}) answered with unexpected JSON")
        return data

    def _follow(self, name: str, base: str, url: httpx.URL,
                headers: dict[str, str] | None) -> httpx.Response:
        """GET ``url``, following redirects by the rules; the last response, read."""
        sent_by: str | None = None  # the public host whose redirect led to ``url``
        for _hop in range(MAX_REDIRECTS + 1):
            client = self._public if sent_by else self._client
            try:
                with client.stream("GET", url, headers=headers) as response:
                    peer = peer_address(response)
                    response.read()
            except PrivateAddress as exc:
                raise DirectoryError(f"{name} ({base}): "
                                     f"{refusal(sent_by or '', str(url), exc.ip)}") from None
            except httpx.HTTPError as exc:
                reason = REDIRECT_REFUSED + "not a valid address" if isinstance(
                    exc, httpx.RemoteProtocolError) and invalid_location(exc) \
                    else describe_transport_error(exc)[1]
                raise DirectoryError(f"{name} ({base}): {reason}") from None
            if not response.has_redirect_location:
                return response
            try:
                target = join_url(str(url), response.headers["location"])
            except UnsupportedURL as exc:
                raise DirectoryError(f"{name} ({base}): {REDIRECT_REFUSED}{exc}") from None
            sent_by = None if peer and is_private_address(peer) else urlsplit(str(url)).hostname
            url = httpx.URL(target)
        raise DirectoryError(f"{name} ({base}): more than {MAX_REDIRECTS} redirects")


@dataclass
class Listing:
    """A show found by a directory search, once, with every directory that lists it,
    and the subscription it already is, if any (see :func:`mark_subscribed`)."""

    candidate: Candidate
    listed_by: list[str]
    subscribed: Duplicate | None = None

    def to_json(self) -> dict[str, Any]:
        mine = self.subscribed
        return {**self.candidate.to_json(), "listed_by": self.listed_by,
                "subscribed_feed_id": mine.of if mine else None,
                "subscribed_because": mine.why if mine else None}


def search_all(settings: DirectorySettings, term: str,
               providers: list[str] | None = None) -> tuple[list[Listing], list[str]]:
    """Ask each provider (default: the configured ones) for ``term``; blocking.

    Returns each show once, and one message per directory that could not be asked.
    """
    shows: dict[str, Listing] = {}
    problems = []
    with Directory(settings) as directory:
        for provider in providers or settings.providers:
            try:
                found = directory.search(term, provider)
            except DirectoryError as exc:
                problems.append(str(exc))
                continue
            for candidate in found:
                key = duplicate_key(candidate.feed_url)
                if key in shows:
                    shows[key].candidate.fill_in(candidate)
                else:
                    shows[key] = Listing(candidate, [])
                if provider not in shows[key].listed_by:
                    shows[key].listed_by.append(provider)
    return list(shows.values()), problems


def mark_subscribed(conn: sqlite3.Connection, listings: list[Listing]) -> list[Listing]:
    """Set each listing's :attr:`Listing.subscribed`: the subscription that is this show
    by its address (http or https, trailing slash or not), podcast:guid or iTunes id."""
    for listing in listings:
        candidate = listing.candidate
        listing.subscribed = find_duplicate(conn, [candidate.feed_url], candidate.podcast_guid,
                                            None, itunes_id=candidate.itunes_id)
    return listings


def podcastindex_headers(key: str, secret: str, now: float | None = None) -> dict[str, str]:
    """Podcast Index API auth: Authorization = sha1(key + secret + unix date)."""
    date = str(int(time.time() if now is None else now))
    digest = hashlib.sha1((key + secret + date).encode()).hexdigest()
    return {"X-Auth-Key": key, "X-Auth-Date": date, "Authorization": digest}


def _apple_results(data: dict[str, Any], provider: str) -> list[Candidate]:
    """Apple's (and the keyless Podcast Index's) results: ``trackCount`` episodes, the
    newest released at ``releaseDate``; Apple's search gives no description."""
    return _usable(_candidate(item.get("collectionName") or item.get("trackName"),
                              item.get("artistName"), item.get("feedUrl"), provider,
                              itunes_id=item.get("collectionId"),
                              episode_count=item.get("trackCount"),
                              newest=item.get("releaseDate"))
                   for item in _list(data.get("results")))


def _podcastindex_feeds(items: Any) -> list[Candidate]:
    return _usable(_candidate(item.get("title"), item.get("author"), item.get("url"),
                              "podcastindex", itunes_id=item.get("itunesId"),
                              podcast_guid=item.get("podcastGuid"),
                              description=item.get("description"),
                              episode_count=item.get("episodeCount"),
                              newest=item.get("newestItemPubdate"))
                   for item in _list(items))


def _fyyd_results(data: dict[str, Any]) -> list[Candidate]:
    """fyyd's podcasts: ``lastpub`` is the newest episode's date ("2017-04-13 02:03:27")."""
    return _usable(_candidate(item.get("title"), item.get("author"), item.get("xmlURL"),
                              "fyyd", description=item.get("description")
                              or item.get("subtitle"),
                              episode_count=item.get("episode_count"),
                              newest=item.get("lastpub"))
                   for item in _list(data.get("data")))


def _candidate(title: Any, author: Any, url: Any, provider: str, itunes_id: Any = None,
               podcast_guid: Any = None, description: Any = None, episode_count: Any = None,
               newest: Any = None) -> Candidate | None:
    try:
        feed_url = check_feed_url(str(url or ""))
    except UnsupportedURL:
        return None  # directory entries without a usable feed address are no candidates
    return Candidate(clean_line(str(title or "")) or feed_url, clean_line(str(author or "")),
                     feed_url, provider,
                     itunes_id=str(itunes_id) if itunes_id else None,
                     podcast_guid=clean_line(str(podcast_guid)) if podcast_guid else None,
                     description=clean_line(description) if isinstance(description, str)
                     else "",
                     episode_count=_count(episode_count), newest_episode_at=_time(newest))


def _count(value: Any) -> int | None:
    """A count as directories send it (a number, sometimes a string); None if it is not."""
    if isinstance(value, bool):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return count if count >= 0 else None


def _time(value: Any) -> float | None:
    """UNIX seconds, ISO 8601 ("2024-10-23T08:00:00Z") or "2024-10-23 08:00:00" (UTC
    assumed when no zone is given); None for anything else or a time before 1990."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        stamp = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        stamp = when.timestamp()
    else:
        return None
    return stamp if EARLIEST < stamp < LATEST else None


def _larger(a, b):
    return b if a is None else a if b is None else max(a, b)


def _usable(candidates: Iterable[Candidate | None]) -> list[Candidate]:
    return [candidate for candidate in candidates if candidate is not None]


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
