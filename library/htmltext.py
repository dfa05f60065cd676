"""HTML show notes read as plain text: the parser behind :func:`library.text.html_to_text`.

Imported only when a text has a tag ("<"): listing feeds or refreshing plain titles does
not load html.parser.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from library.text import strip_terminal_controls

# Structure: what starts a new line, what starts a new paragraph (a blank line before it).
_LINE_TAGS = frozenset(
    "br div li tr dt dd section article header footer aside nav main figure "
    "figcaption address details summary".split()
)
_PARAGRAPH_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 ul ol dl blockquote pre table hr".split()
)
_CELL_TAGS = frozenset(("td", "th"))
_HIDDEN_TAGS = frozenset(("script", "style"))
_INLINE_TAGS = frozenset(
    "a abbr acronym b bdi bdo big body button caption center cite code col colgroup "
    "data del dfn em font form head html i iframe img input ins kbd label link mark "
    "meta noscript picture q s samp select small source span strike strong sub sup "
    "tbody template textarea tfoot thead time title tt u var video audio wbr".split()
)
_HTML_TAGS = _LINE_TAGS | _PARAGRAPH_TAGS | _CELL_TAGS | _HIDDEN_TAGS | _INLINE_TAGS

_LINE_BREAK = 1
_PARAGRAPH_BREAK = 2
_BULLET = "• "


class PlainTextParser(HTMLParser):
    """Collects the text of an HTML fragment, with markers where blocks begin and end."""

    def __init__(self, keep_links: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str | int] = []  # text, or a _LINE_BREAK / _PARAGRAPH_BREAK
        self._saw_html = False
        self._hidden_depth = 0
        self._keep_links = keep_links
        self._links: list[str] = []                   # addresses, numbered from 1
        self._open_links: list[tuple[str, int]] = []  # (address, where its text starts)

    @classmethod
    def convert(cls, markup: str, keep_links: bool = False) -> str:
        simple = cls._convert_simple(markup, keep_links)
        if simple is not None:
            return simple
        parser = cls(keep_links)
        parser.feed(prepared_for_html_parser(markup))
        parser.close()
        return parser._text()

    @classmethod
    def _convert_simple(cls, markup: str, keep_links: bool = False) -> str | None:
        """The same result, twice as fast, for the common case: well-formed known tags and
        no other "<". Anything else (comments, CDATA, scripts, unknown tags, a stray "<") returns
        None and takes html.parser's path. Show notes are most of a feed's bytes."""
        parser = cls(keep_links)
        pos = 0
        for match in _SIMPLE_TAG.finditer(markup):
            if not parser._simple_data(markup[pos:match.start()]):
                return None
            closing, tag, self_closing = match.group(1), match.group(2).lower(), match.group(4)
            if tag not in _HTML_TAGS or tag in _HIDDEN_TAGS:  # script bodies are not HTML
                return None
            attrs = _href_attribute(match.group(3)) if tag == "a" and keep_links else []
            if closing:
                parser.handle_endtag(tag)
            elif self_closing:
                parser.handle_startendtag(tag, attrs)
            else:
                parser.handle_starttag(tag, attrs)
            pos = match.end()
        return parser._text() if parser._simple_data(markup[pos:]) else None

    def _simple_data(self, text: str) -> bool:
        if "<" in text:
            return False
        if text:
            self.handle_data(html.unescape(text) if "&" in text else text)
        return True

    def _text(self) -> str:
        if self._links:
            self._break(_PARAGRAPH_BREAK)
            self._parts.append("Links:")
            for number, address in enumerate(self._links, 1):
                self._break(_LINE_BREAK)
                self._parts.append(f"[{number}] {address}")
        if not self._saw_html:
            # Only unknown "<tags>" or a stray "<": plain text, whose newlines matter.
            return "".join(self._parts)  # type: ignore[arg-type]  # no breaks without HTML
        # In HTML, newlines in the source are spaces; html_to_text collapses the runs.
        return "".join(
            "\n" * part if isinstance(part, int) else part.replace("\n", " ").replace("\r", " ")
            for part in self._parts
        )

    def _break(self, kind: int, *, adds_up: bool = False) -> None:
        """Start a new line or paragraph.

        Breaks in a row merge into the strongest one, except that line breaks which add up
        (``<br>``) make a paragraph: "text<br><br>text" leaves a blank line.
        """
        parts = self._parts
        while parts and isinstance(parts[-1], str) and not parts[-1].strip():
            parts.pop()  # whitespace between blocks is not text
        if parts and isinstance(parts[-1], int):
            stronger = parts[-1] + kind if adds_up else kind
            parts[-1] = min(_PARAGRAPH_BREAK, max(parts[-1], stronger))
        elif parts:
            parts.append(kind)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            self.handle_data(self.get_starttag_text() or "")
            return
        self._saw_html = True
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _PARAGRAPH_TAGS:
            self._break(_PARAGRAPH_BREAK)
        elif tag == "br":
            self._break(_LINE_BREAK, adds_up=True)
        elif tag in _LINE_TAGS:
            self._break(_LINE_BREAK)
            if tag == "li":
                self._parts.append(_BULLET)
        elif tag in _CELL_TAGS:
            self._parts.append(" ")
        elif tag == "a" and self._keep_links:
            address = _link_address(dict(attrs).get("href"))
            if address:
                self._open_links.append((address, len(self._parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _HTML_TAGS:
            self.handle_data(f"</{tag}>")
            return
        self._saw_html = True
        if tag == "a" and self._open_links:
            self._number_link(*self._open_links.pop())
        elif tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _PARAGRAPH_TAGS:
            self._break(_PARAGRAPH_BREAK)
        elif tag in _LINE_TAGS and tag != "br":
            self._break(_LINE_BREAK)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _HTML_TAGS:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._parts.append(data)

    def _number_link(self, address: str, start: int) -> None:
        """Mark the link's text with its number, unless the text is the address itself."""
        text = " ".join(p for p in self._parts[start:] if isinstance(p, str)).strip()
        if not text or _bare(text) == _bare(address):
            return
        if address not in self._links:
            self._links.append(address)
        self._parts.append(f"[{self._links.index(address) + 1}]")


