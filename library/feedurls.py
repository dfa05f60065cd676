"""Every address in a parsed feed made absolute and normal, in place.

Feeds may give addresses relative to the feed's own (``<enclosure url="/ep1.mp3">``), as
the RSS specification allows. They are resolved against the address the feed was
actually fetched from, then normalised like any other (see :mod:`library.urls`); one
that is not http(s) afterwards is dropped. Nothing that reaches the database or the
player is ever a bare path: handed to the player, ``/etc/hostname`` would be a local file.

This runs in the parser process, on the objects it has just made (see
:mod:`library.parseworker`), so the process that stores them does not copy each episode.
"""

from __future__ import annotations

import re
from itertools import chain
from operator import attrgetter
from urllib.parse import urljoin

from library.parse import ParsedFeed
from library.urls import UnsupportedURL, normalise_url

_FEED_URLS = ("link", "image_url", "new_feed_url", "self_url")
# Most addresses in feeds are already absolute and plain, without a fragment (which
# normalising drops): those skip the full treatment (a 5,000-episode feed has 20,000).
_NORMAL = r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?/[!$-;=?-Z_a-z~]*"
_ALREADY_NORMAL = re.compile(_NORMAL + r"\Z")
_EPISODE_URLS = ("enclosure_url", "link", "chapters_url", "transcript_url")
# The same test for all of a feed's episode addresses at once, each followed by "\n" (which
# no address that passes has): one match over them all costs far less than one per address.
_ALL_NORMAL = re.compile(rf"(?:{_NORMAL}\n)*+")
_episode_urls = attrgetter(*_EPISODE_URLS)


def resolve_in_place(parsed: ParsedFeed, base: str) -> None:
    """Make each address in ``parsed`` absolute (relative to ``base``) and normal."""
    for name in _FEED_URLS:
        setattr(parsed, name, absolute_url(getattr(parsed, name), base))
    urls = list(filter(None, chain.from_iterable(map(_episode_urls, parsed.episodes))))
    joined = "\n".join([*urls, ""])
    if joined.count("\n") == len(urls) and _ALL_NORMAL.fullmatch(joined):
        return  # (most feeds: every address is already absolute and normal)
    already_normal = _ALREADY_NORMAL.match  # (checked here: most need no call at all)
    for episode in parsed.episodes:
        for name in _EPISODE_URLS:
            url = getattr(episode, name)
            if url and not already_normal(url):
                setattr(episode, name, absolute_url(url, base))


def absolute_url(value: str | None, base: str) -> str | None:
    """``value`` resolved against ``base`` and normalised; None if it is no http(s) address."""
    if not value:
        return None
    if _ALREADY_NORMAL.match(value):
        return value
    try:
        return normalise_url(urljoin(base, value), spaces=True)
    except (UnsupportedURL, ValueError):
        return None
