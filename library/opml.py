"""OPML subscription lists: read what other podcast apps export, write what they read.

:func:`parse_opml` is tolerant of real exports: nested outlines (their texts become the
category path), wrapper outlines without a feed URL, ``xmlUrl`` in any letter case, any or
no ``type``, legacy encodings (the XML declaration is honoured; undeclared or wrongly
declared bytes that are not UTF-8 are read as cp1252, then latin-1), UTF-8 and UTF-16 byte
order marks, unescaped "&", duplicates and outlines without a feed URL (both reported in
:attr:`OpmlDocument.skipped`, never silently dropped). A feed's title is its ``title``
attribute, else ``text``, else its address (see :func:`_outline_name`).

It refuses, with an :class:`OpmlError` whose message is one line for the user: files over
:data:`MAX_OPML_BYTES`, files that are not XML even after repair, XML that is not OPML,
and any file that declares entities (XML bombs, ``SYSTEM "file:///etc/passwd"``).

Every address goes through :func:`library.urls.check_feed_url` and every text through
:func:`library.text.clean_line`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from xml.etree.ElementTree import Element, ParseError, SubElement, indent, tostring

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from library.text import clean_line
from library.urls import UnsupportedURL, check_feed_url, duplicate_key

MAX_OPML_BYTES = 10 * 1024 * 1024
# Real exports nest one to three levels; deeper outlines are skipped, not descended into.
MAX_OUTLINE_DEPTH = 50
_MAX_SHOWN_URL = 200


class OpmlError(ValueError):
    """The file cannot be imported; the message is one line meant for the user."""


@dataclass(frozen=True)
class OpmlEntry:
    """A feed listed in an OPML file."""

    url: str  # checked by check_feed_url
    title: str
    html_url: str | None = None  # the show's web page, when it is an http(s) address
    category: tuple[str, ...] = ()  # texts of the enclosing outlines, outermost first


@dataclass(frozen=True)
class OpmlSkip:
    """An outline of an OPML file that names no usable feed, and why."""

    text: str  # what the user would recognise: the outline's name, or its address
    reason: str  # e.g. "no feed URL (only htmlUrl)", "duplicate of https://..."
    url: str | None = None  # the feed address given, cleaned and shortened, if any


@dataclass
class OpmlDocument:
    """What an OPML file lists: its feeds and the outlines skipped."""

    entries: list[OpmlEntry] = field(default_factory=list)
    skipped: list[OpmlSkip] = field(default_factory=list)


@dataclass(frozen=True)
class ExportFeed:
    """A subscription as an OPML export writes it."""

    title: str
    url: str
    html_url: str | None = None
    category: tuple[str, ...] = ()


def parse_opml(data: bytes) -> OpmlDocument:
    """The feeds listed in an OPML file, and the outlines skipped with the reason why."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(
            f"the file is too large for a subscription list ({len(data) / 2**20:.1f} MB; "
            f"the limit is {MAX_OPML_BYTES // 2**20} MB)"
        )
    body = _opml_body(_parse_xml(_decode(data)))
    return _Collector().collect(body)


def export_opml(feeds: Iterable[ExportFeed]) -> bytes:
    """OPML 2.0 in UTF-8; categories become nested ``<outline text="...">`` folders.

    Texts are written as given (they were cleaned when stored), minus the characters
    XML cannot carry; a feed without a title is named by its address.
    """
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = "podterm subscriptions"
    SubElement(head, "dateCreated").text = format_datetime(
        datetime.now(timezone.utc), usegmt=True
    )
    folders: dict[tuple[str, ...], Element] = {(): SubElement(root, "body")}
    for feed in feeds:
        category = tuple(name for name in map(_xml_safe, feed.category) if name.strip())
        for depth in range(1, len(category) + 1):
            path = category[:depth]
            if path not in folders:
                folders[path] = SubElement(folders[path[:-1]], "outline", text=path[-1])
        url = _xml_safe(feed.url)
        title = _xml_safe(feed.title) if feed.title.strip() else url
        attributes = {"type": "rss", "text": title, "title": title, "xmlUrl": url}
        if feed.html_url:
            attributes["htmlUrl"] = _xml_safe(feed.html_url)
        SubElement(folders[category], "outline", attributes)
    indent(root)
    return tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


# --- bytes to text ----------------------------------------------------------------------

_BYTE_ORDER_MARKS = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")


def _decode(data: bytes) -> str:
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data[len(mark) :].decode(encoding, errors="replace")
    if data.startswith(b"<\x00?\x00"):
        return data.decode("utf-16-le", errors="replace")
    if data.startswith(b"\x00<\x00?"):
        return data.decode("utf-16-be", errors="replace")
    declared = _DECLARED_ENCODING.match(data)
    candidates = [declared[1].decode("ascii")] if declared else []
    for encoding in (*candidates, "utf-8", "cp1252"):
        try:
            if "<?xml".encode(encoding) != b"<?xml":
                continue  # "utf-16" declared in bytes readable as ASCII is wrong
            return data.decode(encoding)
        except (LookupError, UnicodeError):
            continue
    return data.decode("latin-1")  # every byte is a character


# --- text to an <opml> tree -------------------------------------------------------------

_AMPERSAND = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));|&")
_NOT_XML_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML_CHARACTERS.sub("", text)


