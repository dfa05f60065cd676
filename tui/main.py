"""The ``podterm`` console script: CLI commands, or the TUI when no command is given."""

from __future__ import annotations

import sys

from library.cli.app import build_parser, run


def main(argv: list[str] | None = None) -> int:
    parser, _commands = build_parser()
    return run(parser, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
