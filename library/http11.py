"""A small HTTP/1.1 client for fetching feeds: GET, keep-alive, TLS, pinned addresses.

A refresh sends hundreds of small conditional GETs; httpx spent more time on each one
(its transport layers, anyio, header validation) than the server took to answer, and
importing it cost a warm refresh ~80 ms. Feeds need little of it: GET, a few headers,
three ways to frame a body (:mod:`library.http11wire`), keep-alive, TLS with the name.

Connections are kept per (scheme, host:port, public_only), at most
:data:`MAX_IDLE_PER_HOST` idle ones each; the caller bounds how many are open at once
(a refresh asks at most ``per_host`` requests of a host at a time). A connection is put
back only after its answer was read to the end, and only if the server allows it
(``Connection: close``, HTTP/1.0 and bodies read to the end of the connection close it).
The small body of a redirect or an error page is read and dropped (:meth:`Response.skip`)
so the connection stays usable. A kept connection the server closed while idle is the
normal end of keep-alive: when a reused connection ends before any byte of the answer
arrived, the GET is sent once more on a new connection (idempotent; urllib3 and
http.client do the same).

Requests with ``public_only`` resolve the name once, refuse it
(:class:`~library.netpolicy.PrivateAddress`) if any address is private, and connect to
exactly those addresses (:func:`~library.netpolicy.checked_addresses`); TLS still sends
SNI for the name and verifies the certificate for it. Certificates come from certifi's
bundle (as httpx did), never from the environment, loaded on the first https request.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl
from contextlib import asynccontextmanager
from typing import AsyncIterator
from urllib.parse import unquote, urlsplit

from library.http11wire import (MAX_HEAD_BYTES, Body, Head, ProtocolError, RemoteClosed,
                                TooLarge, read_head)
from library.netpolicy import checked_addresses

MAX_IDLE_PER_HOST = 4
SKIPPED_BODY_MAX = 64 * 1024
SKIPPED_BODY_WAIT_S = 2.0
_UNSENDABLE = {chr(c) for c in range(32)} | {"\x7f"}


class Response:
    """A status line and headers, and a body to read (:meth:`read`) once."""

    def __init__(self, head: Head, body: Body, connection: "_Connection") -> None:
        self.status_code, self.headers = head.status, head
        self.peer: str | None = connection.peer
        self._body, self._connection = body, connection

    @property
    def has_redirect_location(self) -> bool:
        return self.status_code in (301, 302, 303, 307, 308) and "location" in self.headers.headers

    async def skip(self) -> None:
        """Read a small body that is not wanted (a redirect's, an error page), so the
        connection can serve the next request; a large, slow or broken one closes it."""
        if self._body.until_close:
            return
        try:
            async with asyncio.timeout(SKIPPED_BODY_WAIT_S):
                await self.read(SKIPPED_BODY_MAX)
        except (TooLarge, ProtocolError, RemoteClosed, OSError):  # (TimeoutError too)
            pass

    async def read(self, max_bytes: int) -> bytes:
        """The body as it came (Content-Encoding not undone), at most ``max_bytes`` long
        (:class:`~library.http11wire.TooLarge` beyond)."""
        return await self._body.read(self._connection.reader, max_bytes)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        peer = writer.get_extra_info("peername")
        self.peer: str | None = str(peer[0]) if peer else None

    @property
    def usable(self) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()  # (no wait: the loop finishes closing it)


class Client:
    """Keeps connections per host and sends GETs on them; ``async with`` it, or
    :meth:`aclose` it, to close them all."""

    def __init__(self, headers: dict[str, str], connect_timeout_s: float,
                 max_idle_per_host: int = MAX_IDLE_PER_HOST) -> None:
        self._headers, self._connect_timeout_s = headers, connect_timeout_s
        self._max_idle = max(1, min(MAX_IDLE_PER_HOST, max_idle_per_host))
        self._idle: dict[tuple[str, str, bool], list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    @asynccontextmanager
    async def get(self, url: str, headers: dict[str, str], *,
                  public_only: bool = False) -> AsyncIterator[Response]:
        """GET ``url`` (http or https, in its normal form: see :mod:`library.urls`)."""
        parts = urlsplit(url)
        scheme, host, port = parts.scheme, parts.hostname or "", parts.port
        port = port or (443 if scheme == "https" else 80)
        if not host.isascii() or not (parts.path + parts.query).isascii():
            raise UnicodeError("the address is not in its ASCII form")
        key = (scheme, f"{host}:{port}", public_only)
        request = self._request(parts, headers)
        idle = self._idle.setdefault(key, [])
        connection, head, fresh_only = None, None, False
        while head is None:
            reused = bool(idle) and not fresh_only
            connection = idle.pop() if reused else \
                await self._connect(scheme, host, port, public_only)
            if reused and not connection.usable:  # closed by the server while idle
                connection.close()
                continue
            try:
                connection.writer.write(request)
                head = await read_head(connection.reader)
            except (RemoteClosed, ConnectionError, ssl.SSLError) as exc:  # (a dead TLS one)
                connection.close()
                if not reused or not getattr(exc, "nothing_received", True):
                    raise
                fresh_only = True  # (the other idle ones are as old: try a new one)
            except BaseException:
                connection.close()
                raise
        body = Body(head, "GET")
        response = Response(head, body, connection)
        try:
            yield response
        finally:
            if body.length == 0:
                body.complete = True
            if body.complete and body.reusable and len(idle) < self._max_idle:
                idle.append(connection)
            else:
                connection.close()

    def _request(self, parts, headers: dict[str, str]) -> bytes:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rsplit("@", 1)[-1]
        lines = [f"GET {target} HTTP/1.1", f"Host: {host}"]
        if "@" in parts.netloc:  # user:password@host, as httpx sent it: Basic auth
            user, _, password = parts.netloc.rsplit("@", 1)[0].partition(":")
            token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode())
            lines.append(f"Authorization: Basic {token.decode('ascii')}")
        for name, value in {**self._headers, **headers}.items():
            if not _UNSENDABLE.intersection(value):  # a stored validator may be anything
                lines.append(f"{name}: {value}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    async def _connect(self, scheme: str, host: str, port: int,
                       public_only: bool) -> _Connection:
        tls = self._context() if scheme == "https" else None
        async with asyncio.timeout(self._connect_timeout_s):
            if not public_only:
                return await _open(host, port, tls, host)
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            error: OSError | None = None
            for ip in checked_addresses(host, infos):
                try:
                    return await _open(ip, port, tls, host)
                except OSError as exc:
                    error = exc
            raise error or OSError(f"no address for {host}")

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            import certifi  # httpx's source of trust, never the environment's

            self._tls = ssl.create_default_context(cafile=certifi.where())
        return self._tls

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _open(address: str, port: int, tls: ssl.SSLContext | None,
                name: str) -> _Connection:
    reader, writer = await asyncio.open_connection(
        address, port, ssl=tls, server_hostname=name if tls else None, limit=MAX_HEAD_BYTES)
    return _Connection(reader, writer)
