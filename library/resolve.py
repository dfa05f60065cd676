"""A fetched feed, parsed in a worker process, with every address in it absolute and
normal (see :mod:`library.feedurls`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from library import parsepool
from library.parse import ParsedFeed
from library.parsepool import ParseBudget, ParseJob

if TYPE_CHECKING:
    from library.fetch import FetchLimits, FetchResult


async def parse_fetched(result: "FetchResult", budget: ParseBudget = ParseBudget(), *,
                        limits: "FetchLimits | None" = None,
                        release_body: bool = False) -> ParsedFeed:
    """Parse ``result.body`` in a worker process; addresses resolved against
    ``result.final_url``. Raises :class:`library.parse.FeedParseError`. With
    ``release_body`` the body is dropped from ``result`` once the pool has it (a refresh
    needs it no more, and a large feed is then held once, not twice)."""
    parsed = await parse_if_changed(result, budget, None, limits=limits,
                                    release_body=release_body)
    assert parsed is not None  # (there is no earlier body to be the same as)
    return parsed


async def parse_if_changed(result: "FetchResult", budget: ParseBudget,
                           known_hash: str | None, *, limits: "FetchLimits | None" = None,
                           release_body: bool = False) -> ParsedFeed | None:
    """Like :func:`parse_fetched` for a body that may still be compressed (``fetch_feed``
    with ``decode=False``): the worker decodes it within ``limits.max_bytes``, and
    returns None instead of parsing when its SHA-256 is ``known_hash``. The parsed feed's
    ``body_hash`` is the decoded body's."""
    job = ParseJob(budget.max_episodes, result.final_url, result.content_encoding,
                   limits.max_bytes if limits else None, known_hash)
    parsing = parsepool.submit_parse(result.body, budget, job)
    if release_body:
        result.body = b""
    return await asyncio.wrap_future(parsing)
