"""Fetching one feed over HTTP, safely.

http and https only; connect and overall timeouts; a body size cap counted on the
decoded bytes (so a gzip bomb stops at the cap too); conditional GET; at most five
redirects, followed by hand so that permanent ones (301/308) can be recorded and every
``Location`` is normalised and checked like a typed address (see :mod:`library.urls`); no
public server may send podterm into the private network (see :mod:`library.netpolicy`);
and every failure turned into a specific, human reason.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import sys
import time
from http import HTTPStatus
from urllib.parse import urlsplit

from library import __version__, contentcoding
from library.contentcoding import too_large
from library.http11 import Client, Response
from library.http11wire import ProtocolError, RemoteClosed, TooLarge
from library.netpolicy import PrivateAddress, is_private_address, peer_address, refusal
from library.record import Record
from library.urls import UnsupportedURL, check_feed_url, join_url, shown_url

USER_AGENT = f"podterm/{__version__} (terminal podcast player)"
MAX_REDIRECTS = 5
PERMANENT_REDIRECTS = (301, 308)
REDIRECT_REFUSED = "the server redirected to an address podterm does not fetch: "


class FetchResult(Record):
    """What one fetch found. ``outcome`` is 'ok', 'not_modified' or 'error' (and 'skipped'
    when a refresh did not ask, because the server had asked it to wait)."""

    outcome: str
    final_url: str
    body: bytes = b""
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None     # where permanent redirects led, if they did
    error_kind: str | None = None   # dns, refused, timeout, tls, http, gone, too_large, ...
    error: str | None = None
    retry_after_s: float | None = None
    public_host: str | None = None  # the answering host, when its address is public
    content_encoding: str | None = None  # codings ``body`` still has (decode=False)


class FetchLimits(Record):
    """How long a fetch may wait for data and how many bytes it may read."""

    timeout_s: float = 30
    max_bytes: int = 50 * 1024 * 1024


def make_client(limits: FetchLimits, max_connections: int) -> "HostClients":
    return HostClients(limits, max_connections)


class HostClients(Client):
    """The feed fetcher's HTTP client (:mod:`library.http11`): keeps connections per
    scheme, host and ``public_only``, sends podterm's User-Agent and asks for gzip. Only
    feed fetches use it (refresh, subscribe, probe); downloads and directory searches
    keep httpx (:mod:`library.pinning`). ``max_connections`` is how many requests the
    caller runs at once (it bounds them itself): no host keeps more idle."""

    def __init__(self, limits: FetchLimits, max_connections: int) -> None:
        super().__init__({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
                         connect_timeout_s=min(10.0, limits.timeout_s),
                         max_idle_per_host=max_connections)


async def fetch_feed(client: HostClients, url: str, limits: FetchLimits,
                     etag: str | None = None, last_modified: str | None = None, *,
                     named_by: str | None = None, decode: bool = True) -> FetchResult:
    """Fetch ``url`` with conditional headers, within ``limits.timeout_s`` overall.

    ``named_by`` is the public host that named ``url`` (a feed announcing its new address,
    a web page linking to a feed): ``url`` is then held to the redirect rule. With
    ``decode=False`` the body is left as it came (``content_encoding`` says how it is
    compressed) for a parser process to decode within ``limits.max_bytes``
    (:mod:`library.contentcoding`); the cap here is then on the bytes received.
    """
    try:
        async with asyncio.timeout(limits.timeout_s):  # (wait_for would add a task)
            return await _fetch(client, url, limits, etag, last_modified, named_by, decode)
    except TimeoutError:
        return _error(url, "timeout", f"timed out after {limits.timeout_s:g} s")


async def _fetch(client: HostClients, url: str, limits: FetchLimits,
                 etag: str | None, last_modified: str | None,
                 named_by: str | None, decode: bool) -> FetchResult:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        current = check_feed_url(url)
    except UnsupportedURL as exc:
        return _error(shown_url(url), "unsupported", str(exc))
    moved_to, all_permanent = None, True
    sent_by = named_by  # the public host that sent us to ``current``, if one did
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            async with client.get(current, headers, public_only=bool(sent_by)) as response:
                peer = peer_address(response)
                public_host = None if peer and is_private_address(peer) else \
                    urlsplit(current).hostname
                if response.has_redirect_location:
                    location = response.headers.get("location", "")
                    try:
                        target = join_url(current, location)
                    except UnsupportedURL as exc:
                        return _error(current, "unsupported", f"{REDIRECT_REFUSED}{exc}")
                    all_permanent = all_permanent and response.status_code in PERMANENT_REDIRECTS
                    if all_permanent:
                        moved_to = target
                    current, sent_by = target, public_host
                    await response.skip()  # (the next hop may be on the same host)
                    continue
                result = await _read(response, current, limits, decode)
                result.public_host = public_host
        except PrivateAddress as exc:
            return _error(current, "private_network", refusal(sent_by or "", current, exc.ip))
        except (OSError, ProtocolError, RemoteClosed) as exc:
            return _error(current, *describe_transport_error(exc))
        except UnicodeError as exc:  # e.g. a host label over 63 chars
            return _error(current, "unsupported", f"invalid address: {exc}")
        result.moved_to = moved_to
        return result
    return _error(current, "redirects", f"more than {MAX_REDIRECTS} redirects")


async def _read(response: Response, url: str, limits: FetchLimits,
                decode: bool) -> FetchResult:
    status = response.status_code
    validators = {"etag": response.headers.get("etag"),
                  "last_modified": response.headers.get("last-modified")}
    if status == 304:
        await response.read(0)  # no body, but read to its end the connection can be reused
        return FetchResult("not_modified", url, http_status=304, **validators)
    if status >= 400:
        result = _error(url, "gone" if status == 410 else "http", http_status_text(status))
        result.http_status = status
        result.retry_after_s = parse_retry_after(response.headers.get("retry-after"))
        await response.skip()
        return result
    coding = response.headers.get("content-encoding")
    try:
        body = await response.read(limits.max_bytes)
        if decode and coding:
            body, coding = contentcoding.decode(body, coding, limits.max_bytes), None
    except (TooLarge, contentcoding.TooLarge):
        return _too_large(url, limits, status)
    except contentcoding.DecodingFailed as exc:
        return _error(url, "network", f"network error: {str(exc)[:160]}")
    return FetchResult("ok", url, body, status, **validators,
                       content_encoding=None if decode else coding)


def describe_transport_error(exc: BaseException) -> tuple[str, str]:
    """(kind, reason) for a network failure: DNS, refused, timeout, TLS or other; of
    :mod:`library.http11` (feeds) or of httpx (downloads, searches, sync)."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(c) for c in chain).lower()
    httpx = sys.modules.get("httpx")  # (an httpx error means httpx is loaded)
    if isinstance(exc, TimeoutError) or (httpx is not None and
                                         isinstance(exc, httpx.TimeoutException)):
        return "timeout", "timed out"  # (TimeoutError: connecting took over 10 s)
    if isinstance(exc, ProtocolError):  # (podterm's own words, as RemoteClosed's)
        return "network", f"the server's answer is not valid HTTP: {exc}"
    if isinstance(exc, RemoteClosed):
        return "network", f"the server closed the connection: {exc}"
    if any(isinstance(c, socket.gaierror) for c in chain) or "name or service not known" in text \
            or "name resolution" in text or "nodename nor servname" in text:
        return "dns", "the address does not resolve (DNS lookup failed)"
    if any(isinstance(c, ConnectionRefusedError) for c in chain) or "refused" in text:
        return "refused", "connection refused by the server"
    if any(isinstance(c, ssl.SSLError) for c in chain) or "certificate" in text or "ssl" in text:
        return "tls", "secure connection failed (TLS): " + _last_words(chain)
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)) or (
            httpx is not None and isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError))):
        return "network", "the server closed the connection: " + _last_words(chain)
    return "network", "network error: " + _last_words(chain)


def invalid_location(exc: BaseException) -> bool:
    """httpx (downloads, searches) parses a redirect's Location itself, even when not
    following it, and raises RemoteProtocolError for one it cannot read (control
    characters, say)."""
    return "location header" in str(exc).lower()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime  # (rarely needed; email is slow to import)

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _too_large(url: str, limits: FetchLimits, status: int) -> FetchResult:
    result = _error(url, "too_large", too_large(limits.max_bytes))
    result.http_status = status
    return result


def _error(url: str, kind: str, message: str) -> FetchResult:
    return FetchResult("error", url, error_kind=kind, error=message)


def http_status_text(status: int) -> str:
    """"HTTP 404 Not Found": the standard reason phrase, never the server's own text
    (which could be anything, escapes included)."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _last_words(chain: list[BaseException]) -> str:
    return (str(chain[-1]) or type(chain[-1]).__name__)[:160]
