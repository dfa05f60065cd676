"""The CLI's commands. Each takes the parsed arguments and a :class:`Context`.

Modules a command needs are imported when it runs: `podterm feeds` and `--help` must
start in a blink, without the HTTP client, the feed parser or the OPML reader.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from library import feeds as feeds_mod
from library.config import Config
from library.paths import Paths
from library.store import connect, connect_or_read_only, daily_check
from library.text import plural

if TYPE_CHECKING:
    from rich.console import Console

    from library.refresh import FeedOutcome


# Exit codes besides 0 (success), 1 (CommandError: nothing or not all was done) and
# 2 (wrong arguments, from argparse).
SOME_FEEDS_FAILED = 3


class CommandError(Exception):
    """A failure to report in one line, with a non-zero exit."""


class Context:
    """What every command gets: where the library is, the configuration, the consoles."""

    def __init__(self, paths: Paths, config: Config) -> None:
        self.paths = paths
        self.config = config
        self._consoles: dict[str, Console] = {}
        self._checked = False

    @property
    def console(self) -> "Console":
        """stdout, for people (rich)."""
        return self._console("out")

    @property
    def errors(self) -> "Console":
        """stderr, for warnings and the one-line failure reason."""
        return self._console("err")

    def _console(self, which: str) -> "Console":
        if which not in self._consoles:
            from rich.console import Console

            self._consoles[which] = Console(stderr=which == "err", highlight=False,
                                            soft_wrap=which == "err")
        return self._consoles[which]

    def db(self, first: Callable[[sqlite3.Connection], object] | None = None
           ) -> sqlite3.Connection:
        """The library, for a command that changes it. The first time, once a day, the
        file is checked and backed up (a damaged one raises LibraryDamaged); ``first``
        runs on it before that (a refresh starts its parser processes there)."""
        conn = connect(self.paths.database)
        if first is not None:
            try:
                first(conn)
            except BaseException:
                conn.close()
                raise
        if not self._checked:
            self._checked = True
            from library.backups import BackupError

            try:
                daily_check(conn, self.paths.database)
            except BackupError as exc:
                self.warn(str(exc))
            except BaseException:
                conn.close()
                raise
        return conn

    def reader(self) -> sqlite3.Connection:
        """The library, for a command that only reads it: read-only, saying so, when it
        cannot be written."""
        conn, reason = connect_or_read_only(self.paths.database)
        if reason:
            self.warn(f"{reason} Showing it read-only; nothing can be changed.")
        return conn

    def warn(self, message: str) -> None:
        self.errors.print(f"podterm: warning: {message}", markup=False, highlight=False)

    def shows_progress(self, args: argparse.Namespace) -> bool:
        return not getattr(args, "json", False) and self.console.is_terminal


def cmd_add(args: argparse.Namespace, ctx: Context) -> None:
    from library.refreshsettings import RefreshSettings
    from library.subscribe import NotSubscribed, subscribe

    try:
        done = subscribe(ctx.paths.database, args.url,
                         RefreshSettings.from_table(ctx.config["refresh"]),
                         force=args.force, look=not args.no_refresh)
    except NotSubscribed as exc:
        hint = " (add --force to subscribe anyway, e.g. to a feed that is down for now)" \
            if exc.can_force else ""
        raise CommandError(f"{exc}{hint}") from None
    say = lambda text: ctx.console.print(text, markup=False, highlight=False,  # noqa: E731
                                         soft_wrap=True)
    if done.page_url:
        say(f"{done.page_url} is a web page; subscribing to the feed it names: {done.url}")
    if not done.fetched:
        say(f"Added feed {done.feed_id}; it will be fetched on the next refresh.")
    elif done.error:
        say(f"Added feed {done.feed_id}, but fetching it failed: {done.error}")
    else:
        say(f"Added {done.title} ({plural(done.new_episodes, 'episode')}).")


def cmd_import(args: argparse.Namespace, ctx: Context) -> None:
    from library.cli import output
    from library.duplicates import drop_duplicates
    from library.importer import import_opml, read_opml_file
    from library.opml import OpmlError

    try:
        document = read_opml_file(Path(args.file))
    except OpmlError as exc:
        raise CommandError(str(exc)) from None
    conn = ctx.db()
    report = import_opml(conn, document)
    if not args.no_refresh:
        start_parsers_if_needed(ctx, conn, report.added_ids)
    outcomes = [] if args.no_refresh else run_refresh(ctx, report.added_ids, args)
    # Only now is each new feed's podcast:guid and self link known.
    dropped = {d.feed_id for d in report.mark_duplicates(drop_duplicates(conn,
                                                                         report.added_ids))}
    conn.close()
    outcomes = [o for o in outcomes if o.feed_id not in dropped]
    if args.json:
        print_json({**report.to_json(), "refresh": [o.to_json() for o in outcomes]})
        return
    ctx.console.print(output.import_table(report))
    if outcomes:
        ctx.console.print(output.refresh_table(outcomes))


def cmd_refresh(args: argparse.Namespace, ctx: Context) -> int:
    """Exit code 3 (:data:`SOME_FEEDS_FAILED`) when any feed failed."""
    ids: list[int] = []

    def choose(conn: sqlite3.Connection) -> None:
        if args.feeds:
            ids.extend(feeds_mod.resolve_feed(conn, query).id for query in args.feeds)
        else:
            ids.extend(feeds_mod.active_feed_ids(conn))  # (list_feeds adds up episodes)
        start_parsers_if_needed(ctx, conn, ids)

    ctx.db(first=choose).close()
    outcomes = run_refresh(ctx, ids, args)
    if args.json:
        print_json([o.to_json() for o in outcomes])
    else:
        from library.cli import output

        ctx.console.print(output.refresh_table(outcomes))
    from library.cli.download_commands import after_refresh  # (it imports this module)

    after_refresh(ctx, ids, args)
    return SOME_FEEDS_FAILED if any(o.outcome == "failed" for o in outcomes) else 0


def cmd_feeds(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.reader()
    feeds = feeds_mod.list_feeds(conn)
    conn.close()
    if args.json:
        print_json([feed.to_json() for feed in feeds])
    elif not feeds:
        ctx.console.print("No subscriptions yet. Add one with `podterm add URL` "
                          "or bring yours with `podterm import FILE.opml`.", markup=False)
    else:
        from library.cli import output

        output.write_feeds(feeds)


def cmd_episodes(args: argparse.Namespace, ctx: Context) -> None:
    from library.episodes import list_episodes

    conn = ctx.reader()
    feed = feeds_mod.resolve_feed(conn, args.feed) if args.feed else None
    episodes = list_episodes(conn, feed.id if feed else None, args.search, args.limit)
    conn.close()
    if args.json:
        print_json([episode.to_json() for episode in episodes])
    else:
        from library.cli import output

        output.write_episodes(episodes, show_feed=feed is None)


def cmd_export(args: argparse.Namespace, ctx: Context) -> None:
    from library.importer import export_library, write_opml_file
    from library.opml import OpmlError

    conn = ctx.reader()
    document, _count = export_library(conn)
    conn.close()
    if args.output:
        try:
            write_opml_file(Path(args.output), document)
        except OpmlError as exc:
            raise CommandError(str(exc)) from None
    else:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()


def cmd_remove(args: argparse.Namespace, ctx: Context) -> None:
    """Asks first on a terminal; elsewhere only ``--yes`` removes."""
    conn = ctx.db()
    feed = feeds_mod.resolve_feed(conn, args.feed)
    if not args.yes:
        what = (f"{feed.display_title} and its {plural(feed.episode_count, 'episode')}, with "
                "what you played and where you stopped")
        if not sys.stdin.isatty():
            raise CommandError(f"not removed: removing {what} needs confirmation; "
                               "run it on a terminal, or add --yes")
        from rich.text import Text

        try:
            answer = ctx.errors.input(Text(f"Remove {what}? [y/N] "))
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            raise CommandError(f"not removed: {feed.display_title}")
    from library.cli.download_commands import before_remove  # (it imports this module)

    downloads = before_remove(ctx, conn, feed, args)
    feeds_mod.remove_feed(conn, feed.id)
    conn.close()
    ctx.console.print(f"Removed {feed.display_title} ({plural(feed.episode_count, 'episode')})."
                      f"{downloads}", markup=False, highlight=False)


def start_parsers_if_needed(ctx: Context, conn: sqlite3.Connection, ids: list[int]) -> None:
    """Start the parser processes now if one of ``ids`` was never checked (its answer will
    be parsed): they import on other cores while this one imports the pool, the HTTP
    client and the event loop (~0.2 s). A refresh where nothing changed starts none."""
    if feeds_mod.any_never_checked(conn, ids):
        from library.parserstart import start_early
        from library.refreshsettings import RefreshSettings

        start_early(RefreshSettings.from_table(ctx.config["refresh"]).parse_memory_mb)


def run_refresh(ctx: Context, ids: list[int], args: argparse.Namespace) -> list[FeedOutcome]:
    """Refresh ``ids`` with a progress bar on a terminal (none with --json)."""
    from library.archive import ArchiveRule
    from library.refresh import refresh
    from library.refreshsettings import RefreshSettings

    settings = RefreshSettings.from_table(ctx.config["refresh"])

    bar: Any = nullcontext(lambda label="": None)
    if ctx.shows_progress(args):
        from library.cli import output

        bar = output.progress_bar(ctx.console, "Refreshing", len(ids), True)
    with bar as advance:
        return refresh(ctx.paths.database, ids, settings,
                       lambda outcome, done, total: advance(outcome.title),
                       rule=ArchiveRule.from_table(ctx.config["health"]))


def print_json(document: object) -> None:
    """One JSON document on stdout (what --json promises)."""
    import json

    # One write: json.dump to a text stream writes each token (~9,000 writes for 200 feeds).
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
