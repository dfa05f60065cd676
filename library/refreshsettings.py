"""The ``[refresh]`` settings, apart from the refresh itself: a command reads them (and
may start the parser processes) before it imports the parser pool, the HTTP client and
the event loop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from library.record import Record

if TYPE_CHECKING:
    from library.parsepool import ParseBudget


class RefreshSettings(Record):
    """The ``[refresh]`` table of config.toml."""

    concurrency: int = 16
    per_host: int = 2
    timeout_s: float = 30
    max_feed_mb: float = 50
    parse_timeout_s: float = 30
    max_episodes: int = 10_000
    parse_memory_mb: float = 300

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> "RefreshSettings":
        return cls(**{k: table[k] for k in ("concurrency", "per_host", "timeout_s", "max_feed_mb",
                                            "parse_timeout_s", "max_episodes", "parse_memory_mb")})

    def parse_budget(self) -> ParseBudget:
        from library.parsepool import ParseBudget

        return ParseBudget(self.parse_timeout_s, self.max_episodes, self.parse_memory_mb)
