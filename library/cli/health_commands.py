"""CLI commands for feed health: info, check, search, fallback, migrate."""

from __future__ import annotations

import argparse

from rich.table import Table
from rich.text import Text

from library import feeds as feeds_mod
from library.archive import ArchiveRule, archive_notice, failing_notice
from library.cli import output
from library.cli.commands import CommandError, Context, print_json, run_refresh
from library.directory import Directory, DirectoryError, DirectorySettings, mark_subscribed, \
    search_all
from library.episodes import list_episodes
from library.fallback import FallbackReport, find_candidates, with_evidence
from library.migrate import evidence, migrate_feed
from library.models import local_date
from library.probe import probe_feeds
from library.refreshsettings import RefreshSettings
from library.text import plural
from library.urls import check_feed_url, same_feed_key


def cmd_info(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.reader()
    feed = feeds_mod.resolve_feed(conn, args.feed)
    events = feeds_mod.feed_events(conn, feed.id)
    conn.close()
    rule = ArchiveRule.from_table(ctx.config["health"])
    notice: list[str] = []
    todo: list[tuple[str, str]] = []   # (command, what it does, in the notice's words)
    if feed.status == "archived":
        archived = archive_notice(feed)
        notice, todo = archived.lines(), list(zip(_ARCHIVED_TODO, archived.actions))
    elif feed.consecutive_failures:
        failing = failing_notice(feed, rule)
        notice, todo = failing.lines(), list(zip(_FAILING_TODO, failing.actions))
    if args.json:
        print_json({**feed.to_json(), "notice": notice,
                    "what_you_can_do": [what for _, what in todo], "history": [
                        {"at": local_date(e["at"]), "kind": e["kind"], "message": e["message"]}
                        for e in events]})
        return
    say = ctx.console.print
    say(Text(feed.display_title, style="bold"))
    say(Text(f"{feed.url}\n{feed.episode_count} episodes, {feed.unplayed_count} unplayed"))
    if notice:  # long lines are the terminal's to wrap: copied, they stay whole
        say(Text("\n" + "\n".join(notice), style="yellow"), soft_wrap=True)
        width = max(len(command) for command, _ in todo) + 2
        say(Text("\nWhat you can do now:\n" + "\n".join(
            f"  {command.format(id=feed.id).ljust(width)}{what}" for command, what in todo)),
            soft_wrap=True)
    health = Table.grid(padding=(0, 2))
    health.add_row("status", output.feed_status(feed))
    health.add_row("last success", local_date(feed.last_success_at))
    health.add_row("last checked", local_date(feed.last_checked_at))
    health.add_row("failed checks in a row", str(feed.consecutive_failures))
    if feed.last_error:
        health.add_row("last error", output.clip(feed.last_error))
    health.add_row("archive rule", f"after {rule.describe()} (or 410 Gone twice)")
    if feed.complete:
        health.add_row("finished", "the show says it is complete; it is never archived for that")
    say(health)
    for event in events:
        say(Text(f"{local_date(event['at'])}  {event['message']}", style="dim"))


# The commands for the notices' actions, in their order (library.archive).
_ARCHIVED_TODO = ("podterm fallback {id}", "podterm check {id}", "podterm migrate {id} URL",
                  "podterm remove {id}")
_FAILING_TODO = ("podterm check {id}", "podterm migrate {id} URL", "podterm fallback {id}")


def cmd_check(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    feed = feeds_mod.resolve_feed(conn, args.feed)
    conn.close()
    [outcome] = run_refresh(ctx, [feed.id], args)
    if outcome.outcome == "failed":
        raise CommandError(f"{feed.display_title}: still failing: {outcome.error}")
    if outcome.outcome == "skipped":
        raise CommandError(f"{feed.display_title}: {outcome.error}")
    back = " It is no longer archived." if feed.status == "archived" else ""
    ctx.console.print(Text(f"{outcome.title}: the feed answered "
                           f"({plural(outcome.new_episodes, 'new episode')}).{back}"))


def cmd_search(args: argparse.Namespace, ctx: Context) -> None:
    settings = DirectorySettings.from_table(ctx.config["directory"])
    providers = [args.provider] if args.provider else settings.providers
    term = " ".join(args.term)  # unquoted words are one phrase
    listings, problems = search_all(settings, term, providers)
    _warn(ctx, problems)
    if len(problems) == len(providers):
        raise CommandError("no directory could be searched")
    conn = ctx.reader()
    mark_subscribed(conn, listings)
    conn.close()
    if args.json:
        print_json([listing.to_json() for listing in listings])
        return
    ctx.console.print(output.search_table(listings, term))
    ctx.console.print("Subscribe with `podterm add URL`.", markup=False)


def cmd_fallback(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.reader()
    feed = feeds_mod.resolve_feed(conn, args.feed)
    try:
        with Directory(DirectorySettings.from_table(ctx.config["directory"])) as directory:
            report = find_candidates(feed, directory)
    except DirectoryError as exc:
        raise CommandError(str(exc)) from None
    with_evidence(list_episodes(conn, feed.id), report,
                  RefreshSettings.from_table(ctx.config["refresh"]))
    conn.close()
    _warn(ctx, report.problems)
    if args.json:
        print_json({"feed": feed.to_json(), "problems": report.problems,
                           "candidates": [f.to_json() for f in report.findings]})
        return
    _fallback_table(ctx, feed.id, report)


def cmd_migrate(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    feed = feeds_mod.resolve_feed(conn, args.feed)
    url = check_feed_url(args.url)
    if same_feed_key(url) == same_feed_key(feed.url):
        raise CommandError(f"{url} is already this feed's address")
    [probe] = probe_feeds([url], RefreshSettings.from_table(ctx.config["refresh"]))
    if probe.parsed is None:
        raise CommandError(f"{url} is not a usable feed: {probe.error}")
    found = evidence(conn, feed.id, probe.parsed)
    if found.matched == 0 and found.ours and not args.yes:
        raise CommandError(
            f"refusing to migrate {feed.display_title!r}: {found.describe()}, so it may be a "
            "different show. If you are sure, run again with --yes.")
    migrate_feed(conn, feed.id, probe.final_url, probe.parsed,
                 "it was migrated by hand (podterm migrate)")
    conn.close()
    ctx.console.print(Text(f"Moved {feed.display_title} to {probe.final_url}: {found.describe()}."
                           " Played episodes and positions were kept."))


def _fallback_table(ctx: Context, feed_id: int, report: FallbackReport) -> None:
    table = Table(title="Candidates, best first", title_justify="left")
    for column in ("#", "title", "author", "found by", "episodes in common", "feed URL"):
        table.add_column(column, overflow="fold")
    for number, finding in enumerate(report.findings, 1):
        c = finding.candidate
        if finding.evidence:
            shared = Text(finding.evidence.describe(),
                          style="green" if finding.evidence.matched else "red")
        else:
            shared = Text(finding.error or "not checked", style="dim")
        title = Text(c.title)
        if c.likely_same:
            title.append("  likely the same show", style="green")
        table.add_row(str(number), title, Text(c.author), c.found_by, shared, Text(c.feed_url))
    ctx.console.print(table)
    if report.findings:
        ctx.console.print(f"Move the subscription with `podterm migrate {feed_id} URL`.",
                          markup=False)


def _warn(ctx: Context, problems: list[str]) -> None:
    for problem in problems:
        ctx.errors.print(Text(f"podterm: warning: {problem}"))
