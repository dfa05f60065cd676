"""A loopback streaming proxy: libVLC never fetches a remote address itself.

libVLC's HTTP access follows redirects to any scheme: an enclosure that answers
``302 Location: file:///etc/passwd`` makes it open the local file (``/dev/zero`` hangs
it). Checking the redirects once and handing libVLC the final address is not enough:
the server can answer libVLC's own request (or a later one, for a seek) differently.
So libVLC only ever gets ``http://127.0.0.1:PORT/<token>/<name>``, and every request it
makes there is made upstream by this proxy, which follows redirects itself (http and
https only, at most five, never from a public server into the private network: see
:mod:`player.netpolicy`; the first request too, when the address came from a feed on a
public server), passes ``Range`` through so seeking works, and streams the
body back. The proxy also remembers why an upstream request failed, so the player can
say "HTTP 404 Not Found" without asking the server again.

A body is passed on only when its first bytes (after leading ID3 tags, up to 8 KiB
read before deciding) start like an audio or video file (:mod:`player.mediasniff`):
streaming playlists (HLS, DASH, Smooth Streaming) would make libVLC fetch the parts they
list itself, around the proxy, and no text document starts like media. Episodes are files.

Why a proxy rather than libVLC's media callbacks (open/read/seek/close): with callbacks
every read of every buffer is a call from a libVLC thread into Python (holding the
interpreter lock against the UI), seeking means re-implementing what libVLC's HTTP
module already does well (ranges, reconnects), and a callback object collected too
early crashes the process. The proxy keeps all of libVLC's streaming as it is and puts
one checked hop in front of it.
"""

from __future__ import annotations

import http.client
import logging
import secrets
import socket
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from .mediasniff import MEDIA, PLAYLIST, sniff
from .netpolicy import Refused, is_private_address, public_host, web_address

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
UPSTREAM_TIMEOUT_S = 30.0
CHUNK = 64 * 1024
USER_AGENT = "podterm (terminal podcast player)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
NOT_AUDIO = "This address did not return audio (got an HTML page?)"
_REFUSED_START = {
    PLAYLIST: "This address is a streaming playlist, not an episode's audio file; podterm "
              "does not play those",
    "html": NOT_AUDIO,
    "other": "This address did not return audio: its first bytes are in no audio format "
             "podterm plays",
}
_FORWARDED = ("Content-Type", "Content-Length", "Content-Range", "Accept-Ranges",
              "Last-Modified", "ETag")


@dataclass
class Upstream:
    """One remote address being played, and what its server did (for error messages)."""

    url: str
    local_url: str = ""
    origin: str | None = None        # the feed that named ``url``, if one did
    failure: str | None = None       # why the last upstream request failed, for the user
    failure_exc: BaseException | None = None  # or the network error it failed with
    failed_host: tuple[str, int | None] = ("", None)
    content_type: str | None = None  # of the last answer with a body
    _connections: set[http.client.HTTPConnection] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _released: bool = False
    _origin_host: tuple[str | None] | None = None

    def origin_public_host(self) -> str | None:
        """The host of :attr:`origin` when it is public (then ``url`` must be public too),
        else None; decided once per stream (:func:`player.netpolicy.public_host`)."""
        with self._lock:
            if self._origin_host is None:
                self._origin_host = (public_host(self.origin) if self.origin else None,)
            return self._origin_host[0]

    @property
    def failed(self) -> bool:
        """The last request upstream failed (libVLC may take that for the end)."""
        return self.failure is not None or self.failure_exc is not None

    def track(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if self._released:
                raise Refused("playback was stopped")
            self._connections.add(conn)

    def untrack(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._connections.discard(conn)
        conn.close()

    def release(self) -> None:
        """Cut every upstream connection (a blocked read returns at once)."""
        with self._lock:
            self._released = True
            connections = list(self._connections)
        for conn in connections:
            if conn.sock is not None:
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class StreamProxy:
    """The proxy server, on a thread of its own; :meth:`open` an address, hand libVLC
    :attr:`Upstream.local_url`, :meth:`release` it when libVLC is done."""

    def __init__(self) -> None:
        self._streams: dict[str, Upstream] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="podterm-proxy", daemon=True)
        self._thread.start()

    def open(self, url: str, origin: str | None = None) -> Upstream:
        """Make ``url`` playable at a loopback address. ``origin`` is the address of the
        document that named ``url`` (the episode's feed): when its server is public, the
        first request is held to the private-network rule like a redirect is."""
        token = secrets.token_urlsafe(16)
        # libVLC looks at the name's extension to pick a demuxer: keep the original one.
        name = quote(unquote(urlsplit(url).path.rsplit("/", 1)[-1]), safe=".-_~") or "stream"
        port = self._server.server_address[1]
        upstream = Upstream(url, local_url=f"http://127.0.0.1:{port}/{token}/{name}",
                            origin=origin)
        with self._lock:
            self._streams[token] = upstream
        return upstream

    def release(self, upstream: Upstream) -> None:
        with self._lock:
            self._streams = {t: u for t, u in self._streams.items() if u is not upstream}
        upstream.release()

    def close(self) -> None:
        with self._lock:
            streams, self._streams = list(self._streams.values()), {}
        for upstream in streams:
            upstream.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _lookup(self, path: str) -> Upstream | None:
        with self._lock:
            return self._streams.get(path.lstrip("/").split("/", 1)[0])

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                upstream = proxy._lookup(self.path)
                if upstream is None:
                    self._answer(404)
                    return
                _relay(upstream, self)

            def _answer(self, status: int) -> None:
                self.close_connection = True
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up mid-answer is normal (libVLC seeking); never print on the
        # terminal the TUI draws on.
        log.debug("proxy request from %s failed", client_address, exc_info=True)


def _relay(upstream: Upstream, client: Any) -> None:
    """Answer libVLC's request ``client`` with what the upstream server sends."""
    try:
        response, conn = _request(upstream, client.headers.get("Range"))
    except Refused as exc:
        upstream.failure = str(exc)
        client._answer(502)
        return
    except (OSError, http.client.HTTPException) as exc:
        upstream.failure_exc = exc
        client._answer(502)
        return
    try:
        if response.status >= 400:
            status = " ".join(filter(None, (f"HTTP {response.status}",
                                            _phrase(response.status))))
            upstream.failure = f"The server answered {status} for this address"
            client._answer(response.status)
            return
        upstream.content_type = _safe_type(response.getheader("Content-Type"))
        first, verdict = _start(response)
        if verdict != MEDIA:
            upstream.failure = _REFUSED_START[verdict if verdict == PLAYLIST else
                                              "html" if b"<html" in first.lower() else "other"]
            client._answer(502)
            return
        upstream.failure = upstream.failure_exc = None
        client.close_connection = True
        client.send_response(response.status)
        for name in _FORWARDED:
            value = response.getheader(name)
            if value is not None and value.isascii() and value.isprintable():
                client.send_header(name, value)
        client.send_header("Connection", "close")
        client.end_headers()
        chunk = first
        while chunk:
            client.wfile.write(chunk)
            chunk = response.read1(CHUNK)
    except (OSError, http.client.HTTPException):
        pass  # libVLC hung up (a seek, a stop) or the server did: libVLC reconnects if needed
    finally:
        upstream.untrack(conn)


def _request(upstream: Upstream,
             byte_range: str | None) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    """Send the request upstream, following redirects by the rules; the final response."""
    url = web_address(upstream.url, redirected=False)
    sent_by = upstream.origin_public_host()  # the public host that sent us to ``url``
    for hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        upstream.failed_host = (parts.hostname or "", parts.port)
        peer = _Peer()
        conn = _connection(parts.scheme, parts.hostname or "", parts.port,
                           _refusal(sent_by, parts.hostname or "", hop) if sent_by else None,
                           peer)
        upstream.track(conn)
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if byte_range:
            headers["Range"] = byte_range
        try:
            conn.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                         headers=headers)
            response = conn.getresponse()
        except BaseException:
            upstream.untrack(conn)
            raise
        location = response.getheader("Location")
        if response.status not in _REDIRECTS or not location:
            return response, conn
        upstream.untrack(conn)
        url = web_address(urljoin(url, location), redirected=True)
        sent_by = None if is_private_address(peer.address) else parts.hostname
    raise Refused(f"The address redirected more than {MAX_REDIRECTS} times")


