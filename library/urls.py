"""Feed addresses: only http and https are ever fetched.

feedparser would happily read a local file if handed a path, and OPML files from the
internet can carry ``file://`` or ``javascript:`` addresses; everything that becomes a
subscription passes :func:`check_feed_url` first.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


class UnsupportedURL(ValueError):
    """The address is not an http(s) URL podterm may fetch; the message says why."""


def check_feed_url(url: str) -> str:
    """Return ``url`` tidied (scheme and host lower-cased), or raise :class:`UnsupportedURL`."""
    text = (url or "").strip()
    if not text:
        raise UnsupportedURL("empty address")
    if any(ord(ch) < 0x21 or ch == "\x7f" for ch in text):
        raise UnsupportedURL(f"address contains spaces or control characters: {text!r}")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        what = f"'{scheme}:' addresses" if scheme else "local paths"
        raise UnsupportedURL(f"only http and https feeds can be fetched, not {what}: {text}")
    if not parts.hostname:
        raise UnsupportedURL(f"address has no host: {text}")
    netloc = parts.netloc.rsplit("@", 1)
    netloc[-1] = netloc[-1].lower()
    return urlunsplit((scheme, "@".join(netloc), parts.path or "/", parts.query, ""))


def same_feed_key(url: str) -> str:
    """A comparison key: two addresses that differ only by a trailing slash are the same."""
    return url.rstrip("/")
