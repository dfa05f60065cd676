"""Which addresses the stream proxy may connect to, and how it writes them.

A copy of the library's rule (library/netpolicy.py; the two packages never import each
other, and tests/test_boundaries.py checks that both lists agree): the address a caller
passes to play() may be anywhere, people keep episodes on their own machines, but a
public server may not send the player into the private network, neither by a redirect
nor by a feed that links there (the caller names the feed: ``play(..., origin=)``).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import quote, urlsplit, urlunsplit

PRIVATE_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "0.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
    "127.0.0.0/8", "169.254.0.0/16", "::/128", "::1/128", "fc00::/7", "fe80::/10",
))
# Control characters and bidi controls are refused in an address; other non-ASCII is
# percent-encoded (an HTTP request line is ASCII).
_REFUSED = re.compile("[\x00-\x20\x7f-\x9f\u2028\u2029\u061c\u200e\u200f"
                      "\u202a-\u202e\u2066-\u2069]")
_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


class Refused(Exception):
    """The proxy will not fetch this; the message is the reason shown to the user."""


def is_private_address(ip: str) -> bool:
    """True for an address in :data:`PRIVATE_NETWORKS` (IPv4-mapped IPv6 included)."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in PRIVATE_NETWORKS)


def public_host(url: str) -> str | None:
    """``url``'s host name when none of its addresses is private, else None: the public
    host answerable for the addresses a document from ``url`` names (an enclosure in a
    feed). A name that does not resolve counts as public, the stricter choice."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme.lower() not in ("http", "https"):
        return None  # a local file or a bare path: the user's own
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return host
    if any(is_private_address(str(sockaddr[0])) for *_ignored, sockaddr in infos):
        return None
    return host


def web_address(url: str, *, redirected: bool) -> str:
    """``url`` ready for an HTTP request (non-ASCII percent-encoded), or :class:`Refused`
    when it is not http(s) or carries control characters."""
    what = "The server redirected to" if redirected else "This is"
    if _REFUSED.search(url.strip()):
        raise Refused(f"{what} an address with control characters; podterm does not "
                      "open it")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = quote(scheme, safe="") + ":" if scheme else "a local"
        raise Refused(f"{what} {shown} address; podterm plays only http and https from "
                      "the network, never local files")
    if not parts.hostname:
        raise Refused(f"{what} an address without a server name")
    return urlunsplit((scheme, parts.netloc, quote(parts.path, safe=_SAFE) or "/",
                       quote(parts.query, safe=_SAFE), ""))
