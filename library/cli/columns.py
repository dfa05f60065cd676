"""Long listings (``podterm feeds``, ``podterm episodes``) as aligned columns, without rich.

rich's Table measures and wraps every cell, about 1.3 ms a row: ``podterm feeds`` spent
0.3 s drawing 200 subscriptions, and importing rich's console cost 75 ms more. A listing
needs less: one line per row, each column as wide as its widest cell, and one flexible
column (the title) cut with "…" so every row fits the terminal. Colours only on a terminal
(not with ``NO_COLOR`` or ``TERM=dumb``). Cells are already single clean lines
(:func:`library.text.clean_line`: no controls, no escapes); nothing here reads markup.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from typing import Union

from library.record import Record

GAP = "  "
MIN_FLEXIBLE = 12
STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33"}

Cell = Union[str, "tuple[str, str]"]   # text, or (text, style name from STYLES)


class Column(Record):
    name: str
    right: bool = False      # numbers line up on the right
    flexible: bool = False   # the column cut to fit the terminal's width
    max_width: int | None = None


def cells_wide(text: str) -> int:
    """How many terminal cells ``text`` takes (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending in "…" when it was longer."""
    if cells_wide(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += cells_wide(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def render(title: str, columns: list[Column], rows: list[list[Cell]], *,
           width: int | None, colour: bool) -> str:
    """The listing as text: a title line, a header line, then one line per row. With a
    ``width``, the flexible column shrinks (to :data:`MIN_FLEXIBLE` at least) to fit it."""
    plain = [[cell if isinstance(cell, str) else cell[0] for cell in row] for row in rows]
    widths = [min(column.max_width or 10**9,
                  max([cells_wide(column.name)] + [cells_wide(row[i]) for row in plain]))
              for i, column in enumerate(columns)]
    for i, column in enumerate(columns):
        if column.flexible and width is not None:
            others = sum(widths) - widths[i] + len(GAP) * (len(columns) - 1)
            widths[i] = min(widths[i], max(MIN_FLEXIBLE, width - others))
    plain = [[cut(text, size) for text, size in zip(row, widths)] for row in plain]

    def line(texts: list[str], styles: list[str]) -> str:
        parts = []
        for text, style, column, size in zip(texts, styles, columns, widths):
            pad = " " * (size - cells_wide(text))
            text = _styled(text, style, colour)
            parts.append(pad + text if column.right else text + pad)
        return GAP.join(parts).rstrip()

    out = [_styled(title, "bold", colour),
           line([c.name for c in columns], ["bold"] * len(columns))]
    for row, texts in zip(rows, plain):
        out.append(line(texts, ["" if isinstance(cell, str) else cell[1] for cell in row]))
    return "\n".join(out) + "\n"


def write(title: str, columns: list[Column], rows: list[list[Cell]]) -> None:
    """:func:`render` to standard output, fitted to the terminal if it is one (or to
    ``COLUMNS``); a pipe or a file gets whole titles."""
    terminal = sys.stdout.isatty()
    width = None
    if os.environ.get("COLUMNS", "").isdigit():
        width = int(os.environ["COLUMNS"])
    elif terminal:
        width = os.get_terminal_size(sys.stdout.fileno()).columns
    colour = terminal and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    sys.stdout.write(render(title, columns, rows, width=width, colour=colour))
    sys.stdout.flush()


def _styled(text: str, style: str, colour: bool) -> str:
    if not colour or not style or not text:
        return text
    return f"\x1b[{STYLES[style]}m{text}\x1b[0m"
