"""``podterm restore``: list the library's backups, or put one back."""

from __future__ import annotations

import argparse
import sqlite3
from contextlib import closing

from library.backups import (Backup, BackupError, backup_dir, damaged_reason, list_backups,
                             restore, when)
from library.cli.commands import CommandError, Context


def cmd_restore(args: argparse.Namespace, ctx: Context) -> None:
    from rich.text import Text
    database = ctx.paths.database
    found = list_backups(database)
    if args.number is None:
        _show(ctx, found)
        return
    if not 1 <= args.number <= len(found):
        raise CommandError(f"there is no backup {args.number} "
                           f"(see the list with `podterm restore`)")
    backup = found[args.number - 1]
    try:
        aside = restore(database, backup)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    say = f"Restored the backup of {when(backup.made_at)} ({_contents(backup)})."
    if aside is not None:
        say += f" The library it replaced is kept as {aside}."
    ctx.console.print(Text(say))


def _show(ctx: Context, found: list[Backup]) -> None:
    from rich.table import Table
    from rich.text import Text
    reason = damaged_reason(ctx.paths.database)
    if reason is not None:
        ctx.console.print(Text(f"The library is damaged ({reason}); podterm does not change "
                               "it until a backup is restored.", style="red"))
    if not found:
        ctx.console.print(Text(f"No backups yet. podterm makes one before each upgrade of "
                               f"the library and once a day, in {backup_dir(ctx.paths.database)}"))
        return
    table = Table(title=f"Backups in {backup_dir(ctx.paths.database)}, newest first",
                  title_justify="left")
    for column, justify in (("#", "right"), ("made", "left"), ("why", "left"),
                            ("size", "right"), ("contents", "left")):
        table.add_column(column, justify=justify)
    for number, backup in enumerate(found, 1):
        table.add_row(str(number), when(backup.made_at), backup.reason,
                      _size(backup.size), _contents(backup))
    ctx.console.print(table)
    ctx.console.print("Restore one with `podterm restore N`; the current library is kept "
                      "beside it.", markup=False)


def _contents(backup: Backup) -> str:
    try:
        with closing(sqlite3.connect(f"{backup.path.absolute().as_uri()}?mode=ro",
                                     uri=True)) as conn:
            feeds = conn.execute("SELECT COUNT(*) FROM feeds").fetchone()[0]
            episodes = conn.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]
    except sqlite3.Error as exc:
        return f"unreadable: {exc}"
    return f"{_count(feeds, 'feed')}, {_count(episodes, 'episode')}"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
