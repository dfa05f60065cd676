"""A loopback media host for download tests, misbehaving on request.

Like the demo's LoopbackServer it answers Range requests with ETag and Last-Modified,
and it also honours ``If-Range`` (a stale validator gets the whole file, as RFC 9110
says). Per file it can throttle, stop after some bytes and hold the connection open until
released (a download caught in the middle), cut the connection short, ignore Range, or
add headers (a hostile ``Content-Disposition``). Routes answer anything else (errors,
redirects). Every request is logged with its Range headers, and a :class:`Tracker`
shared by several servers counts requests in flight per host and overall, so tests see
concurrency from the server's side.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

CHUNK = 64 * 1024
WAIT_S = 30.0
_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


@dataclass
class Media:
    body: bytes
    content_type: str = "audio/mpeg"
    headers: dict[str, str] = field(default_factory=dict)
    rate: int | None = None          # bytes per second
    hold_after: int | None = None    # send this many bytes, then wait for release()
    cut_after: int | None = None     # send this many bytes, then close the connection
    ignore_range: bool = False
    last_modified: str = formatdate(1_700_000_000, usegmt=True)

    @cached_property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


@dataclass
class Hit:
    host: str
    path: str
    range: str | None
    if_range: str | None
    status: int = 0


Route = Callable[[dict[str, str]], tuple[int, dict[str, str], bytes]]


class Tracker:
    """Requests in flight per host and overall, with the highest counts seen."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.in_flight: Counter[str] = Counter()
        self.max_per_host: Counter[str] = Counter()
        self.max_total = 0
        self.gate_size = 0          # the first requests wait until this many are in flight

    def enter(self, host: str) -> None:
        with self._lock:
            self.in_flight[host] += 1
            self.max_per_host[host] = max(self.max_per_host[host], self.in_flight[host])
            self.max_total = max(self.max_total, sum(self.in_flight.values()))
            self._lock.notify_all()
            if self.max_total < self.gate_size:
                self._lock.wait_for(lambda: self.max_total >= self.gate_size, WAIT_S)

    def leave(self, host: str) -> None:
        with self._lock:
            self.in_flight[host] -= 1
            self._lock.notify_all()


class MediaServer:
    def __init__(self, host: str = "127.0.0.1", tracker: Tracker | None = None) -> None:
        self.host = host
        self.tracker = tracker or Tracker()
        self.media: dict[str, Media] = {}
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.sent: Counter[str] = Counter()    # body bytes sent per path
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def add(self, path: str, body: bytes, content_type: str = "audio/mpeg", **behaviour) -> str:
        self.media[path] = Media(body, content_type, **behaviour)
        return self.url(path)

    def route(self, path: str, handler: Route) -> str:
        self.routes[path] = handler
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self._httpd.server_address[1]}{path}"

    def release(self) -> None:
        """Let every held response end (they close their connection)."""
        self._released.set()

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def __enter__(self) -> "MediaServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (a cancel, a size cap): nothing to do

            def do_GET(self) -> None:  # noqa: N802
                headers = {k.lower(): v for k, v in self.headers.items()}
                hit = Hit(server.host, self.path, headers.get("range"), headers.get("if-range"))
                with server._lock:
                    server.hits.append(hit)
                server.tracker.enter(server.host)
                try:
                    self._answer(hit, headers)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                finally:
                    server.tracker.leave(server.host)

            def _answer(self, hit: Hit, headers: dict[str, str]) -> None:
                if self.path in server.routes:
                    status, extra, body = server.routes[self.path](headers)
                    hit.status = status
                    self._head(status, {"Content-Length": str(len(body)), **extra})
                    self.wfile.write(body)
                    return
                media = server.media.get(self.path)
                if media is None:
                    hit.status = 404
                    self._head(404, {"Content-Type": "text/html", "Content-Length": "9"})
                    self.wfile.write(b"not found")
                    return
                start = self._range_start(media, headers)
                if start >= len(media.body) > 0:
                    hit.status = 416
                    self._head(416, {"Content-Range": f"bytes */{len(media.body)}",
                                     "Content-Length": "0"})
                    return
                body = media.body[start:]
                common = {"Content-Type": media.content_type, "ETag": media.etag,
                          "Last-Modified": media.last_modified, "Accept-Ranges": "bytes",
                          "Content-Length": str(len(body)), **media.headers}
                if start:
                    common["Content-Range"] = f"bytes {start}-{len(media.body) - 1}/{len(media.body)}"
                hit.status = 206 if start else 200
                self._head(hit.status, common)
                self._send(media, body)

            def _range_start(self, media: Media, headers: dict[str, str]) -> int:
                match = _RANGE.match(headers.get("range", ""))
                if media.ignore_range or match is None:
                    return 0
                if_range = headers.get("if-range")
                if if_range is not None and if_range not in (media.etag, media.last_modified):
                    return 0
                return int(match.group(1))

            def _send(self, media: Media, body: bytes) -> None:
                limit = next((n for n in (media.hold_after, media.cut_after) if n is not None),
                             len(body))
                for offset in range(0, min(limit, len(body)), CHUNK):
                    chunk = body[offset:min(offset + CHUNK, limit)]
                    self.wfile.write(chunk)
                    server.sent[self.path] += len(chunk)
                    if media.rate:
                        time.sleep(len(chunk) / media.rate)  # the throttle itself
                if limit < len(body):
                    self.wfile.flush()
                    if media.hold_after is not None:
                        server._released.wait(WAIT_S)
                    self.close_connection = True

            def _head(self, status: int, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
