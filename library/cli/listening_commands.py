"""CLI commands for listening: the Up Next queue, the inbox, mark, per-show settings."""

from __future__ import annotations

import argparse
import functools
from typing import TYPE_CHECKING, Any, Callable

from library import feeds as feeds_mod
from library import inbox, upnext
from library.cli import output
from library.cli.commands import CommandError, Context, print_json
from library.durations import format_duration

if TYPE_CHECKING:
    from library.showsettings import ShowSettings
    from rich.text import Text

Handler = Callable[[argparse.Namespace, Context], None]



def register(command: Callable[[str, Handler, str], argparse.ArgumentParser],
             common: argparse.ArgumentParser,
             json_flag: Callable[[argparse.ArgumentParser], None],
             feed_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``queue``, ``inbox``, ``mark`` and ``settings`` to the parser."""
    p = command("queue", cmd_queue, "the Up Next queue: list it, or change it")
    json_flag(p)
    actions = p.add_subparsers(dest="queue_action", metavar="ACTION")

    def action(parent: argparse._SubParsersAction, name: str, handler: Handler,
               help: str) -> argparse.ArgumentParser:
        q = parent.add_parser(name, parents=[common], help=help, description=help)
        q.set_defaults(handler=_one_line(handler))
        json_flag(q)
        return q

    episode_ids(action(actions, "add", cmd_queue_add, "add episodes to the end of the queue"))
    q = action(actions, "next", cmd_queue_next, "put an episode at the top of the queue")
    q.add_argument("episode", type=_episode_id, metavar="EPISODE_ID")
    episode_ids(action(actions, "remove", cmd_queue_remove, "take episodes out of the queue"))
    q = action(actions, "move", cmd_queue_move, "move a queued episode to another place")
    q.add_argument("episode", type=_episode_id, metavar="EPISODE_ID")
    q.add_argument("position", type=int, metavar="POSITION", help="1 is the top")
    action(actions, "clear", cmd_queue_clear, "empty the queue")

    p = command("inbox", cmd_inbox, "new episodes from all shows, newest first")
    json_flag(p)
    q = action(p.add_subparsers(dest="inbox_action", metavar="ACTION"), "dismiss",
               cmd_inbox_dismiss, "take episodes out of the inbox: they are not new any more")
    q.add_argument("episodes", type=_episode_id, nargs="*", metavar="EPISODE_ID")
    q.add_argument("--all", action="store_true", help="dismiss every new episode")

    p = command("mark", _one_line(cmd_mark), "mark episodes played or unplayed")
    episode_ids(p)
    state = p.add_mutually_exclusive_group(required=True)
    state.add_argument("--played", dest="played", action="store_true")
    state.add_argument("--unplayed", dest="played", action="store_false")
    json_flag(p)

    p = command("settings", _one_line(cmd_settings),
                "a show's playback and auto-download settings: show them, or change some "
                "(any value can be 'default')")
    feed_arg(p)
    for flag, name, kind, metavar, help in (
            ("--speed", "speed", float, "X", "playback speed, 0.5-3.0 in steps of 0.1"),
            ("--volume", "volume", int, "N", "volume in percent, 0-150"),
            ("--skip-intro", "skip_intro_s", int, "S", "skip the first S seconds (0-600)"),
            ("--skip-outro", "skip_outro_s", int, "S", "skip the last S seconds (0-600)"),
            ("--auto-queue", "auto_queue", _on_off, "on|off",
             "on: new episodes go straight to the end of the queue"),
            ("--auto-download", "auto_download_newest", int, "N",
             "download the newest N episodes after each refresh (0-100; 0: none for "
             "this show; default: [downloads] auto_newest)")):
        p.add_argument(flag, dest=name, type=_or_default(kind), default=argparse.SUPPRESS,
                       metavar=metavar, help=help)
    json_flag(p)


def episode_ids(p: argparse.ArgumentParser) -> None:
    p.add_argument("episodes", type=_episode_id, nargs="+", metavar="EPISODE_ID",
                   help="ids as `podterm episodes` shows them")


def _one_line(handler: Handler) -> Handler:
    """Report the library's refusals as one-line errors (nothing was changed)."""
    @functools.wraps(handler)
    def run(args: argparse.Namespace, ctx: Context) -> None:
        # (imported here: the parser imports this module for every command)
        from library.showsettings import SettingsError

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


def cmd_queue_add(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    before = {e.episode.id for e in upnext.list_queue(conn)}
    entries = upnext.add(conn, args.episodes)
    conn.close()
    already = [i for i in dict.fromkeys(args.episodes) if i in before]
    note = f" ({_count(len(already), 'was', 'were')} already queued)" if already else ""
    _show_queue(args, ctx, entries,
                f"Added {_count(len(args.episodes) - len(already), 'episode')}{note}.")


def cmd_queue_next(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    entries = upnext.play_next(conn, args.episode)
    conn.close()
    _show_queue(args, ctx, entries, f"Episode {args.episode} plays next.")


def cmd_queue_remove(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    entries = upnext.remove(conn, args.episodes)
    conn.close()
    _show_queue(args, ctx, entries, f"Removed {_count(len(set(args.episodes)), 'episode')}.")


def cmd_queue_move(args: argparse.Namespace, ctx: Context) -> None:
    conn = ctx.db()
    entries = upnext.move_to(conn, args.episode, args.position)
    conn.close()
    [moved] = [e.position for e in entries if e.episode.id == args.episode]
    _show_queue(args, ctx, entries, f"Episode {args.episode} is now number {moved}.")


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


def cmd_settings(args: argparse.Namespace, ctx: Context) -> None:
    from rich.table import Table
    from rich.text import Text

    from library.showsettings import ShowDefaults, show_settings, update_show_settings

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

def _episode_id(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(
            f"episode ids are numbers, as `podterm episodes` shows them, not {text!r}")
    return int(text)


def _on_off(text: str) -> bool:
    if text.lower() not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"use on, off or default, not {text!r}")
    return text.lower() == "on"


def _or_default(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """``kind``, or None for the word 'default' (use the global value again)."""
    def convert(text: str) -> Any:
        if text.strip().lower() == "default":
            return None
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'a whole number' if kind is int else 'a number'} or default, "
                f"not {text!r}") from None
    convert.__name__ = getattr(kind, "__name__", "value")
    return convert


def _count(n: int, word: str, plural_verb: str | None = None) -> str:
    """"1 episode", "2 episodes"; with a verb: "1 was", "2 were"."""
    if plural_verb is not None:
        return f"{n} {word if n == 1 else plural_verb}"
    return f"{n} {word}{'' if n == 1 else 's'}"
