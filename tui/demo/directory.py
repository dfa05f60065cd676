"""A stand-in podcast directory on a loopback server, for the demo and the tests.

It answers in the JSON shapes of the real services, under three base paths that go in
the ``[directory]`` config: ``/apple`` (Apple Search API: /search, /lookup), ``/pi``
(Podcast Index: keyless /search, and /api/1.0/... checking the auth headers exactly as
the real API does) and ``/fyyd`` (/0.2/search/podcast). Each gives what the real one
gives about a show: Apple its episode count and newest release date but no description,
Podcast Index all three, fyyd the description and the newest date (``lastpub``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from tui.demo.server import LoopbackServer, Reply, RequestInfo


@dataclass
class ListedShow:
    """A show as the demo's podcast directory lists it."""

    title: str
    author: str
    feed_url: str
    itunes_id: int | None = None
    podcast_guid: str | None = None
    description: str = ""
    episode_count: int | None = None
    newest: float | None = None   # the newest episode's date, UNIX time


class FakeDirectory:
    """Serve ``shows`` on ``server``; ``config_table()`` gives the matching [directory]."""

    def __init__(self, server: LoopbackServer, shows: list[ListedShow],
                 key: str = "", secret: str = "") -> None:
        self.server, self.shows, self.key, self.secret = server, shows, key, secret
        server.route("/apple/search", self._apple_search)
        server.route("/apple/lookup", self._apple_lookup)
        server.route("/pi/search", self._apple_search)
        server.route("/pi/api/1.0/search/byterm", self._pi_byterm)
        server.route("/pi/api/1.0/podcasts/byfeedurl", self._pi_byfeedurl)
        server.route("/pi/api/1.0/podcasts/byguid", self._pi_byguid)
        server.route("/fyyd/0.2/search/podcast", self._fyyd_search)

    def config_table(self) -> dict[str, object]:
        return {"providers": ["apple", "podcastindex", "fyyd"],
                "apple_url": self.server.url("/apple"),
                "podcastindex_url": self.server.url("/pi"),
                "podcastindex_key": self.key, "podcastindex_secret": self.secret,
                "fyyd_url": self.server.url("/fyyd")}

    # -- Apple and the keyless Podcast Index ----------------------------------
    def _apple_search(self, request: RequestInfo) -> Reply:
        return _json({"resultCount": 0, "results": [
            _apple(show) for show in self._matching(_param(request, "term"))]})

    def _apple_lookup(self, request: RequestInfo) -> Reply:
        wanted = _param(request, "id")
        return _json({"results": [_apple(s) for s in self.shows if str(s.itunes_id) == wanted]})

    # -- Podcast Index with a key ---------------------------------------------
    def _pi_byterm(self, request: RequestInfo) -> Reply:
        return self._authorised(request) or _json(
            {"status": "true", "feeds": [_pi(s) for s in self._matching(_param(request, "q"))]})

    def _pi_byfeedurl(self, request: RequestInfo) -> Reply:
        url = _param(request, "url").rstrip("/")
        return self._authorised(request) or self._pi_one(
            lambda show: show.feed_url.rstrip("/") == url)

    def _pi_byguid(self, request: RequestInfo) -> Reply:
        guid = _param(request, "guid")
        return self._authorised(request) or self._pi_one(lambda show: show.podcast_guid == guid)

    def _pi_one(self, predicate) -> Reply:
        show = next((s for s in self.shows if predicate(s)), None)
        return _json({"status": "true", "feed": _pi(show) if show else []})

    def _authorised(self, request: RequestInfo) -> Reply | None:
        headers = request.headers
        expected = hashlib.sha1((self.key + self.secret + headers.get("x-auth-date", ""))
                                .encode()).hexdigest()
        if not self.key or headers.get("x-auth-key") != self.key or \
                headers.get("authorization") != expected:
            return _json({"status": "false", "description": "Authorization failed"}, 401)
        return None

    # -- fyyd -----------------------------------------------------------------
    def _fyyd_search(self, request: RequestInfo) -> Reply:
        return _json({"status": 1, "msg": "ok", "data": [
            {"title": s.title, "author": s.author, "xmlURL": s.feed_url,
             "htmlURL": "https://example.org", "description": s.description,
             "lastpub": _utc(s.newest, "%Y-%m-%d %H:%M:%S")}
            for s in self._matching(_param(request, "title"))]})

    def _matching(self, term: str) -> list[ListedShow]:
        words = term.casefold().split()
        return [s for s in self.shows if words and all(w in s.title.casefold() for w in words)]


def _apple(show: ListedShow) -> dict[str, object]:
    return {"wrapperType": "track", "kind": "podcast", "collectionId": show.itunes_id,
            "collectionName": show.title, "artistName": show.author, "feedUrl": show.feed_url,
            "trackCount": show.episode_count, "releaseDate": _utc(show.newest,
                                                                  "%Y-%m-%dT%H:%M:%SZ")}


def _pi(show: ListedShow) -> dict[str, object]:
    return {"id": 1, "title": show.title, "author": show.author, "url": show.feed_url,
            "itunesId": show.itunes_id, "podcastGuid": show.podcast_guid,
            "description": show.description, "episodeCount": show.episode_count,
            "newestItemPubdate": int(show.newest) if show.newest else 0}


def _utc(when: float | None, form: str) -> str | None:
    return datetime.fromtimestamp(when, timezone.utc).strftime(form) if when else None


def _param(request: RequestInfo, name: str) -> str:
    return parse_qs(urlsplit(request.path).query).get(name, [""])[0]


def _json(document: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(document).encode(), {"Content-Type": "application/json"})