def _parse_xml(text: str) -> Element:
    """The root element; on a syntax error, try once more with the text repaired."""
    text = text.lstrip()  # whitespace before "<?xml" is an error, and common
    try:
        return _defused_fromstring(text)
    except ParseError as error:
        first_error = error
    repaired = _xml_safe(_AMPERSAND.sub(_repair_ampersand, text))
    if repaired == text:
        raise OpmlError(f"not an XML file ({first_error})")
    try:
        return _defused_fromstring(repaired)
    except ParseError as error:
        raise OpmlError(f"not an XML file, even with stray '&' escaped ({error})") from None


def _defused_fromstring(text: str) -> Element:
    try:
        return defusedxml.ElementTree.fromstring(text)
    except DefusedXmlException:
        raise OpmlError(
            "refusing an OPML file that declares entities "
            "(they can expand to gigabytes or read local files)"
        ) from None


def _repair_ampersand(match: re.Match[str]) -> str:
    """Keep XML's references; escape any other "&", and references to characters XML
    forbids ("&#27;"), as "&amp;" (clean_line later decodes those as HTML, dropping
    the forbidden character)."""
    if match[1]:
        return match[0]
    if match[2] or match[3]:
        code = int(match[2], 10) if match[2] else int(match[3], 16)
        if _is_xml_character(code):
            return match[0]
    return "&amp;" + match[0][1:]


def _is_xml_character(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


_OTHER_DOCUMENTS = {"rss": "an RSS feed", "feed": "an Atom feed", "html": "a web page"}


def _opml_body(root: Element) -> Element:
    name = _local_name(root)
    if name != "opml":
        what = _OTHER_DOCUMENTS.get(name, f"a <{name}> document")
        raise OpmlError(f"not an OPML file: this is {what}, not a list of subscriptions")
    body = next((child for child in root if _local_name(child) == "body"), None)
    if body is None:
        raise OpmlError("not an OPML file: it has no <body> with outlines")
    return body


def _local_name(element: Element) -> str:
    """The tag without namespace, lower-cased: "{http://...}Outline" is "outline"."""
    return element.tag.rpartition("}")[2].lower()


# --- outlines to entries ----------------------------------------------------------------


class _Collector:
    """Walks the outlines in document order, without recursion (nesting can be hostile).

    An outline with a feed URL is a subscription. Outlines inside it are read only for
    feeds: the others are its episodes (Overcast's full export lists them there), not
    subscriptions missing an address. Any other outline with outlines inside is a folder
    whose name joins the category path; one with neither is skipped as "no feed URL".
    """

    def __init__(self) -> None:
        self.document = OpmlDocument()
        self._first_url: dict[str, str] = {}  # duplicate_key -> the address kept

    def collect(self, body: Element) -> OpmlDocument:
        stack = [(outline, (), 1, False) for outline in reversed(_outlines(body))]
        while stack:
            outline, category, depth, inside_feed = stack.pop()
            attributes = {name.lower(): value for name, value in outline.attrib.items()}
            name = _outline_name(attributes)
            children = _outlines(outline)
            feed_url = attributes.get("xmlurl", "").strip()
            if feed_url:
                self._add_feed(feed_url, name, attributes.get("htmlurl"), category)
            elif not children and not inside_feed:
                self._skip_without_feed(name, attributes)
            if not children:
                continue
            if depth >= MAX_OUTLINE_DEPTH:
                self._skip(
                    name or "(untitled folder)",
                    f"nested more than {MAX_OUTLINE_DEPTH} levels deep; "
                    "the outlines inside it were not read",
                )
                continue
            is_folder = not feed_url and not inside_feed
            inner = (*category, name) if is_folder and name else category
            stack.extend(
                (child, inner, depth + 1, not is_folder) for child in reversed(children)
            )
        return self.document

    def _add_feed(
        self, feed_url: str, text: str, html_url: str | None, category: tuple[str, ...]
    ) -> None:
        try:
            url = check_feed_url(feed_url)
        except UnsupportedURL:
            shown = _shown(feed_url)
            self._skip(text or shown, f"not an http(s) address: {shown}", shown)
            return
        key = duplicate_key(url)
        if key in self._first_url:
            self._skip(text or url, f"duplicate of {self._first_url[key]}", url)
            return
        self._first_url[key] = url
        self.document.entries.append(
            OpmlEntry(url=url, title=text or url, html_url=_web_page(html_url), category=category)
        )

    def _skip_without_feed(self, text: str, attributes: dict[str, str]) -> None:
        page = attributes.get("htmlurl", "").strip()
        if page:
            self._skip(text or _shown(page), "no feed URL (only htmlUrl)")
        else:
            self._skip(text or "(untitled outline)", "no feed URL")

    def _skip(self, text: str, reason: str, url: str | None = None) -> None:
        self.document.skipped.append(OpmlSkip(text, reason, url))


def _outline_name(attributes: dict[str, str]) -> str:
    """``title`` (OPML 2.0: the feed's own title), else ``text``, cleaned.

    gPodder writes the podcast's description into ``text``; most apps write both alike.
    """
    return clean_line(attributes.get("title", "")) or clean_line(attributes.get("text", ""))


def _outlines(element: Element) -> list[Element]:
    return [child for child in element if _local_name(child) == "outline"]


def _web_page(url: str | None) -> str | None:
    """The show's web page if it is an http(s) address; a bad one is simply left out."""
    try:
        return check_feed_url(url) if url else None
    except UnsupportedURL:
        return None


def _shown(url: str) -> str:
    """An address from the file as it may appear in a message: one clean, short line."""
    text = clean_line(url)
    return text if len(text) <= _MAX_SHOWN_URL else text[: _MAX_SHOWN_URL - 1] + "…"
