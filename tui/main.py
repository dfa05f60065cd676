"""The ``podterm`` console script: CLI commands, or the TUI when no command is given.

The CLI is imported when main() runs: worker processes import this module again on
start (multiprocessing's spawn), and should not load the whole CLI for nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from tui.terminal import screen_on_own_descriptor

if TYPE_CHECKING:
    from library.cli.commands import Context
    from library.config import Config
    from library.paths import Paths

LOG_NAME = "podterm.log"


def main(argv: list[str] | None = None) -> int:
    from library.cli.app import build_parser, run

    parser, commands = build_parser()
    demo = commands.add_parser(
        "demo", help="try podterm on a temporary library of demo feeds (no network needed)",
        description="Open the player on a temporary library fed by a server on 127.0.0.1 "
                    "with bundled demo feeds and generated audio. Your own library is not "
                    "touched.")
    demo.set_defaults(handler=run_demo)
    return run(parser, sys.argv[1:] if argv is None else argv, default=run_tui)


def run_tui(args: argparse.Namespace, ctx: Context) -> None:
    """Open the player on the user's library."""
    from library.store import connect_or_read_only

    # A too-new or unreadable library: a clear error now. One that cannot be written
    # opens read-only (the player says so).
    connect_or_read_only(ctx.paths.database)[0].close()
    open_player(ctx.paths, ctx.config)


def run_demo(args: argparse.Namespace, ctx: Context) -> None:
    from tui.demo.demo import run_demo as demo

    demo(ctx.config, ctx.console, open_player)


def open_player(paths: Paths, config: Config, notices: Sequence[str] = ()) -> None:
    """Log to the log dir and run the app on a terminal descriptor of its own."""
    from tui.app import build_app

    start_logging(paths.log_dir)
    with screen_on_own_descriptor():
        build_app(paths, config, notices=notices).run()


def start_logging(log_dir: Path) -> None:
    """Log warnings and unexpected errors to the log dir (the terminal belongs to the TUI)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_dir / LOG_NAME, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


if __name__ == "__main__":
    sys.exit(main())
