"""The ``podterm`` console script: CLI commands, or the TUI when no command is given.

The CLI is imported when main() runs: worker processes import this module again on
start (multiprocessing's spawn), and should not load the whole CLI for nothing. Without
a command only the player's options are parsed, so no command's module is loaded, and
the library is read while Textual is imported (:func:`open_player`).
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from typing import TYPE_CHECKING, Sequence

from tui import heap
from tui.terminal import screen_on_own_descriptor

if TYPE_CHECKING:
    from pathlib import Path

    from library.cli.commands import Context
    from library.config import Config
    from library.paths import Paths

LOG_NAME = "podterm.log"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if opens_player(argv):
        heap.pause()  # until the first screen is drawn (tui.heap)
        from library.cli.app import run
        from library.cli.grammar import common_options

        player = argparse.ArgumentParser(prog="podterm", parents=[common_options()])
        return run(player, argv, default=run_tui)
    from library.cli.app import build_parser, run

    parser, commands = build_parser(argv)
    demo = commands.add_parser(
        "demo", help="try podterm on a temporary library of demo feeds (no network needed)",
        description="Open the player on a temporary library fed by a server on 127.0.0.1 "
                    "with bundled demo feeds and generated audio. Your own library is not "
                    "touched.")
    demo.set_defaults(handler=run_demo)
    return run(parser, argv, default=run_tui)


def console() -> None:
    """The ``podterm`` command: :func:`main`, then out without tearing Python down.

    Python's own exit frees every object one by one before the process ends, memory the
    system takes back at once anyway: 15 ms after ``podterm feeds``, 50 ms after a
    refresh. So once main() has returned, and no other thread is still running, the
    exit handlers run (they stop the parser processes and close the log), the library's
    connections are closed, the output is flushed and the process ends there. Anything
    else (an exception, a thread still running, output that cannot be written) leaves
    the usual way.
    """
    try:
        code = main()
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    if not isinstance(code, int) or _other_threads_running():
        sys.exit(code)
    atexit._run_exitfuncs()  # (what Python runs at exit, after joining its threads)
    if not _closed_library_connections():
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe, or a closed stream
        sys.exit(code)
    os._exit(code)


def _closed_library_connections() -> bool:
    """Close the library's connections still open (its write-ahead log is folded back
    into the file as the last one closes); False if one belongs to another thread."""
    store = sys.modules.get("library.store")
    if store is None:
        return True
    try:
        store.close_all_open()
    except sys.modules["sqlite3"].ProgrammingError:
        return False  # (Python's own teardown closes it)
    return True


def _other_threads_running() -> bool:
    """Whether a thread Python would wait for at exit is still alive."""
    main_thread = threading.main_thread()
    return any(thread is not main_thread and not thread.daemon and thread.is_alive()
               for thread in threading.enumerate())


def opens_player(argv: list[str]) -> bool:
    """Whether ``argv`` names no command, only the player's options (with values)."""
    from library.cli.grammar import PLAYER_OPTIONS

    words = iter(argv)
    for word in words:
        name, equals, _value = word.partition("=")
        if word in PLAYER_OPTIONS:
            if next(words, None) is None:
                return False  # the whole parser says what is missing
        elif not (equals and name in PLAYER_OPTIONS):
            return False
    return True


def run_tui(args: argparse.Namespace, ctx: Context) -> None:
    """Open the player on the user's library."""
    open_player(ctx.paths, ctx.config)


def run_demo(args: argparse.Namespace, ctx: Context) -> None:
    from tui.demo.demo import run_demo as demo

    demo(ctx.config, ctx.console, open_player)


def open_player(paths: Paths, config: Config, notices: Sequence[str] = ()) -> None:
    """Log to the log dir and run the app on a terminal descriptor of its own.

    The library is opened and the first screen's contents read on the librarian's
    thread while Textual is imported; a library that cannot be opened (too new,
    unreadable) raises here, before the terminal is taken, for the CLI to report. One
    that cannot be written opens read-only (the player says so)."""
    from tui.librarian import Librarian
    from tui.startup import first_view

    start_logging(paths.log_dir)
    librarian = Librarian(paths.database)
    librarian.begin(first_view, paths.data_dir)
    from tui.app import build_app

    librarian.open_now()
    with screen_on_own_descriptor():
        build_app(paths, config, notices=notices, librarian=librarian).run()


def start_logging(log_dir: Path) -> None:
    """Log warnings and unexpected errors to the log dir (the terminal belongs to the TUI)."""
    import logging

    log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_dir / LOG_NAME, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


if __name__ == "__main__":
    console()
