"""Text from feeds, made plain and harmless before it is stored or shown.

Everything a feed says (titles, authors, show notes) passes through here. Nothing
downstream interprets it as markup or terminal escapes, but we also clean at the source:
terminal escape sequences, control characters and bidi overrides are removed, HTML
becomes plain text.

- :func:`clean_line` for one-line text (titles, authors, category names).
- :func:`html_to_text` for show notes: paragraphs, line breaks, "• " list items, and
  link addresses kept as a numbered list below the text ("the article[1]" ... "[1] https://...").

HTML entities are decoded with :func:`html.unescape`, as a browser would. Only real HTML
tag names count as tags: "<Untitled>" or "<https://example.com>" in a title or plain-text
notes stay as written. Both functions are pure and safe to call from any thread.
"""

from __future__ import annotations

import re

# Terminal escape sequences, in their 7-bit (ESC ...) and 8-bit (C1) forms.
_ESCAPE_SEQUENCES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?        # CSI: colours, cursor moves, ...
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])     # OSC (titles, hyperlinks), DCS, SOS, PM, APC
      [^\x00-\x1f\x7f-\x9f]* (?:\x07|\x1b\\|\x9c)?  # ... a string ended by BEL or ST
    | \x1b [ -/]* [0-~]?                          # any other ESC sequence, or a lone ESC
    """,
    re.VERBOSE,
)
# Control characters other than the whitespace ones (tab, newlines, form feed), which the
# whitespace rules deal with; bidi embeddings, overrides and isolates (they reorder the
# text around them); byte order marks; non-characters; lone surrogates.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]"
)
# A cheap test that spares most text the slower _ESCAPE_SEQUENCES scan.
_ESCAPE_START = re.compile("[\x1b\x90\x98\x9b\x9d-\x9f]")


def plural(count: int, noun: str) -> str:
    """"1 feed", "2 feeds", "0 episodes" (nouns that take an s)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def clean_line(text: str) -> str:
    """One line of plain text: tags and escapes gone, entities decoded, spaces collapsed."""
    if not text:
        return ""
    # Text returned unchanged: printable ASCII without "<" or "&", words separated by
    # single spaces. Most titles and addresses are; they skip the work. (Tested with
    # str's own scans: a regular expression for it took twice as long.)
    if (text.isascii() and text.isprintable() and "&" not in text and "<" not in text
            and "  " not in text and text[0] != " " and text[-1] != " "):
        return text
    return " ".join(strip_terminal_controls(_decoded(text)).split())


def html_to_text(html_text: str) -> str:
    """Show notes as plain text with line breaks.

    Block elements start new lines (p, headings and lists leave a blank line), list
    items start with "• ", script and style content is dropped. A link's text gets a
    number ("the article[1]") and the addresses (http and https only) are listed under
    "Links:" at the end; a link whose text is its address is not repeated. Text without
    any HTML tag is treated as plain text: its own line breaks are kept. The result has
    no trailing spaces, at most one blank line in a row, and no control characters other
    than "\\n".
    """
    if not html_text:
        return ""
    text = _decoded(html_text, keep_links=True)
    text = strip_terminal_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line or (lines and lines[-1]):  # at most one blank line in a row
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _decoded(text: str, keep_links: bool = False) -> str:
    """Tags gone and entities decoded (the cheap way when there are none)."""
    if "<" in text:
        from library.htmltext import PlainTextParser  # here: plain titles need no parser

        return PlainTextParser.convert(text, keep_links)
    if "&" in text:
        import html

        return html.unescape(text)
    return text


def strip_terminal_controls(text: str) -> str:
    """``text`` without terminal escape sequences, control characters or bidi overrides;
    whitespace, tags and entities are left as they are."""
    if text.isascii() and text.isprintable():
        return text
    if _ESCAPE_START.search(text):
        text = _ESCAPE_SEQUENCES.sub("", text)
    return _INVISIBLE.sub("", text)
