"""A fetched feed, parsed, with every address in it absolute and normal.

Feeds may give addresses relative to the feed's own (``<enclosure url="/ep1.mp3">``), as
the RSS specification allows. They are resolved against the address the feed was
actually fetched from, then normalised like any other (see :mod:`library.urls`); one
that is not http(s) afterwards is dropped. Nothing that reaches the database or the
player is ever a bare path: handed to the player, ``/etc/hostname`` would be a local file.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from urllib.parse import urljoin

from library import parsepool
from library.fetch import FetchResult
from library.parse import ParsedEpisode, ParsedFeed
from library.parsepool import ParseBudget
from library.urls import UnsupportedURL, normalise_url

_FEED_URLS = ("link", "image_url", "new_feed_url", "self_url")
_EPISODE_URLS = ("enclosure_url", "link", "chapters_url", "transcript_url")
# Most addresses in feeds are already absolute and plain: those skip the full treatment
# (a 5,000-episode feed has 20,000 of them).
_ALREADY_NORMAL = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?/[!#-;=?-Z_a-z~]*\Z")


async def parse_fetched(result: FetchResult, budget: ParseBudget = ParseBudget(), *,
                        release_body: bool = False) -> ParsedFeed:
    """Parse ``result.body`` in a worker process; addresses resolved against
    ``result.final_url``. Raises :class:`library.parse.FeedParseError`. With
    ``release_body`` the body is dropped from ``result`` once the pool has it (a refresh
    needs it no more, and a large feed is then held once, not twice)."""
    parsing = parsepool.submit_parse(result.body, budget)
    if release_body:
        result.body = b""
    return resolve_urls(await asyncio.wrap_future(parsing), result.final_url)


def resolve_urls(parsed: ParsedFeed, base: str) -> ParsedFeed:
    """``parsed`` with each address absolute (relative to ``base``) and normalised."""
    episodes = [replace(episode, **_resolved(episode, _EPISODE_URLS, base))
                for episode in parsed.episodes]
    return replace(parsed, episodes=episodes, **_resolved(parsed, _FEED_URLS, base))


def _resolved(item: ParsedFeed | ParsedEpisode, names: tuple[str, ...],
              base: str) -> dict[str, str | None]:
    return {name: absolute_url(getattr(item, name), base) for name in names}


def absolute_url(value: str | None, base: str) -> str | None:
    """``value`` resolved against ``base`` and normalised; None if it is no http(s) address."""
    if not value:
        return None
    if _ALREADY_NORMAL.match(value) and "#" not in value:
        return value
    try:
        return normalise_url(urljoin(base, value), spaces=True)
    except (UnsupportedURL, ValueError):
        return None
