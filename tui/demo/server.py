"""A small HTTP server on a loopback address.

It serves the bundled demo feeds and audio behind `podterm demo`, and the tests and
benchmarks use it to serve real feeds and media. Static resources support what real
podcast hosts do: Range requests (libVLC seeks with them), conditional GET (ETag and
Last-Modified), and gzip when the client accepts it. Dynamic routes let a test answer
anything (status codes, redirects, slow or oversized bodies).

Plain standard library; never imports textual.
"""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Reply:
    """What a dynamic route answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Resource:
    """A static body served with Range, conditional GET and optional gzip."""

    body: bytes
    content_type: str = "application/octet-stream"
    gzip: bool = False
    last_modified: float = 1_700_000_000.0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


Route = Callable[["RequestInfo"], Reply]


@dataclass
class RequestInfo:
    """A request as a route or a test sees it."""

    method: str
    path: str
    headers: dict[str, str]


_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class LoopbackServer:
    """Serve resources and routes on ``host`` (a loopback address) until closed."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._resources: dict[str, Resource] = {}
        self._routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[RequestInfo] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval: close() waits for one poll (0.5 s by default).
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    # -- set-up ---------------------------------------------------------------
    def add(self, path: str, body: bytes, content_type: str = "application/octet-stream",
            *, gzip: bool = False) -> str:
        """Serve ``body`` at ``path``; returns the full URL."""
        self._resources[path] = Resource(body, content_type, gzip)
        self._routes.pop(path, None)
        return self.url(path)

    def route(self, path: str, handler: Route) -> str:
        """Answer requests for ``path`` with ``handler``; returns the full URL."""
        self._routes[path] = handler
        self._resources.pop(path, None)
        return self.url(path)

    def remove(self, path: str) -> None:
        """Stop serving ``path`` (it answers 404 from now on)."""
        self._resources.pop(path, None)
        self._routes.pop(path, None)

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    # -- life cycle -----------------------------------------------------------
    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- request handling -----------------------------------------------------
    def _record(self, info: RequestInfo) -> None:
        with self._lock:
            self.hits[info.path] += 1
            self.requests.append(info)

    def _answer(self, info: RequestInfo) -> Reply:
        path = info.path.split("?", 1)[0]
        if info.path in self._routes:
            return self._routes[info.path](info)
        if path in self._routes:
            return self._routes[path](info)
        resource = self._resources.get(path)
        if resource is None:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        return _serve_static(resource, info.headers)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._handle(send_body=True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._handle(send_body=False)

            def _handle(self, send_body: bool) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                info = RequestInfo(self.command, self.path, headers)
                server._record(info)
                reply = server._answer(info)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if "content-length" not in {k.lower() for k in reply.headers}:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if send_body and reply.status not in (204, 304):
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (a size cap, a seek): nothing to do

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test and demo output clean

        return Handler


def _serve_static(resource: Resource, headers: dict[str, str]) -> Reply:
    common = {
        "Content-Type": resource.content_type,
        "ETag": resource.etag,
        "Last-Modified": formatdate(resource.last_modified, usegmt=True),
        "Accept-Ranges": "bytes",
    }
    if headers.get("if-none-match") == resource.etag or (
        "if-none-match" not in headers
        and headers.get("if-modified-since") == common["Last-Modified"]
    ):
        return Reply(304, b"", common)
    body = resource.body
    match = _RANGE.match(headers.get("range", "").strip())
    if match and (match.group(1) or match.group(2)):
        size = len(body)
        if match.group(1):
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else size - 1
        else:
            start, end = max(0, size - int(match.group(2))), size - 1
        if start >= size:
            return Reply(416, b"", {**common, "Content-Range": f"bytes */{size}"})
        end = min(end, size - 1)
        part = body[start:end + 1]
        return Reply(206, part, {**common, "Content-Range": f"bytes {start}-{end}/{size}"})
    if resource.gzip and "gzip" in headers.get("accept-encoding", ""):
        return Reply(200, gzip_module.compress(body, 6), {**common, "Content-Encoding": "gzip"})
    return Reply(200, body, common)
