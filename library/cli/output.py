"""How the CLI shows things: tables for people, one JSON document for scripts.

Feed text always enters rich as :class:`rich.text.Text`, never as a markup string, so a
title like ``[bold red]x[/]`` prints literally. Only what is drawn imports rich's parts;
the long listings (feeds, episodes, the inbox) are drawn without rich
(:mod:`library.cli.columns`). Text from feeds and servers enters a table through
:func:`one_line` (or :func:`clip`, its rich Text): one line, at most :data:`CELL_CHARS`
characters, so a 100 KB title costs a few lines, not thousands (``--json`` prints it
whole). Addresses are never cut: they are there to be copied.
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
# A feed's status in a listing (the whole error is in `podterm info`).
STATUS_CELLS = 70


def one_line(text: str | None, limit: int = CELL_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    line = clean_line(text or "")
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def clip(text: str | None, limit: int = CELL_CHARS, style: str = "") -> Text:
    """:func:`one_line` as rich Text (never read as markup)."""
    from rich.text import Text
    return Text(one_line(text, limit), style=style)


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


def write_feeds(feeds: list[Feed]) -> None:
    """``podterm feeds``: one line per subscription (:mod:`library.cli.columns`)."""
    from library.cli.columns import Column, write
    columns = [Column("id", right=True), Column("title", flexible=True),
               Column("episodes", right=True), Column("unplayed", right=True),
               Column("total", right=True), Column("last update"),
               Column("status", max_width=STATUS_CELLS)]
    rows = [[str(feed.id), one_line(feed.display_title), str(feed.episode_count),
             str(feed.unplayed_count), format_duration(feed.total_duration_s) or "—",
             local_date(feed.last_success_at), status_cell(feed)] for feed in feeds]
    write(plural(len(feeds), "subscription"), columns, rows)


def status_cell(feed: Feed) -> tuple[str, str]:
    """A feed's state in a few words, and the colour it is shown in."""
    if feed.status == "archived":
        return f"archived {local_date(feed.archived_at)}", "yellow"
    if feed.consecutive_failures:
        return one_line(f"failing ×{feed.consecutive_failures}: {feed.last_error or ''}"), "red"
    if feed.last_success_at is None:
        return "not fetched yet", "dim"
    return "ok", "green"


def feed_status(feed: Feed) -> Text:
    from rich.text import Text
    return Text(*status_cell(feed))


def write_episodes(episodes: list[Episode], show_feed: bool, title: str | None = None) -> None:
    """``podterm episodes`` and the inbox: one line per episode, newest first."""
    from library.cli.columns import Column, write
    columns = [Column("id", right=True), Column("date")]
    if show_feed:
        columns.append(Column("feed", max_width=24))
    columns += [Column("title", flexible=True), Column("duration", right=True), Column("")]
    rows = []
    for episode in episodes:
        cells = [str(episode.id), local_date(episode.published_at)]
        if show_feed:
            cells.append(one_line(episode.feed_title))
        rows.append(cells + [one_line(episode.title), episode.duration or "—",
                             _listened(episode)])
    write(title or f"{plural(len(episodes), 'episode')}, newest first", columns, rows)


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
