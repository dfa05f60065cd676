"""A raw HTTP server on 127.0.0.1 that answers each path with bytes written by the test,
right or wrong: chunked bodies, kept-alive connections it then closes, malformed answers.

``answers[path]`` is a list of byte strings sent in turn (with no pause between them:
the client must cope with how TCP cuts them) or :data:`CLOSE` to close the connection
there, or :data:`CLOSE_ON_NEXT` to keep it open until the next request arrives and
then close it without answering (a kept-alive connection the server gave up on).
"""

from __future__ import annotations

import socket
import threading
from typing import Callable

CLOSE = b"<close>"
CLOSE_ON_NEXT = b"<close on next request>"


class RawServer:
    def __init__(self) -> None:
        self.answers: dict[str, list[bytes]] = {}
        self.connections = 0
        self.requests: list[str] = []   # the paths asked for, in order
        self.heads: list[bytes] = []      # the request heads as they came
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}{path}"

    def __enter__(self) -> "RawServer":
        self._accepting.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._accepting.join(10)
        for thread in self._threads:
            thread.join(10)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        pending = b""
        with conn:
            while not self._stop.is_set():
                request, pending = _read_request(conn, pending, self._stop.is_set)
                if request is None:
                    return
                path = request.split(b" ", 2)[1].decode("ascii")
                self.requests.append(path)
                self.heads.append(request)
                for part in self.answers.get(path, [b"HTTP/1.1 404 Not Found\r\n"
                                                    b"Content-Length: 0\r\n\r\n"]):
                    if part == CLOSE:
                        return
                    if part == CLOSE_ON_NEXT:
                        again, _ = _read_request(conn, pending, self._stop.is_set)
                        if again is not None:
                            self.requests.append(again.split(b" ", 2)[1].decode("ascii"))
                        return
                    try:
                        conn.sendall(part)
                    except OSError:  # the client stopped reading (a size cap)
                        return


def _read_request(conn: socket.socket, pending: bytes,
                  stopped: Callable[[], bool]) -> tuple[bytes | None, bytes]:
    while b"\r\n\r\n" not in pending:
        if stopped():
            return None, b""
        try:
            data = conn.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return None, b""
        if not data:
            return None, b""
        pending += data
    head, _, rest = pending.partition(b"\r\n\r\n")
    return head, rest


def ok(body: bytes, *headers: str) -> bytes:
    """A 200 answer with Content-Length."""
    lines = "".join(f"{h}\r\n" for h in headers)
    return (f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n{lines}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def chunked(body: bytes, size: int = 1000, trailer: str = "X-Checksum: 1") -> bytes:
    """A 200 answer in chunks of ``size`` bytes (with a chunk extension), and a trailer."""
    parts = [b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n"]
    for start in range(0, len(body), size):
        piece = body[start:start + size]
        parts.append(f"{len(piece):x};ext=1\r\n".encode() + piece + b"\r\n")
    parts.append(f"0\r\n{trailer}\r\n\r\n".encode())
    return b"".join(parts)
