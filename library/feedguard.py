"""Feed documents refused before any parser sees them.

- A document that declares entities, or has a DTD internal subset (``<!DOCTYPE rss [
  ... ]>``), is refused: entities are how XML bombs expand a few kilobytes into
  gigabytes and how XXE reads local files (``<!ENTITY x SYSTEM "file:///etc/passwd">``).
  Feeds have no use for them; an external DTD reference alone (old RSS 0.91 feeds have
  one) is fine, nothing fetches it.
- A document without any markup at its start (JSON, plain text) is not a feed at all.
- A document whose root element is never closed was cut short (an interrupted upload, a
  full disk on the server, a proxy's size limit). Parsers recover what they can from it,
  which means storing the half episode at the cut; instead the check fails, and the
  episodes known from the last complete copy stay as they are.

Only the prolog (what comes before the root element) and the end of the document are
looked at, so the check costs a few milliseconds even for a 50 MB feed. It runs at the
start of :func:`library.parse.parse_feed`, whichever parser follows.
"""

from __future__ import annotations

import codecs
import re

_DECLARES_ENTITIES = ("refusing a feed that declares entities (they can expand to "
                      "gigabytes or read local files)")
# What may come before the root element: whitespace, processing instructions (the XML
# declaration, stylesheets), comments, and one DOCTYPE.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_DOCTYPE = re.compile(
    rb"""<!DOCTYPE\s+[^\s\[>]+                         # <!DOCTYPE rss
         (?:\s+(?:SYSTEM|PUBLIC)(?:\s+(?:"[^"]*"|'[^']*'))+)?  # an external identifier
         \s*(\[|>)                                     # an internal subset, or the end
    """, re.X | re.I)
_ROOT = re.compile(rb"<([^\s/>!?]+)[^>]*?(/?)>", re.S)


def refuse_unusable(body: bytes) -> None:
    """Raise :class:`library.parse.FeedParseError` if ``body`` declares entities
    ('unsafe'), is no markup at all ('not_a_feed') or its root element is never closed
    ('truncated')."""
    problem = _problem(_bytes_to_scan(body))
    if problem is not None:
        from library.parse import FeedParseError  # parse imports this module

        raise FeedParseError(*problem)


def _problem(data: bytes) -> tuple[str, str] | None:
    if data and not data.isspace() and b"<" not in data[:4096]:  # (strip() copied it)
        return "not_a_feed", "not a feed: not an XML document (no RSS or Atom)"
    pos = 0
    while match := _PROLOG_ITEM.match(data, pos):
        pos = match.end()
    if data.startswith(b"<!", pos) and data[pos:pos + 9].upper() == b"<!DOCTYPE":
        doctype = _DOCTYPE.match(data, pos)
        if doctype is None or doctype.group(1) == b"[":
            return "unsafe", _DECLARES_ENTITIES
        pos = doctype.end()
        while match := _PROLOG_ITEM.match(data, pos):
            pos = match.end()
    if data.startswith(b"<!ENTITY", pos):
        return "unsafe", _DECLARES_ENTITIES
    root = _ROOT.match(data, pos)
    if root is None or root.group(2) or root.group(1).lower() == b"html":
        return None  # not XML, empty, or a web page: the parser says what it is
    name = root.group(1)
    end = data.rfind(b"</" + name)
    if end < root.end() or not re.match(rb"\s*>", data[end + 2 + len(name):end + 64 + len(name)]):
        shown = "".join(c for c in name.decode("utf-8", "replace") if c.isprintable())
        return "truncated", (f"the feed was cut short: it ends before its closing </{shown}> "
                             "(an interrupted download or a broken server); nothing was "
                             "changed")
    return None


def _bytes_to_scan(body: bytes) -> bytes:
    """``body`` in an ASCII-compatible encoding: UTF-16 and UTF-32 documents re-encoded,
    told apart by their byte order mark or, without one, by how the first ``<`` is
    encoded (XML 1.0, appendix F). UTF-32 in the unusual octet orders 2143 and 3412,
    which no Python codec reads, is refused."""
    body = body.removeprefix(codecs.BOM_UTF8)
    if body.startswith((b"\x00\x00<\x00", b"\x00<\x00\x00", b"\x00\x00\xff\xfe",
                        b"\xfe\xff\x00\x00")):
        from library.parse import FeedParseError  # parse imports this module

        raise FeedParseError("not_a_feed", "not a feed podterm can read: UTF-32 in an "
                             "unusual byte order (2143 or 3412)")
    for mark, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                           (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(mark):
            return body.decode(encoding, "replace").encode("utf-8")
    for start, encoding in ((b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
                            (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be")):
        if body.startswith(start):
            return body.decode(encoding, "replace").encode("utf-8")
    return body
