"""How the CLI shows things: rich tables for people, one JSON document for scripts.

Feed text always enters rich as :class:`rich.text.Text`, never as a markup string, so a
title like ``[bold red]x[/]`` prints literally. Only what is drawn imports rich's parts.
Text from feeds and servers enters a table through :func:`clip`: one line, at most
:data:`CELL_CHARS` characters, so a 100 KB title costs a few lines, not thousands
(``--json`` prints it whole). Addresses are never cut: they are there to be copied.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from library.durations import format_duration
from library.models import Episode, Feed, local_date
from library.text import clean_line, plural

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from library.directory import Listing
    from library.importer import ImportReport
    from library.refresh import FeedOutcome

# A title, author or error in a table: longer ones are cut with "…" (the longest real
# episode titles are about 150 characters).
CELL_CHARS = 160
# A directory's description of a show: one line of the table.
ABOUT_CHARS = 90


def clip(text: str | None, limit: int = CELL_CHARS, style: str = "") -> Text:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    from rich.text import Text
    line = clean_line(text or "")
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return Text(line, style=style)


@contextmanager
def progress_bar(console: Console, description: str, total: int,
                 enabled: bool) -> Iterator[Any]:
    """Yield ``advance(label)``; draws a bar only when ``enabled`` (a terminal, no --json)."""
    if not enabled or total == 0:
        yield lambda label="": None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn)

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[label]}", markup=False))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=total, label="")
        yield lambda label="": progress.update(task, advance=1, label=label[:40])


def feeds_table(feeds: list[Feed]) -> Table:
    from rich.table import Table
    table = Table(title=plural(len(feeds), "subscription"), title_justify="left")
    for name, justify in (("id", "right"), ("title", "left"), ("episodes", "right"),
                          ("unplayed", "right"), ("total", "right"),
                          ("last update", "left"), ("status", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for feed in feeds:
        table.add_row(str(feed.id), clip(feed.display_title), str(feed.episode_count),
                      str(feed.unplayed_count), format_duration(feed.total_duration_s) or "—",
                      local_date(feed.last_success_at), feed_status(feed))
    return table


def feed_status(feed: Feed) -> Text:
    from rich.text import Text
    if feed.status == "archived":
        return Text(f"archived {local_date(feed.archived_at)}", style="yellow")
    if feed.consecutive_failures:
        return clip(f"failing ×{feed.consecutive_failures}: {feed.last_error or ''}", style="red")
    if feed.last_success_at is None:
        return Text("not fetched yet", style="dim")
    return Text("ok", style="green")


def episodes_table(episodes: list[Episode], show_feed: bool) -> Table:
    from rich.table import Table
    table = Table(title=f"{plural(len(episodes), 'episode')}, newest first", title_justify="left")
    table.add_column("id", justify="right")
    table.add_column("date")
    if show_feed:
        table.add_column("feed", max_width=24, overflow="ellipsis", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("duration", justify="right")
    table.add_column("", justify="left")
    for episode in episodes:
        cells = [str(episode.id), local_date(episode.published_at)]
        if show_feed:
            cells.append(clip(episode.feed_title))
        cells += [clip(episode.title), episode.duration or "—", _listened(episode)]
        table.add_row(*cells)
    return table


def _listened(episode: Episode) -> str:
    if episode.played:
        return "played"
    if episode.progress is not None:
        return f"{episode.progress:.0%}"
    return ""


def refresh_table(outcomes: list[FeedOutcome]) -> Table:
    """One row per feed; a feed this refresh archived says so, and why, in its row and in
    the title (it will not be checked again: it must not drop out of sight silently)."""
    from rich.table import Table
    from rich.text import Text
    count = {kind: sum(o.outcome == kind for o in outcomes)
             for kind in ("updated", "not_modified", "skipped", "failed")}
    skipped = f"{count['skipped']} skipped, " if count["skipped"] else ""
    archived = sum(o.archived for o in outcomes)
    table = Table(title=f"Refreshed {plural(len(outcomes), 'feed')}: {count['updated']} updated, "
                        f"{count['not_modified']} not modified, {skipped}{count['failed']} failed"
                        + (f" ({archived} archived)" if archived else ""),
                  title_justify="left")
    table.add_column("feed", overflow="fold")
    table.add_column("result", overflow="fold")
    for outcome in outcomes:
        if outcome.archived:
            result = clip(f"archived: {outcome.archived_because}", style="bold yellow")
            result.append(Text("\nno longer checked; `podterm info` says what you can do",
                               style="yellow"))
        elif outcome.outcome == "failed":
            result = clip(f"failed: {outcome.error}", style="red")
        elif outcome.outcome == "skipped":
            result = clip(f"skipped: {outcome.error}", style="yellow")
        elif outcome.outcome == "updated":
            result = Text(f"updated, {outcome.new_episodes} new", style="green")
        else:
            result = Text("not modified", style="dim")
        if outcome.moved_to:
            result.append(f" (moved to {outcome.moved_to})", style="yellow")
        table.add_row(clip(outcome.title), result)
    return table


def import_table(report: ImportReport) -> Table:
    from rich.table import Table
    from rich.text import Text
    table = Table(title=f"Import: {report.count('added')} added, "
                        f"{report.count('already subscribed')} already subscribed, "
                        f"{report.count('skipped')} skipped", title_justify="left")
    table.add_column("entry", overflow="fold")
    table.add_column("result", overflow="fold")
    styles = {"added": "green", "already subscribed": "dim", "skipped": "yellow"}
    for line in report.lines:
        result = Text(line.result, style=styles[line.result])
        if line.reason:
            result.append(f": {line.reason}")
        table.add_row(clip(line.title or line.url or "(untitled)"), result)
    return table


def search_table(listings: list[Listing], term: str) -> Table:
    """What a person chooses a show by: title and author, a line of description, how
    many episodes and the newest one's date, the directories that list it, its address;
    a show already subscribed says so (and which feed it is)."""
    from rich.table import Table
    from rich.text import Text
    table = Table(title=Text(f"{plural(len(listings), 'result')} for {term!r}"),
                  title_justify="left")
    table.add_column("show", overflow="fold", ratio=3)
    table.add_column("about", overflow="fold", ratio=3)
    table.add_column("episodes", justify="right")
    table.add_column("newest", no_wrap=True)
    table.add_column("listed by", overflow="fold")
    table.add_column("feed URL", overflow="fold", ratio=2)
    for listing in listings:
        show = listing.candidate
        cell = clip(show.title, style="bold")
        if show.author:
            cell.append("\n").append(clip(show.author, style="dim"))
        if listing.subscribed:
            cell.append(f"\n✓ subscribed (feed {listing.subscribed.of})", style="green")
        count = "—" if show.episode_count is None else str(show.episode_count)
        table.add_row(cell, clip(show.description, ABOUT_CHARS, style="dim"), count,
                      local_date(show.newest_episode_at), ", ".join(listing.listed_by),
                      Text(show.feed_url))
    return table