def _refusal(sent_by: str, host: str, hop: int) -> str:
    """Why a request to ``host`` (private) is refused; ``hop`` 0 is the feed's own link."""
    how = f"a feed on the public server {sent_by} points to" if hop == 0 else \
        f"the public server {sent_by} redirected to"
    return f"Refused: {how} {host}, an address in your private network"


@dataclass
class _Peer:
    """The address a connection was made to, recorded when it is made: once the answer
    is read, a "Connection: close" (or HTTP/1.0) connection has no socket left to ask."""

    address: str = ""


def _connection(scheme: str, host: str, port: int | None, refusal: str | None,
                peer: _Peer) -> http.client.HTTPConnection:
    """A connection that only connects to addresses the rules allow: the name is
    resolved once, every address checked (when a public server named ``host``,
    ``refusal`` says why a private one is refused), and the socket connects to a
    checked one (which goes into ``peer``)."""
    factory = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    conn = factory(host, port, timeout=UPSTREAM_TIMEOUT_S)

    def create_connection(address: tuple[str, int], timeout: float,
                          source_address: Any = None) -> socket.socket:
        infos = socket.getaddrinfo(address[0], address[1], type=socket.SOCK_STREAM)
        if refusal is not None:
            for *_ignored, sockaddr in infos:
                if is_private_address(str(sockaddr[0])):
                    raise Refused(refusal)
        error: OSError | None = None
        for family, kind, proto, _name, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(timeout)
                sock.connect(sockaddr)
                peer.address = str(sockaddr[0])
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"no address for {address[0]}")

    conn._create_connection = create_connection  # type: ignore[attr-defined]
    return conn


def _start(response: http.client.HTTPResponse) -> tuple[bytes, str]:
    """The first bytes of the body and what they are (:func:`player.mediasniff.sniff`),
    reading as much as it takes to say. A part that does not start at byte 0 (a 206 for a
    seek) is not judged: libVLC chose how to read the file from its start."""
    content_range = response.getheader("Content-Range") or ""
    if response.status == 206 and not content_range.replace(" ", "").startswith("bytes0-"):
        return response.read1(CHUNK), MEDIA
    head = bytearray()
    while (verdict := sniff(head, complete=False)) is None:
        chunk = response.read1(CHUNK)
        if not chunk:
            return bytes(head), sniff(head, complete=True) or "other"
        head += chunk
    return bytes(head), verdict


def _phrase(status: int) -> str:
    """The standard reason phrase (never the server's own text, which could be anything)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _safe_type(value: str | None) -> str | None:
    if not value:
        return None
    kept = "".join(c for c in value.split(";")[0].strip().lower() if c.isalnum() or c in "/+.-")
    return kept[:80] or None
