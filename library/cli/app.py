"""The ``podterm`` command line: parse, then run the command with its :class:`Context`.

The TUI's entry point (:mod:`tui.main`) builds the parser (:mod:`library.cli.grammar`),
adds its own commands (the TUI itself, ``demo``) and calls :func:`run`; this module never
imports the TUI. What a command needs is imported once the arguments are parsed, so
`podterm --help` loads none of the library.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from library.cli.grammar import Handler, build_parser

if TYPE_CHECKING:
    from library.cli.commands import Context


def run(parser: argparse.ArgumentParser, argv: list[str],
        default: Handler | None = None) -> int:
    """Parse ``argv`` and run its command (``default`` when none is given)."""
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None) or default
    if handler is None:
        parser.print_help()
        return 0
    import sqlite3

    from library.cli.commands import CommandError, Context
    from library.config import ConfigError, load_config
    from library.feeds import FeedLookupError
    from library.paths import resolve_paths
    from library.store import StoreError, failure
    from library.urls import UnsupportedURL

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
    argv = sys.argv[1:] if argv is None else argv
    parser, _ = build_parser(argv)
    return run(parser, argv)
