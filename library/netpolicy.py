"""The private network, and the rule that keeps the internet out of it.

People run feeds on their own machines and LANs, so an address the user typed or
imported may be private. What is refused is a *public* server sending podterm into the
private network: a redirect (or a new-feed-url announcement, or a feed link on a web
page) from a host whose address is public to one whose address is private. Otherwise a
feed on the internet could make podterm request ``http://192.168.1.1/reboot`` or a cloud
metadata service, and report what it answered.

DNS can answer differently each time it is asked (DNS rebinding), so a request that must
stay public resolves the host once, checks every address, and connects to one of exactly
those (:func:`checked_addresses`, used by :mod:`library.http11` and :mod:`library.pinning`);
the address a response came from (:func:`peer_address`) says whether the next hop is held
to the rule.

The player keeps its own copy of :data:`PRIVATE_NETWORKS` (player/netpolicy.py: player and
library never import each other); tests/test_boundaries.py checks that both agree.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

PRIVATE_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "0.0.0.0/8",        # "this network": Linux connects 0.0.0.0 to the local machine
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",   # private networks (RFC 1918)
    "100.64.0.0/10",    # carrier-grade NAT, also used by VPN meshes (Tailscale)
    "127.0.0.0/8",      # loopback
    "169.254.0.0/16",   # link-local, cloud metadata services
    "::/128", "::1/128",  # unspecified, loopback
    "fc00::/7",         # unique local
    "fe80::/10",        # link-local
))


def is_private_address(ip: str) -> bool:
    """True for an address in :data:`PRIVATE_NETWORKS` (IPv4-mapped IPv6 included)."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in PRIVATE_NETWORKS)


class PrivateAddress(Exception):
    """A request that must stay public was about to connect to ``ip``."""

    def __init__(self, host: str, ip: str) -> None:
        super().__init__(f"{host} resolves to {ip}, an address in the private network")
        self.host, self.ip = host, ip


def checked_addresses(host: str, infos: list[tuple[Any, ...]]) -> list[str]:
    """The addresses to try from ``getaddrinfo``'s ``infos``, in the resolver's order;
    :class:`PrivateAddress` if any is private (an attacker's name may list a public
    address first)."""
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for ip in addresses:
        if is_private_address(ip):
            raise PrivateAddress(host, ip)
    return addresses


def peer_address(response: Any) -> str | None:
    """The IP address a response came from, if the transport says: ``peer`` of a
    :mod:`library.http11` response, or the network stream of an httpx one."""
    if hasattr(response, "peer"):  # library.http11's (None when the socket did not say)
        return response.peer
    stream = response.extensions.get("network_stream")
    try:
        server = stream.get_extra_info("server_addr") if stream is not None else None
    except OSError:  # the connection is already closed
        return None
    return str(server[0]) if server else None


def refusal(public_host: str, url: str, private_ip: str) -> str:
    """The reason given for refusing ``url`` reached from ``public_host``."""
    host = urlsplit(url).hostname or url
    where = host if host == private_ip else f"{host} ({private_ip})"
    return (f"refused: the public server {public_host} sent podterm to {where}, an address "
            "in your private network")


async def private_target(url: str) -> str | None:
    """The first private address ``url``'s host resolves to, or None."""
    host, port = _host_port(url)
    if host is None:
        return None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None  # the request itself will fail and say why
    return _first_private(infos)


async def public_host(url: str) -> str | None:
    """``url``'s host name when none of its addresses is private, else None: the public
    host answerable for the addresses a document from ``url`` names (an enclosure in a
    feed). A name that does not resolve counts as public, the stricter choice."""
    host = urlsplit(url).hostname
    return None if not host or await private_target(url) else host


def _host_port(url: str) -> tuple[str | None, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _first_private(infos: list[tuple[Any, ...]]) -> str | None:
    for *_ignored, sockaddr in infos:
        if is_private_address(str(sockaddr[0])):
            return str(sockaddr[0])
    return None
