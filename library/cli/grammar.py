"""The ``podterm`` command line's grammar: every command, its help and its arguments.

No command's module is imported here: a handler is named by its module and function
and imported when the command runs. Only the command named on the command line gets a
parser (argparse builds an object for every option and looks up a translation of every
help heading through gettext, ~0.2 ms a parser); without one, or with a mistyped one,
every command is listed by name and help, which is all ``podterm --help`` or the error
shows. So `podterm --help` and `podterm feeds` start without building or loading what
other commands need.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any, Callable, NamedTuple

from library import __version__

Handler = Callable[[argparse.Namespace, Any], "int | None"]  # (args, Context) -> exit code
Arguments = Callable[[argparse.ArgumentParser], None]

PLAYER_OPTIONS = ("--data-dir", "--config")  # the options that take a value


def handler(module: str, function: str) -> Handler:
    """``module.function``, imported when the command runs."""
    def run(args: argparse.Namespace, ctx: Any) -> int | None:
        return getattr(importlib.import_module(f"library.cli.{module}"), function)(args, ctx)

    return run


def common_options() -> argparse.ArgumentParser:
    """The options every command takes (and the player, without a command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, metavar="DIR",
                        help="library folder (env PODTERM_DATA_DIR)")
    common.add_argument("--config", default=argparse.SUPPRESS, metavar="FILE",
                        help="config.toml to use (env PODTERM_CONFIG)")
    return common


# Argument types

def episode_id(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(
            f"episode ids are numbers, as `podterm episodes` shows them, not {text!r}")
    return int(text)


def on_off(text: str) -> bool:
    if text.lower() not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"use on, off or default, not {text!r}")
    return text.lower() == "on"


def or_default(kind: Callable[[str], Any]) -> Callable[[str], Any]:
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


# Arguments shared by several commands

def json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true",
                   help="print one JSON document on stdout and nothing else")


def feed_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("feed", metavar="FEED", help="id, URL or part of the title")


def episode_ids(p: argparse.ArgumentParser) -> None:
    p.add_argument("episodes", type=episode_id, nargs="+", metavar="EPISODE_ID",
                   help="ids as `podterm episodes` shows them")


def feed_and_json(p: argparse.ArgumentParser) -> None:
    feed_arg(p)
    json_flag(p)


def subcommand(actions: argparse._SubParsersAction, name: str, run: Handler, help: str,
               description: str | None = None) -> argparse.ArgumentParser:
    """An action of a command (``queue add``, ``sync login``), with the common options."""
    p = actions.add_parser(name, parents=[common_options()], help=help,
                           description=description or help)
    p.set_defaults(handler=run)
    return p


# Each command's arguments

def import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="OPML file exported by another podcast app")
    p.add_argument("--no-refresh", action="store_true", help="do not fetch the new feeds now")
    json_flag(p)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="http(s) address of the RSS or Atom feed, or of a web page "
                   "that names its feed")
    p.add_argument("--no-refresh", action="store_true",
                   help="do not fetch it now (subscribes without checking it is a feed)")
    p.add_argument("--force", action="store_true",
                   help="subscribe even if it does not answer with a feed now")


def refresh_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("feeds", nargs="*", metavar="FEED", help="id, URL or part of the title")
    json_flag(p)


def episodes_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("feed", nargs="?", metavar="FEED",
                   help="id, URL or part of the title (all feeds if omitted)")
    p.add_argument("--search", metavar="TEXT", help="only episodes whose title contains TEXT")
    p.add_argument("--limit", type=int, metavar="N", help="at most N episodes")
    json_flag(p)


