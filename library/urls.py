"""Addresses: only http and https are ever fetched, and every address is stored and shown
in one safe, normalised form.

feedparser would happily read a local file if handed a path, and OPML files from the
internet can carry ``file://`` or ``javascript:`` addresses; everything that becomes a
subscription passes :func:`check_feed_url` first. Redirect ``Location`` headers pass it
too, so an address a server made up is held to the same rules as one the user typed.

The normal form: scheme and host lower-case, a non-ASCII host in its IDNA ("xn--")
form, default ports dropped, an empty path written "/", and every other non-ASCII
character percent-encoded (UTF-8), so a stored or printed address is plain ASCII.
The fragment ("#...") is dropped. Control characters and bidirectional-text controls (U+202E can make "mp3.exe" read as
"exe.mp3") are refused rather than encoded: an address that carries them was made to
deceive, and no real feed needs them.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit


class UnsupportedURL(ValueError):
    """The address is not an http(s) URL podterm may fetch; the message says why."""


# C0 and C1 controls, DEL, line and paragraph separators, and the bidi controls (marks,
# embeddings, overrides, isolates, the Arabic letter mark).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f"
                       "\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s")
# Characters left as they are when percent-encoding: the unreserved and reserved sets of
# RFC 3986, and "%" itself, so that existing escapes are not encoded twice.
_SAFE = "!#$%&'()*+,/:;=?@[]~-._"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_feed_url(url: str) -> str:
    """Return ``url`` in its normal form, or raise :class:`UnsupportedURL` saying why."""
    return normalise_url(url, spaces=False)


def join_url(base: str, ref: str) -> str:
    """``ref`` (a redirect's Location, a link on a page) resolved against ``base``, in its
    normal form; :class:`UnsupportedURL` says why it cannot be fetched."""
    try:
        joined = urljoin(base, ref)
    except ValueError:  # urljoin parses ``ref`` too: "http://[x" raises
        raise UnsupportedURL(f"not a valid address: {shown_url(ref)}") from None
    return check_feed_url(joined)


def normalise_url(url: str, *, spaces: bool = False) -> str:
    """The normal form of an http(s) address (see the module docstring).

    ``spaces=True`` percent-encodes spaces inside the address (sloppy enclosure URLs in
    feeds have them); otherwise an address with spaces is refused, as typed ones are.
    """
    text = (url or "").strip()
    if not text:
        raise UnsupportedURL("empty address")
    if _CONTROLS.search(text):
        raise UnsupportedURL("address contains control or bidirectional-text characters "
                             f"(refused): {shown_url(text)}")
    if _WHITESPACE.search(text):
        if not spaces:
            raise UnsupportedURL(f"address contains spaces: {shown_url(text)}")
        text = _WHITESPACE.sub("%20", text)
    try:
        parts = urlsplit(text)
    except ValueError:  # a bracketed host that is no IPv6 address, NFKC tricks in the host
        raise UnsupportedURL(f"not a valid address: {shown_url(text)}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        what = f"'{shown_url(scheme)}:' addresses" if scheme else "local paths"
        raise UnsupportedURL(f"only http and https addresses are fetched, not {what}: "
                             f"{shown_url(text)}")
    host = parts.hostname
    if not host:
        raise UnsupportedURL(f"address has no host: {shown_url(text)}")
    try:
        port = parts.port
    except ValueError:
        raise UnsupportedURL(f"address has an invalid port: {shown_url(text)}") from None
    netloc = _host(host, text)
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    if "@" in parts.netloc:
        netloc = _encode(parts.netloc.rsplit("@", 1)[0]) + "@" + netloc
    # The fragment is never sent to the server: it is not part of the feed's address.
    return urlunsplit((scheme, netloc, _encode(parts.path) or "/", _encode(parts.query), ""))


def shown_url(text: str) -> str:
    """``text`` safe to print, whatever it is: non-ASCII and control characters
    percent-encoded. For addresses stored before they were normalised, and for
    messages about refused ones. Never raises."""
    if text.isascii() and text.isprintable():
        return text
    return quote(text, safe=_SAFE + " ")


def same_feed_key(url: str) -> str:
    """A comparison key: two addresses that differ only by a trailing slash are the same."""
    return url.rstrip("/")


def duplicate_key(url: str) -> str:
    """A subscription's identity key: the address without its scheme or trailing slash.

    ``http://`` and ``https://`` of the same address deliver the same feed (one usually
    redirects to the other), so subscribing to both would list every episode twice.
    """
    return same_feed_key(url.split("://", 1)[-1])


def duplicate_variants(url: str) -> list[str]:
    """The stored forms that :func:`duplicate_key` treats as ``url``: http and https,
    with and without a trailing slash (for an indexed ``url IN (...)`` lookup)."""
    key = duplicate_key(url)
    return [f"{scheme}://{key}{slash}" for scheme in ("http", "https") for slash in ("", "/")]


def _host(host: str, text: str) -> str:
    """The host as it goes on the wire: lower-case, IDNA for non-ASCII, [v6] in brackets."""
    if ":" in host:
        return f"[{host}]"
    if host.isascii():
        return host
    import idna  # only for internationalised names: it costs ~9 ms to import

    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise UnsupportedURL(f"address has an invalid host name: {shown_url(text)}") from None


def _encode(component: str) -> str:
    """Percent-encode what may not appear raw (non-ASCII, quotes, braces, ...)."""
    return quote(component, safe=_SAFE)
