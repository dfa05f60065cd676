"""The ``podterm`` command line: argument parsing and dispatch.

The TUI's entry point (:mod:`tui.main`) builds this parser, adds its own commands (the
TUI itself, ``demo``) and calls :func:`run`; this module never imports the TUI. A
command's module is imported when the command runs, so `podterm --help` and
`podterm feeds` start without loading what other commands need.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from typing import Callable

from library import __version__
from library.cli.commands import CommandError, Context
from library.config import ConfigError, load_config
from library.feeds import FeedLookupError
from library.paths import resolve_paths
from library.store import StoreError, failure
from library.urls import UnsupportedURL

Handler = Callable[[argparse.Namespace, Context], "int | None"]  # the exit code; None: 0


class _LazyModule:
    """Stands for a command module (``commands.cmd_feeds``), imported when a command runs."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Handler:
        def handler(args: argparse.Namespace, ctx: Context) -> int | None:
            return getattr(importlib.import_module(self._module), name)(args, ctx)

        return handler


commands = _LazyModule("library.cli.commands")
health_commands = _LazyModule("library.cli.health_commands")


def common_options() -> argparse.ArgumentParser:
    """The options every command takes (and the player, without a command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, metavar="DIR",
                        help="library folder (env PODTERM_DATA_DIR)")
    common.add_argument("--config", default=argparse.SUPPRESS, metavar="FILE",
                        help="config.toml to use (env PODTERM_CONFIG)")
    return common


def build_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    # Here, not at the top: the player starts without any command's module.
    from library.cli import (download_commands, listening_commands, storage_commands,
                             sync_commands)

    common = common_options()
    parser = argparse.ArgumentParser(
        prog="podterm", parents=[common],
        description="A terminal podcast player. Without a command, opens the player.")
    parser.add_argument("--version", action="version", version=f"podterm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    def feed_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("feed", metavar="FEED", help="id, URL or part of the title")

    def json_flag(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true",
                       help="print one JSON document on stdout and nothing else")

    p = command("import", commands.cmd_import, "subscribe to the feeds of an OPML file")
    p.add_argument("file", help="OPML file exported by another podcast app")
    p.add_argument("--no-refresh", action="store_true", help="do not fetch the new feeds now")
    json_flag(p)
    p = command("add", commands.cmd_add, "subscribe to a feed by its URL")
    p.add_argument("url", help="http(s) address of the RSS or Atom feed, or of a web page "
                   "that names its feed")
    p.add_argument("--no-refresh", action="store_true",
                   help="do not fetch it now (subscribes without checking it is a feed)")
    p.add_argument("--force", action="store_true",
                   help="subscribe even if it does not answer with a feed now")
    p = command("refresh", commands.cmd_refresh,
                "check feeds for new episodes (all active feeds unless some are named)")
    p.add_argument("feeds", nargs="*", metavar="FEED", help="id, URL or part of the title")
    json_flag(p)
    p = command("feeds", commands.cmd_feeds, "list subscriptions")
    json_flag(p)
    p = command("episodes", commands.cmd_episodes, "list episodes, newest first")
    p.add_argument("feed", nargs="?", metavar="FEED",
                   help="id, URL or part of the title (all feeds if omitted)")
    p.add_argument("--search", metavar="TEXT", help="only episodes whose title contains TEXT")
    p.add_argument("--limit", type=int, metavar="N", help="at most N episodes")
    json_flag(p)
    p = command("export", commands.cmd_export, "write subscriptions as OPML 2.0 (to stdout)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p = command("remove", commands.cmd_remove, "unsubscribe from a feed and forget its episodes")
    feed_arg(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    download_commands.add_remove_flags(p)
    p = command("info", health_commands.cmd_info,
                "a feed's health, its archive notice if archived, and its history")
    feed_arg(p)
    json_flag(p)
    p = command("check", health_commands.cmd_check,
                "check one feed now, archived or not (an archived feed that answers comes back)")
    feed_arg(p)
    p = command("search", health_commands.cmd_search, "search podcast directories for a show")
    p.add_argument("term", nargs="+", help="words of the show's title")
    p.add_argument("--provider", choices=["apple", "podcastindex", "fyyd"],
                   help="ask only this directory")
    json_flag(p)
    p = command("fallback", health_commands.cmd_fallback,
                "find where a failing or archived feed went, with the evidence")
    feed_arg(p)
    json_flag(p)
    p = command("migrate", health_commands.cmd_migrate,
                "move a subscription to a new feed address, keeping what you listened to")
    feed_arg(p)
    p.add_argument("url", help="the feed's new address")
    p.add_argument("--yes", action="store_true",
                   help="migrate even if the new feed shares no episodes with the old one")
    storage_commands.register(sub, common)
    listening_commands.register(command, common, json_flag, feed_arg)
    sync_commands.register(sub, common)
    download_commands.register(command, json_flag)
    return parser, sub


def run(parser: argparse.ArgumentParser, argv: list[str],
        default: Handler | None = None) -> int:
    """Parse ``argv`` and run its command (``default`` when none is given)."""
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None) or default
    if handler is None:
        parser.print_help()
        return 0
    ctx: Context | None = None
    try:
        paths = resolve_paths(getattr(args, "data_dir", None), getattr(args, "config", None))
        config = load_config(paths.config_file)
        ctx = Context(paths, config)
        for warning in config.warnings:
            ctx.errors.print(f"podterm: warning: {warning}", markup=False)
        code = handler(args, ctx)
    except (CommandError, ConfigError, FeedLookupError, StoreError, UnsupportedURL) as exc:
        _say(ctx, f"podterm: {exc}")
        return 1
    except sqlite3.Error as exc:
        problem = failure(exc, ctx.paths.database) if ctx is not None else None
        _say(ctx, f"podterm: {problem or f'library database error: {exc}'}")
        return 1
    except OSError as exc:  # e.g. writing to a full disk outside the library
        where = f": {exc.filename}" if exc.filename else ""
        _say(ctx, f"podterm: {exc.strerror or exc}{where}")
        return 1
    except KeyboardInterrupt:
        _say(ctx, "podterm: interrupted")
        return 130
    return code or 0


def _say(ctx: Context | None, line: str) -> None:
    """A one-line failure on stderr (before the context exists, without rich)."""
    if ctx is None:
        print(line, file=sys.stderr)
    else:
        ctx.errors.print(line, markup=False)


def main(argv: list[str] | None = None) -> int:
    parser, _ = build_parser()
    return run(parser, sys.argv[1:] if argv is None else argv)