def export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def remove_arguments(p: argparse.ArgumentParser) -> None:
    feed_arg(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    choice = p.add_mutually_exclusive_group()  # it asks on a terminal
    choice.add_argument("--delete-downloads", dest="delete_downloads", action="store_true",
                        default=None, help="also delete the feed's downloaded episodes")
    choice.add_argument("--keep-downloads", dest="delete_downloads", action="store_false",
                        help="keep the downloaded files (the library forgets them)")


def search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("term", nargs="+", help="words of the show's title")
    p.add_argument("--provider", choices=["apple", "podcastindex", "fyyd"],
                   help="ask only this directory")
    json_flag(p)


def migrate_arguments(p: argparse.ArgumentParser) -> None:
    feed_arg(p)
    p.add_argument("url", help="the feed's new address")
    p.add_argument("--yes", action="store_true",
                   help="migrate even if the new feed shares no episodes with the old one")


def restore_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("number", nargs="?", type=int, metavar="N",
                   help="the backup to restore, by its number in the list (1 = newest)")


def queue_arguments(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    actions = p.add_subparsers(dest="queue_action", metavar="ACTION")

    def action(name: str, help: str) -> argparse.ArgumentParser:
        q = subcommand(actions, name, handler("listening_commands", f"cmd_queue_{name}"), help)
        json_flag(q)
        return q

    episode_ids(action("add", "add episodes to the end of the queue"))
    q = action("next", "put an episode at the top of the queue")
    q.add_argument("episode", type=episode_id, metavar="EPISODE_ID")
    episode_ids(action("remove", "take episodes out of the queue"))
    q = action("move", "move a queued episode to another place")
    q.add_argument("episode", type=episode_id, metavar="EPISODE_ID")
    q.add_argument("position", type=int, metavar="POSITION", help="1 is the top")
    action("clear", "empty the queue")


def inbox_arguments(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    q = subcommand(p.add_subparsers(dest="inbox_action", metavar="ACTION"), "dismiss",
                   handler("listening_commands", "cmd_inbox_dismiss"),
                   "take episodes out of the inbox: they are not new any more")
    json_flag(q)
    q.add_argument("episodes", type=episode_id, nargs="*", metavar="EPISODE_ID")
    q.add_argument("--all", action="store_true", help="dismiss every new episode")


def mark_arguments(p: argparse.ArgumentParser) -> None:
    episode_ids(p)
    state = p.add_mutually_exclusive_group(required=True)
    state.add_argument("--played", dest="played", action="store_true")
    state.add_argument("--unplayed", dest="played", action="store_false")
    json_flag(p)


def settings_arguments(p: argparse.ArgumentParser) -> None:
    feed_arg(p)
    for flag, name, kind, metavar, help in (
            ("--speed", "speed", float, "X", "playback speed, 0.5-3.0 in steps of 0.1"),
            ("--volume", "volume", int, "N", "volume in percent, 0-150"),
            ("--skip-intro", "skip_intro_s", int, "S", "skip the first S seconds (0-600)"),
            ("--skip-outro", "skip_outro_s", int, "S", "skip the last S seconds (0-600)"),
            ("--auto-queue", "auto_queue", on_off, "on|off",
             "on: new episodes go straight to the end of the queue"),
            ("--auto-download", "auto_download_newest", int, "N",
             "download the newest N episodes after each refresh (0-100; 0: none for "
             "this show; default: [downloads] auto_newest)")):
        p.add_argument(flag, dest=name, type=or_default(kind), default=argparse.SUPPRESS,
                       metavar=metavar, help=help)
    json_flag(p)


def sync_arguments(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("--yes", action="store_true",
                   help="remove feeds unsubscribed on another device without asking")
    p.add_argument("--full", action="store_true",
                   help="read everything on the server again, not only what changed")
    subcommand(p.add_subparsers(dest="sync_action", metavar="ACTION"), "login",
               handler("sync_commands", "cmd_login"),
               "set up sync: server, account, device, password",
               "Asks for the server and the account, checks them, and writes the [sync] "
               "table of config.toml. The password is stored only if you choose so.")


def download_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("episodes", nargs="+", type=int, metavar="EPISODE_ID",
                   help="episode ids, as `podterm episodes` shows them")
    p.add_argument("--delete", action="store_true", help="delete these downloads instead")
    p.add_argument("--yes", action="store_true",
                   help="make room under max_gb by deleting unplayed downloads without asking")
    json_flag(p)


def downloads_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verify", action="store_true",
                   help="find missing or cut-short files and stray files, offer to fix them")
    p.add_argument("--yes", action="store_true", help="with --verify: fix without asking")
    json_flag(p)


class Command(NamedTuple):
    name: str
    help: str
    module: str          # library.cli.<module> has the handler cmd_<name>
    arguments: Arguments


COMMANDS = (
    Command("import", "subscribe to the feeds of an OPML file", "commands", import_arguments),
    Command("add", "subscribe to a feed by its URL", "commands", add_arguments),
    Command("refresh", "check feeds for new episodes (all active feeds unless some are named)",
            "commands", refresh_arguments),
    Command("feeds", "list subscriptions", "commands", json_flag),
    Command("episodes", "list episodes, newest first", "commands", episodes_arguments),
    Command("export", "write subscriptions as OPML 2.0 (to stdout)", "commands",
            export_arguments),
    Command("remove", "unsubscribe from a feed and forget its episodes", "commands",
            remove_arguments),
    Command("info", "a feed's health, its archive notice if archived, and its history",
            "health_commands", feed_and_json),
    Command("check", "check one feed now, archived or not (an archived feed that answers "
            "comes back)", "health_commands", feed_arg),
    Command("search", "search podcast directories for a show", "health_commands",
            search_arguments),
    Command("fallback", "find where a failing or archived feed went, with the evidence",
            "health_commands", feed_and_json),
    Command("migrate", "move a subscription to a new feed address, keeping what you "
            "listened to", "health_commands", migrate_arguments),
    Command("restore", "list the library's backups, or restore one (the current file is "
            "kept)", "storage_commands", restore_arguments),
    Command("queue", "the Up Next queue: list it, or change it", "listening_commands",
            queue_arguments),
    Command("inbox", "new episodes from all shows, newest first", "listening_commands",
            inbox_arguments),
    Command("mark", "mark episodes played or unplayed", "listening_commands", mark_arguments),
    Command("settings", "a show's playback and auto-download settings: show them, or change "
            "some (any value can be 'default')", "listening_commands", settings_arguments),
    Command("sync", "sync subscriptions, positions and played episodes with a gpodder or "
            "Nextcloud server", "sync_commands", sync_arguments),
    Command("download", "download episodes for offline listening (again: resume or retry)",
            "download_commands", download_arguments),
    Command("downloads", "list downloads, or check them with --verify", "download_commands",
            downloads_arguments),
)


def named_command(argv: list[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option or its value."""
    words = iter(argv)
    for word in words:
        if word in PLAYER_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: list[str]) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """The parser for ``argv``: the command it names with its arguments; else every
    command by name and help (for ``--help``, or the error that lists them)."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="podterm", parents=[common],
        description="A terminal podcast player. Without a command, opens the player.")
    parser.add_argument("--version", action="version", version=f"podterm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = named_command(argv)
    named = any(command.name == wanted for command in COMMANDS)
    for command in COMMANDS:
        if named and command.name != wanted:
            continue  # a command's parse, help and errors never list the others
        p = sub.add_parser(command.name, parents=[common], help=command.help,
                           description=command.help)
        p.set_defaults(handler=handler(command.module, f"cmd_{command.name}"))
        if command.name == wanted:
            command.arguments(p)
    return parser, sub
