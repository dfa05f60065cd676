"""CLI commands for downloads: ``download``, ``downloads``, and the download side of
``refresh`` (auto-download, auto-delete) and ``remove`` (delete the show's files?).

httpx and rich.progress are imported only by the commands that download, the download
rules and checks only by the functions that apply them, and rich's tables and texts only
where something is drawn, so ``podterm --help``, ``podterm feeds`` and ``podterm refresh
--json`` stay fast (the parser imports this module for every command).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import TYPE_CHECKING, Any

from library.cli.commands import CommandError, Context, print_json
from library.downloads import (BUSY, Download, DownloadSettings, delete_download,
                               get_download, list_downloads)
from library.models import Feed
from library.text import plural

if TYPE_CHECKING:
    from library.download_verify import VerifyReport
    from rich.table import Table

def settings(ctx: Context) -> DownloadSettings:
    return DownloadSettings.from_config(ctx.config["downloads"], ctx.paths)


def interactive(ctx: Context) -> bool:
    return ctx.console.is_terminal and sys.stdin.isatty()


def ask(ctx: Context, question: str) -> bool:
    from rich.text import Text
    from rich.prompt import Confirm

    return Confirm.ask(Text(question), console=ctx.console, default=False)


# -- podterm download ---------------------------------------------------------------------

def cmd_download(args: argparse.Namespace, ctx: Context) -> None:
    ids = list(dict.fromkeys(args.episodes))
    if args.delete:
        _delete(args, ctx, ids)
        return
    config = settings(ctx)
    conn = ctx.db()
    _offer_room(args, ctx, conn, config, ids)
    conn.close()
    final = run_downloads(ctx, config, ids, ctx.shows_progress(args))
    conn = ctx.db()
    rows = {d.episode_id: d for d in list_downloads(conn)}
    conn.close()
    if args.json:
        print_json([rows[i].to_json() if i in rows else final[i] for i in ids])
    else:
        ctx.console.print(_results_table(ids, final))
    failed = [i for i in ids if final[i]["state"] != "done"]
    if failed:
        raise CommandError(f"{len(failed)} of {len(ids)} downloads did not finish"
                           + ("; run the same command again to resume or retry"
                              if any(final[i]["state"] != "failed" or final[i]["bytes"]
                                     for i in failed) else ""))


def run_downloads(ctx: Context, config: DownloadSettings, ids: list[int],
                  show_progress: bool) -> dict[int, dict[str, Any]]:
    """Download ``ids`` (a progress bar when ``show_progress``); each one's final status.
    Ctrl-C cancels cleanly: the .part files stay for a resume."""
    from library.downloader import Downloader, DownloadStatus
    from library.cli.download_progress import DownloadProgress

    final: dict[int, dict[str, Any]] = {}
    with DownloadProgress(ctx.console, ids, show_progress) as bar:

        def on_event(event: object) -> None:
            if isinstance(event, DownloadStatus):
                bar.update(event)
                if event.state not in BUSY:
                    final[event.episode_id] = {
                        "episode_id": event.episode_id, "title": event.title,
                        "state": event.state, "bytes": event.bytes,
                        "total_bytes": event.total_bytes, "error": event.error,
                        "path": event.path}

        downloader = Downloader(ctx.paths.database, config, on_event)
        try:
            downloader.add(ids)
            while not downloader.wait(0.25):
                pass
        except KeyboardInterrupt:
            downloader.close()
            ctx.errors.print("podterm: download cancelled; the partial files are kept, run "
                             "the same command again to resume", markup=False)
            raise
        downloader.close()
    return final


def _offer_room(args: argparse.Namespace, ctx: Context, conn: sqlite3.Connection,
                config: DownloadSettings, ids: list[int]) -> None:
    """Under a size cap, ask before unplayed downloads are deleted to make room for
    these (by their announced sizes). Played ones go without asking when needed."""
    if not config.cap_bytes:
        return
    incoming = sum(row[0] or 0 for row in conn.execute(
        f"SELECT enclosure_length FROM episodes WHERE id IN ({','.join('?' * len(ids))})",
        ids))
    from library.download_rules import unplayed_to_make_room

    victims = unplayed_to_make_room(conn, config.cap_bytes, incoming, keep=set(ids))
    if not victims:
        return
    names = "; ".join(d.title for d in victims[:5]) + (" ..." if len(victims) > 5 else "")
    question = (f"These downloads need room under max_gb = {config.max_gb:g}. Delete "
                f"{len(victims)} unplayed downloads to make it ({names})?")
    if args.yes or (interactive(ctx) and ask(ctx, question)):
        for download in victims:
            delete_download(conn, download, dismiss=True)


def _delete(args: argparse.Namespace, ctx: Context, ids: list[int]) -> None:
    from rich.text import Text
    conn = ctx.db()
    problems = []
    for episode_id in ids:
        download = get_download(conn, episode_id)
        if download is None:
            problems.append(f"episode {episode_id} has no download")
        elif download.state in BUSY:
            problems.append(f"episode {episode_id} is being downloaded right now")
        else:
            delete_download(conn, download, dismiss=True)
            if not args.json:
                ctx.console.print(Text(f"Deleted {download.title} ({download.path})"))
    conn.close()
    if args.json:
        print_json({"deleted": [i for i in ids if not any(
            p.startswith(f"episode {i} ") for p in problems)], "problems": problems})
    if problems:
        raise CommandError("; ".join(problems))


def _results_table(ids: list[int], final: dict[int, dict[str, Any]]) -> Table:
    from rich.table import Table
    from rich.text import Text
    done = sum(final[i]["state"] == "done" for i in ids)
    table = Table(title=f"Downloads: {done} of {len(ids)} done", title_justify="left")
    table.add_column("id", justify="right")
    table.add_column("episode", overflow="fold")
    table.add_column("result", overflow="fold")
    for episode_id in ids:
        status = final[episode_id]
        if status["state"] == "done":
            result = Text(f"done, {human_size(status['bytes'])}: {status['path']}",
                          style="green")
        else:
            result = Text(f"{status['state']}: {status['error'] or 'stopped'}",
                          style="red" if status["state"] == "failed" else "yellow")
        table.add_row(str(episode_id), Text(status["title"] or ""), result)
    return table


# -- podterm downloads --------------------------------------------------------------------

def cmd_downloads(args: argparse.Namespace, ctx: Context) -> None:
    config = settings(ctx)
    conn = ctx.db()
    try:
        if args.verify:
            _verify(args, ctx, conn, config)
            return
        downloads = list_downloads(conn)
    finally:
        conn.close()
    if args.json:
        print_json([d.to_json() for d in downloads])
    elif not downloads:
        ctx.console.print("No downloads yet. Download an episode with "
                          "`podterm download EPISODE_ID`.", markup=False)
    else:
        ctx.console.print(_downloads_table(downloads))


def _verify(args: argparse.Namespace, ctx: Context, conn: sqlite3.Connection,
            config: DownloadSettings) -> None:
    from library.download_verify import fix_downloads, verify_downloads

    report = verify_downloads(conn, config.dir)
    fix = False
    if report.problems:
        if not args.json:
            _show_report(ctx, report)
        fix = args.yes or (not args.json and interactive(ctx)
                           and ask(ctx, f"Fix these {report.problems} problems?"))
    if fix:
        fix_downloads(conn, report)
    if args.json:
        print_json({**report.to_json(), "fixed": fix})
    elif not report.problems:
        ctx.console.print("All downloads are complete and there are no stray files.",
                          markup=False)
    elif fix:
        ctx.console.print(f"Fixed {report.problems} problems.", markup=False)
    if report.problems and not fix:
        raise CommandError(f"{report.problems} problems found and not fixed "
                           "(run with --yes to fix them)")


def _show_report(ctx: Context, report: VerifyReport) -> None:
    from rich.text import Text
    say = ctx.console.print
    for download in report.missing:
        say(Text(f"missing: {download.title}: {download.path} is gone (will be forgotten)"))
    for download, size in report.truncated:
        say(Text(f"cut short: {download.title}: {size} of {download.bytes} bytes on disk "
                 "(will be resumed on the next download)"))
    for path in report.stray:
        say(Text(f"stray: {path} belongs to no download (will be deleted)"))


def _downloads_table(downloads: list[Download]) -> Table:
    from rich.table import Table
    from rich.text import Text
    table = Table(title=plural(len(downloads), "download"), title_justify="left")
    for name, justify in (("id", "right"), ("show", "left"), ("episode", "left"),
                          ("state", "left"), ("size", "right"), ("file or error", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    styles = {"done": "green", "failed": "red", "cancelled": "yellow"}
    for d in downloads:
        size = human_size(d.bytes) + (f" of {human_size(d.total_bytes)}"
                                      if d.total_bytes and d.state != "done" else "")
        table.add_row(str(d.episode_id), Text(d.feed_title), Text(d.title),
                      Text(d.state + (" (played)" if d.played else ""),
                           style=styles.get(d.state, "")),
                      size, Text(d.error or d.path))
    return table


def human_size(size: int | None) -> str:
    """"512 B", "3.4 MB", "1.2 GB" (decimal units, like the progress bar's)."""
    if size is None:
        return "?"
    if size < 1000:
        return f"{size} B"
    value, unit = size / 1000, "kB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


# -- the download side of refresh and remove ------------------------------------------------

def after_refresh(ctx: Context, feed_ids: list[int], args: argparse.Namespace) -> None:
    """Auto-delete played downloads past their grace period, keep the cap, then download
    each refreshed show's newest episodes when its settings or ``auto_newest`` ask for it."""
    from library.download_rules import auto_downloads, tidy

    config = settings(ctx)
    conn = ctx.db()
    removed = tidy(conn, config)
    wanted = auto_downloads(conn, feed_ids, config.auto_newest)
    conn.close()
    quiet = getattr(args, "json", False)
    if removed and not quiet:
        ctx.console.print(f"Deleted {len(removed)} played downloads.", markup=False)
    if not wanted:
        return
    final = run_downloads(ctx, config, wanted, ctx.shows_progress(args))
    if not quiet:
        done = sum(status["state"] == "done" for status in final.values())
        ctx.console.print(f"Auto-downloaded {done} of {len(wanted)} new episodes"
                          + ("" if done == len(wanted) else
                             " (see `podterm downloads` for the others)") + ".", markup=False)


def before_remove(ctx: Context, conn: sqlite3.Connection, feed: Feed,
                  args: argparse.Namespace) -> str:
    """Delete the feed's downloads if the user wants that (flag, or asked on a terminal);
    returns a sentence for the summary ("" without downloads)."""
    downloads = [d for d in list_downloads(conn, feed.id) if d.file.exists() or d.part.exists()]
    if not downloads:
        return ""
    choice = args.delete_downloads
    size = human_size(sum(d.bytes for d in downloads))
    if choice is None and interactive(ctx):
        choice = ask(ctx, f"Also delete the {plural(len(downloads), 'downloaded episode')} "
                          f"of {feed.display_title} ({size})?")
    if choice:
        for download in downloads:
            delete_download(conn, download)
        return f" Deleted its {plural(len(downloads), 'download')} ({size})."
    return (f" Kept its {plural(len(downloads), 'downloaded file')} ({size}) in "
            f"{settings(ctx).dir}; `podterm downloads --verify` can delete them later.")
