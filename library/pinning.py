"""HTTP clients that connect only to addresses the private-network rule allows.

:mod:`library.netpolicy` says who may send podterm where: a request that a public server
caused (a redirect, an enclosure in a public feed) must reach a public address. Checking
the host's addresses and then letting httpx resolve the name again leaves a gap: DNS can
answer differently the second time (DNS rebinding: a public address for the check,
127.0.0.1 for the connection), and the request reaches the private host before any check
of the connected address can refuse its answer. So such requests go through a client
whose connections resolve the name once, refuse (:class:`PrivateAddress`) if any of its
addresses is private, and connect to one of exactly those addresses
(:func:`library.netpolicy.checked_addresses`; feed fetches do the same in
:mod:`library.http11`). TLS is unchanged:
httpcore still sends SNI and ``Host`` for the name and verifies the certificate for it.

Each checked client only ever makes checked connections, so its kept-alive connections
are safe to reuse; requests that may go anywhere use a client of their own.

httpx has no parameter for httpcore's network backend: :class:`CheckedTransport` (and
:class:`CheckedSyncTransport`) rebuild httpx's connection pool with the same settings
and the checking backend. tests/library/test_dns_rebinding.py fails if a new httpx keeps
its pool elsewhere.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any, Iterable

import httpcore

from library.httpclient import httpx
from library.netpolicy import PrivateAddress, checked_addresses

__all__ = ["CheckedClients", "CheckedSyncTransport", "CheckedTransport", "PrivateAddress"]


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM), timeout)
        except asyncio.TimeoutError:
            raise httpcore.ConnectTimeout(f"looking up {host} timed out") from None
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        error: Exception | None = None
        for ip in checked_addresses(host, infos):
            try:
                return await self._inner.connect_tcp(ip, port, timeout, local_address,
                                                     socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CheckedSyncBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        error: Exception | None = None
        for ip in checked_addresses(host, infos):
            try:
                return self._inner.connect_tcp(ip, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, connecting only to public addresses, each one checked."""

    def __init__(self, *, verify: ssl.SSLContext, limits: httpx.Limits) -> None:
        super().__init__(verify=verify, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=verify, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry, network_backend=_CheckedBackend())


class CheckedSyncTransport(httpx.HTTPTransport):
    """:class:`CheckedTransport` for blocking clients."""

    def __init__(self, *, verify: ssl.SSLContext, limits: httpx.Limits) -> None:
        super().__init__(verify=verify, limits=limits, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=verify, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry, network_backend=_CheckedSyncBackend())


class CheckedClients:
    """Two async clients with the same settings: :meth:`pick` ``public_only=True`` gives
    the one whose connections go only to checked public addresses. ``async with`` it, or
    :meth:`aclose` it."""

    def __init__(self, *, limits: httpx.Limits, **settings: Any) -> None:
        verify = httpx.create_ssl_context(trust_env=False)
        common = dict(settings, limits=limits, verify=verify, trust_env=False)
        self._anywhere = httpx.AsyncClient(**common)
        self._public = httpx.AsyncClient(**common, transport=CheckedTransport(verify=verify,
                                                                              limits=limits))

    def pick(self, public_only: bool) -> httpx.AsyncClient:
        return self._public if public_only else self._anywhere

    async def aclose(self) -> None:
        await self._anywhere.aclose()
        await self._public.aclose()

    async def __aenter__(self) -> "CheckedClients":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
