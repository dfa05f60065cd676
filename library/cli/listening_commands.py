"""CLI commands for listening: the Up Next queue, the inbox, mark, per-show settings."""

from __future__ import annotations

import argparse
import functools
from typing import TYPE_CHECKING, Callable

from library import feeds as feeds_mod
from library import inbox, upnext
from library.cli import output
from library.cli.commands import CommandError, Context, print_json
from library.durations import format_duration
from library.showsettings import (SettingsError, ShowDefaults, ShowSettings, show_settings,
                                  update_show_settings)

if TYPE_CHECKING:
    from rich.text import Text

Handler = Callable[[argparse.Namespace, Context], None]


def _one_line(handler: Handler) -> Handler:
    """Report the library's refusals as one-line errors (nothing was changed)."""
    @functools.wraps(handler)
    def run(args: argparse.Namespace, ctx: Context) -> None:
        try:
            handler(args, ctx)
        except (upnext.QueueError, upnext.UnknownEpisodes, inbox.InboxError,
                SettingsError) as exc:
            raise CommandError(str(exc)) from None
    return run


# Queue

def cmd_queue(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    entries = upnext.list_queue(conn)
    conn.close()
    _show_queue(args, ctx, entries)


@_one_line
def cmd_queue_add(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    before = {e.episode.id for e in upnext.list_queue(conn)}
    entries = upnext.add(conn, args.episodes)
    conn.close()
    already = [i for i in dict.fromkeys(args.episodes) if i in before]
    note = f" ({_count(len(already), 'was', 'were')} already queued)" if already else ""
    _show_queue(args, ctx, entries,
                f"Added {_count(len(args.episodes) - len(already), 'episode')}{note}.")


@_one_line
def cmd_queue_next(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    entries = upnext.play_next(conn, args.episode)
    conn.close()
    _show_queue(args, ctx, entries, f"Episode {args.episode} plays next.")


@_one_line
def cmd_queue_remove(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    entries = upnext.remove(conn, args.episodes)
    conn.close()
    _show_queue(args, ctx, entries, f"Removed {_count(len(set(args.episodes)), 'episode')}.")


@_one_line
def cmd_queue_move(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    entries = upnext.move_to(conn, args.episode, args.position)
    conn.close()
    [moved] = [e.position for e in entries if e.episode.id == args.episode]
    _show_queue(args, ctx, entries, f"Episode {args.episode} is now number {moved}.")


@_one_line
def cmd_queue_clear(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    entries = upnext.clear(conn)
    conn.close()
    _show_queue(args, ctx, entries, "Cleared the queue.")


def _show_queue(args: argparse.Namespace, ctx: Context, entries: list[upnext.QueueEntry],
                done: str = "") -> None:
    from rich.table import Table
    from rich.text import Text
    if args.json:
        print_json([entry.to_json() for entry in entries])
        return
    if done:
        ctx.console.print(done, markup=False)
    if not entries:
        ctx.console.print("The queue is empty. Add episodes with "
                          "`podterm queue add EPISODE_ID`.", markup=False)
        return
    left, unknown = upnext.total_remaining(entries)
    title = f"Up Next: {_count(len(entries), 'episode')}, {format_duration(left)} left"
    if unknown:
        title += f" (and {unknown} of unknown length)"
    table = Table(title=title, title_justify="left")
    for name, justify in (("#", "right"), ("id", "right"), ("show", "left"),
                          ("title", "left"), ("duration", "right"), ("left", "right")):
        table.add_column(name, justify=justify, overflow="fold")
    for entry in entries:
        e = entry.episode
        table.add_row(str(entry.position), str(e.id), Text(e.feed_title), Text(e.title),
                      e.duration or "—", format_duration(entry.remaining_s) or "—")
    ctx.console.print(table)


# Inbox and mark

def cmd_inbox(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    episodes = inbox.list_inbox(conn)
    conn.close()
    if args.json:
        print_json([episode.to_json() for episode in episodes])
    elif not episodes:
        ctx.console.print("No new episodes.", markup=False)
    else:
        title = f"Inbox: {_count(len(episodes), 'new episode')}, newest first"
        output.write_episodes(episodes, show_feed=True, title=title)
        ctx.console.print("Queue with `podterm queue add ID`; dismiss with "
                          "`podterm inbox dismiss ID` or `--all`.", markup=False)


@_one_line
def cmd_inbox_dismiss(args: argparse.Namespace, ctx: Context) -> None:
    if args.all == bool(args.episodes):
        raise CommandError("name the episodes to dismiss, or use --all (not both)")
    conn = ctx.db()
    if args.all:
        count = inbox.dismiss_all(conn)
        remaining = []
    else:
        remaining = inbox.dismiss(conn, args.episodes)
        count = len(set(args.episodes))
    conn.close()
    if args.json:
        print_json([episode.to_json() for episode in remaining])
    else:
        ctx.console.print(f"Dismissed {_count(count, 'episode')}; "
                          f"{len(remaining)} new left.", markup=False)


@_one_line
def cmd_mark(args: argparse.Namespace, ctx: Context) -> None:
    from library.listening import mark  # reads and writes episodes (feedparser's types)

    conn = ctx.db()
    episodes = mark(conn, args.episodes, args.played)
    conn.close()
    if args.json:
        print_json([episode.to_json() for episode in episodes])
    else:
        ctx.console.print(f"Marked {_count(len(episodes), 'episode')} "
                          f"{'played' if args.played else 'unplayed'}.", markup=False)


# Per-show settings

_LABELS = {"speed": "speed", "volume": "volume", "skip_intro_s": "skip intro",
           "skip_outro_s": "skip outro", "auto_queue": "auto-queue",
           "auto_download_newest": "auto-download"}


@_one_line
def cmd_settings(args: argparse.Namespace, ctx: Context) -> None:
    from rich.table import Table
    from rich.text import Text

    changes = {name: getattr(args, name) for name in _LABELS if hasattr(args, name)}
    defaults = ShowDefaults.from_config(ctx.config)
    conn = ctx.db()
    feed = feeds_mod.resolve_feed(conn, args.feed)
    if changes:
        settings = update_show_settings(conn, feed.id, changes, defaults)
    else:
        settings = show_settings(conn, feed.id, defaults)
    conn.close()
    if args.json:
        print_json({**settings.to_json(), "feed_title": feed.display_title})
        return
    grid = Table.grid(padding=(0, 3))
    for name, label in _LABELS.items():
        grid.add_row(label, _setting(settings, name))
    ctx.console.print(Text(f"{feed.display_title} (feed {feed.id})", style="bold"))
    ctx.console.print(grid)


def _setting(settings: ShowSettings, name: str) -> Text:
    from rich.text import Text
    value = getattr(settings, name)
    shown = {"speed": f"{value:.1f}×", "volume": f"{value} %", "auto_queue":
             "on" if value else "off", "auto_download_newest":
             f"newest {value}" if value else "none"}.get(name, f"{value} s")
    if settings.is_default(name):
        return Text(f"default ({shown})", style="dim")
    return Text(shown)


# Argument types: a clear message for bad input before anything is opened.

def _count(n: int, word: str, plural_verb: str | None = None) -> str:
    """"1 episode", "2 episodes"; with a verb: "1 was", "2 were"."""
    if plural_verb is not None:
        return f"{n} {word if n == 1 else plural_verb}"
    return f"{n} {word}{'' if n == 1 else 's'}"