_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+))""", re.IGNORECASE)


def _href_attribute(attributes: str) -> list[tuple[str, str | None]]:
    """The href of a tag's attribute text, as html.parser would report it."""
    match = _HREF.search(attributes)
    if match is None:
        return []
    value = next(group for group in match.groups() if group is not None)
    return [("href", html.unescape(value))]


def _link_address(href: str | None) -> str | None:
    """An http(s) link address fit to show: no controls, no spaces; None otherwise."""
    if not href:
        return None
    address = "".join(strip_terminal_controls(href).split())
    return address if address.lower().startswith(("http://", "https://")) else None


def _bare(address: str) -> str:
    """An address without its scheme and trailing slash, to compare with link text."""
    return address.lower().split("://", 1)[-1].rstrip("/")


# A start or end tag with well-formed attributes, as html.parser would read it.
_SIMPLE_TAG = re.compile(
    r"""<(/?)([a-zA-Z][a-zA-Z0-9]*)"""
    r"""((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?)*)\s*(/?)>"""
)
_COMMENT_OR_SECTION = re.compile(r"<!(?:--|\[(?:CDATA\[)?)")


def prepared_for_html_parser(markup: str) -> str:
    """``markup`` with comments and ``<![...]>`` sections resolved, and each "<" that can
    never be closed written as "&lt;" (text, as html.parser would show it anyway).

    html.parser as shipped with Python 3.11.7 (older releases of other versions too)
    rescans to the end of the text for every unclosed "<": 120 KB of "<a b='" took 23 s,
    of "<a\n" 20 s. It also raises AssertionError on sections like "<![foo[". Here each
    search runs once: when a closer is missing after one opener, it is missing after every
    later one too. Comments and sections other than CDATA (Word's "<![if ...]>") are
    dropped; CDATA content becomes text.
    """
    pieces: list[str] = []
    pos = 0
    closer_exists = {"-->": True, "]]>": True, "]>": True}
    while match := _COMMENT_OR_SECTION.search(markup, pos):
        opener = match.group()
        closer = "-->" if opener == "<!--" else "]]>" if opener == "<![CDATA[" else "]>"
        end = markup.find(closer, match.end()) if closer_exists[closer] else -1
        pieces.append(markup[pos : match.start()])
        if end < 0:
            closer_exists[closer] = False
            pieces.append("&lt;")
            pos = match.start() + 1
            continue
        if closer == "]]>":
            pieces.append(html.escape(markup[match.end() : end], quote=False))
        pos = end + len(closer)
    pieces.append(markup[pos:])
    text = "".join(pieces)
    last_close = text.rfind(">")
    if "<" in text[last_close + 1 :]:
        text = text[: last_close + 1] + text[last_close + 1 :].replace("<", "&lt;")
    return text
