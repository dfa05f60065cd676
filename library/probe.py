"""Fetching and parsing addresses that are not (yet) the subscription's own.

The search fallback looks at candidate feeds before anything moves: each is fetched and
parsed exactly as a refresh would, nothing is stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from library.fetch import FetchLimits, fetch_feed, make_client
from library.parse import FeedParseError, ParsedFeed
from library.parsepool import ParseBudget
from library.refreshsettings import RefreshSettings
from library.resolve import parse_fetched


@dataclass
class Probe:
    """One address looked at: the parsed feed, or why there is none."""

    url: str
    final_url: str
    parsed: ParsedFeed | None = None
    error: str | None = None


def probe_feeds(urls: list[str], settings: RefreshSettings) -> list[Probe]:
    """Fetch and parse ``urls`` concurrently; synchronous (runs its own event loop)."""
    return asyncio.run(_probe_all(urls, settings))


async def _probe_all(urls: list[str], settings: RefreshSettings) -> list[Probe]:
    limits = FetchLimits(settings.timeout_s, int(settings.max_feed_mb * 1024 * 1024))
    async with make_client(limits, max(1, settings.concurrency)) as client:
        return list(await asyncio.gather(*(_probe(client, limits, settings.parse_budget(), url)
                                           for url in urls)))


async def _probe(client, limits: FetchLimits, budget: ParseBudget, url: str) -> Probe:
    result = await fetch_feed(client, url, limits)
    if result.outcome != "ok":
        return Probe(url, result.final_url, error=result.error)
    try:
        parsed = await parse_fetched(result, budget)
    except FeedParseError as exc:
        return Probe(url, result.final_url, error=str(exc))
    return Probe(url, result.final_url, parsed)
