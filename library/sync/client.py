"""The two HTTP dialects of sync servers, behind one small interface.

- gpodder.net API v2 (mygpo, opodsync, gpodder2go, gpodder-fastapi-router): a login sets
  a ``sessionid`` cookie, and Basic auth goes with every request too (cookie-only and
  Basic-only servers both exist); subscriptions belong to a device, and devices linked
  on the server ("synchronized") share them; ``update_urls`` rewrites addresses.
- Nextcloud GPodder Sync: the same data under ``/index.php/apps/gpoddersync``, Basic
  auth with an app password, no devices, and ``since`` is strictly greater-than.

Every request is retried on network errors and 5xx (twice, waiting 1 then 2 s); a 429 or
503 with ``Retry-After`` is waited out when short, and otherwise ends the sync with
:class:`RateLimited` so the caller can come back later. Redirects are not followed: a
moved server is an error naming the new address; what a server says in an error (a
redirect's ``Location``) is stripped of terminal escapes by :class:`SyncError`.

The password goes with every request, so plain ``http://`` is refused for a server whose
address is public (anyone on the way would read it): only a server on this machine or
the LAN (:mod:`library.netpolicy`) may be reached without TLS.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import Any, Callable
from urllib.parse import quote, urlsplit

import httpx

from library.fetch import USER_AGENT, describe_transport_error, parse_retry_after
from library.netpolicy import is_private_address
from library.sync.actions import EpisodeAction, parse_action
from library.sync.settings import SyncError, SyncSettings

log = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_S = (1.0, 2.0)
MAX_WAIT_S = 30.0      # a longer Retry-After ends this sync instead
TIMEOUT_S = 30.0
NEXTCLOUD_BASE = "/index.php/apps/gpoddersync"
# A UI that asked for the password forgets it when the server answers this.
AUTH_REFUSED = "the sync server refused the user name or password (HTTP 401)"


class RateLimited(SyncError):
    """The server asked us to come back after ``wait_s`` seconds."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"the sync server asked us to wait {wait_s:.0f} s; "
                         "nothing was lost, the next sync goes on from here")
        self.wait_s = wait_s


