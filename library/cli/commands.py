"""The CLI's commands. Each takes the parsed arguments and a :class:`Context`."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from library import feeds as feeds_mod
from library.cli import output
from library.archive import ArchiveRule
from library.config import Config
from library.episodes import list_episodes
from library.importer import export_library, import_opml, read_opml_file
from library.opml import OpmlError
from library.paths import Paths
from library.refresh import FeedOutcome, RefreshSettings, refresh
from library.store import connect


class CommandError(Exception):
    """A failure to report in one line, with a non-zero exit."""


@dataclass
class Context:
    paths: Paths
    config: Config
    console: Console
    errors: Console

    def db(self) -> sqlite3.Connection:
        return connect(self.paths.database)

    def shows_progress(self, args: argparse.Namespace) -> bool:
        return self.console.is_terminal and not getattr(args, "json", False)


def cmd_add(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    feed_id, added = feeds_mod.add_feed(conn, args.url)
    conn.close()
    if not added:
        raise CommandError(f"already subscribed to {args.url} (feed {feed_id})")
    if args.no_refresh:
        ctx.console.print(f"Added feed {feed_id}; it will be fetched on the next refresh.")
        return
    outcome = run_refresh(ctx, [feed_id], args)[0]
    if outcome.outcome == "failed":
        ctx.console.print(f"Added feed {feed_id}, but fetching it failed: {outcome.error}",
                          markup=False, highlight=False)
    else:
        ctx.console.print(f"Added {outcome.title} ({outcome.new_episodes} episodes).",
                          markup=False, highlight=False)


def cmd_import(args: argparse.Namespace, ctx: Context) -> None:
    try:
        document = read_opml_file(Path(args.file))
    except OpmlError as exc:
        raise CommandError(str(exc)) from None
    conn = ctx.db()
    report = import_opml(conn, document)
    conn.close()
    outcomes = [] if args.no_refresh else run_refresh(ctx, report.added_ids, args)
    if args.json:
        output.print_json({**report.to_json(), "refresh": [o.to_json() for o in outcomes]})
        return
    ctx.console.print(output.import_table(report))
    if outcomes:
        ctx.console.print(output.refresh_table(outcomes))


def cmd_refresh(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    if args.feeds:
        ids = [feeds_mod.resolve_feed(conn, query).id for query in args.feeds]
    else:
        ids = [feed.id for feed in feeds_mod.list_feeds(conn) if feed.status == "active"]
    conn.close()
    outcomes = run_refresh(ctx, ids, args)
    if args.json:
        output.print_json([o.to_json() for o in outcomes])
    else:
        ctx.console.print(output.refresh_table(outcomes))
    from library.cli.download_commands import after_refresh  # (it imports this module)

    after_refresh(ctx, ids, args)


def cmd_feeds(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    feeds = feeds_mod.list_feeds(conn)
    conn.close()
    if args.json:
        output.print_json([feed.to_json() for feed in feeds])
    elif not feeds:
        ctx.console.print("No subscriptions yet. Add one with `podterm add URL` "
                          "or bring yours with `podterm import FILE.opml`.", markup=False)
    else:
        ctx.console.print(output.feeds_table(feeds))


def cmd_episodes(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    feed = feeds_mod.resolve_feed(conn, args.feed) if args.feed else None
    episodes = list_episodes(conn, feed.id if feed else None, args.search, args.limit)
    conn.close()
    if args.json:
        output.print_json([episode.to_json() for episode in episodes])
    else:
        ctx.console.print(output.episodes_table(episodes, show_feed=feed is None))


def cmd_export(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    document, _count = export_library(conn)
    conn.close()
    if args.output:
        Path(args.output).write_bytes(document)
    else:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()


def cmd_remove(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    feed = feeds_mod.resolve_feed(conn, args.feed)
    from library.cli.download_commands import before_remove  # (it imports this module)

    downloads = before_remove(ctx, conn, feed, args)
    feeds_mod.remove_feed(conn, feed.id)
    conn.close()
    ctx.console.print(f"Removed {feed.display_title} ({feed.episode_count} episodes).{downloads}",
                      markup=False, highlight=False)


def run_refresh(ctx: Context, ids: list[int], args: argparse.Namespace) -> list[FeedOutcome]:
    """Refresh ``ids`` with a progress bar on a terminal (none with --json)."""
    settings = RefreshSettings.from_table(ctx.config["refresh"])
    with output.progress_bar(ctx.console, "Refreshing", len(ids),
                             ctx.shows_progress(args)) as advance:
        return refresh(ctx.paths.database, ids, settings,
                       lambda outcome, done, total: advance(outcome.title),
                       rule=ArchiveRule.from_table(ctx.config["health"]))