class Api:
    """One sync's conversation with the server (use as a context manager)."""

    batch_size = 30  # episode actions per upload, as AntennaPod sends them

    def __init__(self, settings: SyncSettings, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        refuse_clear_text(settings.server)
        self.settings = settings
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=settings.server, auth=(settings.username, settings.password),
            timeout=TIMEOUT_S, follow_redirects=False, trust_env=False, transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"})

    def __enter__(self) -> "Api":
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    # -- the interface the engine uses -------------------------------------------------
    def start(self) -> None:
        """Log in and say who we are, where the dialect has that."""

    def linked_devices(self) -> list[str]:
        """The other devices that share subscriptions with ours on the server."""
        return []

    def pull_subscriptions(self, since: int) -> tuple[list[str], list[str], int]:
        raise NotImplementedError

    def push_subscriptions(self, add: list[str], remove: list[str]) -> list:
        """Upload changes; returns the server's ``update_urls``."""
        raise NotImplementedError

    def pull_actions(self, since: int) -> tuple[list[EpisodeAction], int]:
        raise NotImplementedError

    def push_actions(self, actions: list[EpisodeAction]) -> list:
        raise NotImplementedError

    # -- HTTP ---------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send with retries; the decoded JSON answer (None for an empty body)."""
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.DecodingError:  # e.g. "Content-Encoding: gzip" on a body that is not
                raise SyncError(f"the sync server's answer to {path} could not be decoded "
                                "(its compression is broken)") from None
            except httpx.HTTPError as exc:
                if last:
                    raise SyncError(f"cannot reach the sync server: "
                                    f"{describe_transport_error(exc)[1]}") from None
                self._sleep(BACKOFF_S[attempt])
                continue
            status = response.status_code
            if status in (429, 503) or status >= 500:
                wait = parse_retry_after(response.headers.get("retry-after"))
                if wait is not None and (wait > MAX_WAIT_S or last):
                    raise RateLimited(wait)
                if last:
                    raise SyncError(f"the sync server failed: HTTP {status} for {path}")
                log.info("sync server answered %s for %s; trying again", status, path)
                self._sleep(BACKOFF_S[attempt] if wait is None else wait)
                continue
            return self._answer(response, path)
        raise AssertionError("unreachable")

    def _answer(self, response: httpx.Response, path: str) -> Any:
        status = response.status_code
        if status == 401:
            raise SyncError(AUTH_REFUSED)
        if response.has_redirect_location:
            location = response.headers.get("location", "")[:200]
            raise SyncError(f"the sync server redirects {path} to {location}; check "
                            "[sync] server")
        if status >= 400:
            raise SyncError(f"the sync server answered HTTP {status} for {path}")
        if not response.content.strip():
            return None
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SyncError(f"the sync server's answer to {path} is not JSON") from None
        except RecursionError:  # nested deeper than Python's parser goes
            raise SyncError(f"the sync server's answer to {path} is nested too deeply "
                            "to read") from None


class GpodderApi(Api):
    """gpodder.net API v2."""

    _linked: list[str] | None = None

    @property
    def _user(self) -> str:
        return quote(self.settings.username, safe="")

    def start(self) -> None:
        self.request("POST", f"/api/2/auth/{self._user}/login.json")
        self.request("POST", f"/api/2/devices/{self._user}/{self.settings.device}.json",
                     json={"caption": f"podterm ({self.settings.device})", "type": "desktop"})

    def devices(self) -> list[str]:
        answer = self.request("GET", f"/api/2/devices/{self._user}.json")
        return [d["id"] for d in answer or []
                if isinstance(d, dict) and isinstance(d.get("id"), str)]

    def linked_devices(self) -> list[str]:
        if self._linked is None:
            self._linked = self._ask_linked()
        return self._linked

    def _ask_linked(self) -> list[str]:
        try:
            groups = _groups(self.request("GET", f"/api/2/sync-devices/{self._user}.json"))
        except SyncError as exc:
            if isinstance(exc, RateLimited):
                raise
            return []  # a server without device synchronisation
        for group in groups:
            if isinstance(group, list) and self.settings.device in group:
                return sorted(d for d in group if isinstance(d, str)
                              and d != self.settings.device)
        return []

    def link(self, others: list[str]) -> None:
        """Share subscriptions between our device and ``others`` (and their groups)."""
        groups = _groups(self.request("GET", f"/api/2/sync-devices/{self._user}.json"))
        group = {self.settings.device, *others}
        for existing in groups:
            if group & set(existing):
                group |= set(existing)
        self.request("POST", f"/api/2/sync-devices/{self._user}.json",
                     json={"synchronize": [sorted(group)], "stop-synchronize": []})
        self._linked = None

    def pull_subscriptions(self, since: int) -> tuple[list[str], list[str], int]:
        answer = self.request("GET", f"/api/2/subscriptions/{self._user}/"
                                     f"{self.settings.device}.json", params={"since": since})
        return _changes(answer)

    def push_subscriptions(self, add: list[str], remove: list[str]) -> list:
        body = {"add": add, "remove": remove}
        answer = self.request("POST", f"/api/2/subscriptions/{self._user}/"
                                      f"{self.settings.device}.json", json=body)
        if remove:
            # Some servers only merge the lists of linked devices: a removal made here
            # would not reach a feed another device added. Tell each of them too.
            for device in self.linked_devices():
                self.request("POST", f"/api/2/subscriptions/{self._user}/{device}.json",
                             json={"add": [], "remove": remove})
        return answer.get("update_urls", []) if isinstance(answer, dict) else []

    def pull_actions(self, since: int) -> tuple[list[EpisodeAction], int]:
        answer = self.request("GET", f"/api/2/episodes/{self._user}.json",
                              params={"since": since})
        return _actions(answer)

    def push_actions(self, actions: list[EpisodeAction]) -> list:
        body = [a.to_wire(missing=None, device=self.settings.device) for a in actions]
        answer = self.request("POST", f"/api/2/episodes/{self._user}.json", json=body)
        return answer.get("update_urls", []) if isinstance(answer, dict) else []


class NextcloudApi(Api):
    """Nextcloud's GPodder Sync app: four routes, no devices, strict ``since``."""

    @property
    def _base(self) -> str:
        path = self.settings.server.split("://", 1)[-1].partition("/")[2]
        return "" if path.rstrip("/").endswith("apps/gpoddersync") else NEXTCLOUD_BASE

    def pull_subscriptions(self, since: int) -> tuple[list[str], list[str], int]:
        # Without since the app answers the last week only: always send it.
        return _changes(self.request("GET", f"{self._base}/subscriptions",
                                     params={"since": since}))

    def push_subscriptions(self, add: list[str], remove: list[str]) -> list:
        self.request("POST", f"{self._base}/subscription_change/create",
                     json={"add": add, "remove": remove})
        return []

    def pull_actions(self, since: int) -> tuple[list[EpisodeAction], int]:
        return _actions(self.request("GET", f"{self._base}/episode_action",
                                     params={"since": since}))

    def push_actions(self, actions: list[EpisodeAction]) -> list:
        self.request("POST", f"{self._base}/episode_action/create",
                     json=[a.to_wire(missing=-1, device=None) for a in actions])
        return []


def refuse_clear_text(server: str) -> None:
    """:class:`SyncError` when ``server`` is plain http on a public address: the password
    would cross the internet readable. A name that does not resolve is left to the
    request (nothing is sent); any public address among its answers is refused."""
    parts = urlsplit(server)
    if parts.scheme.lower() != "http" or not parts.hostname:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return
    if all(is_private_address(str(info[4][0])) for info in infos):
        return
    raise SyncError(f"refusing to send your password unencrypted to {parts.hostname}, a "
                    "public address: use https:// in [sync] server (plain http is only "
                    "for servers on this machine or your LAN)")


def open_api(settings: SyncSettings, sleep: Callable[[float], None] = time.sleep,
             transport: httpx.BaseTransport | None = None) -> Api:
    kind = GpodderApi if settings.api == "gpodder" else NextcloudApi
    return kind(settings, sleep, transport)


def _changes(answer: Any) -> tuple[list[str], list[str], int]:
    if not isinstance(answer, dict) or not isinstance(answer.get("timestamp"), (int, float)):
        raise SyncError("the sync server's subscription list is not in the expected shape")
    urls = lambda name: [u.strip() for u in _list(answer.get(name)) if isinstance(u, str)]
    return urls("add"), urls("remove"), int(answer["timestamp"])


def _actions(answer: Any) -> tuple[list[EpisodeAction], int]:
    if not isinstance(answer, dict) or not isinstance(answer.get("timestamp"), (int, float)):
        raise SyncError("the sync server's episode actions are not in the expected shape")
    parsed = [parse_action(item) for item in _list(answer.get("actions"))]
    return [a for a in parsed if a is not None], int(answer["timestamp"])


def _groups(answer: Any) -> list[list[str]]:
    """The linked groups of devices from a sync-devices answer."""
    groups = _list(answer.get("synchronized") if isinstance(answer, dict) else None)
    return [[d for d in group if isinstance(d, str)] for group in groups
            if isinstance(group, list)]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
