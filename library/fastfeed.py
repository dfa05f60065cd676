"""The fast path: well-formed RSS 2.0 and Atom 1.0 read with the standard library's expat.

feedparser is pure Python and reads about 1 MB/s of podcast XML; ElementTree's C parser
reads tens. :func:`read_feed` gives podterm's normalisation (:mod:`library.parse`) the
same raw values feedparser would, for the fields podterm stores, by following
feedparser's rules for the elements it handles: which of several titles wins, how
descriptions, summaries and content:encoded compete for the show notes, when a guid
stands in for a link, how an author and an iTunes owner combine, and the text clean-up
feedparser applies to every element (whitespace stripped, mojibake repaired).

Anything it does not mirror exactly raises :class:`Unsupported`, and feedparser reads the
document instead: a parse error, a DTD, ``xml:base``, XHTML content, RSS 1.0/RDF, an
element feedparser treats specially that is not handled here, or one of the handled
ones where feedparser would not expect it. A document that ends before its root element
closes raises :class:`Truncated`: it is a failed download, not a feed to read loosely.
Tests run both parsers over a corpus of feeds and compare every stored field.
"""


import re
import xml.etree.ElementTree as ET

from library.feedchannel import Channel
from library.feeditems import Entry, check_attributes
from library.plainitems import read_plain
from library.feednames import ATOM, ENTRY_ROLES, FEEDPARSER_NAMES, READ_KEYS, Namespaces
from library.feednames import Unsupported as Unsupported  # what callers catch

_CHUNK = 1 << 16
# Documents up to this size are parsed into a whole tree before they are read (about 2.5
# times their size in memory); longer ones are read item by item as they are parsed.
WHOLE_TREE_UP_TO = 2 << 20
ENTRY_TAGS = ("item", f"{{{ATOM}}}entry")
# The prolog: BOM, XML declaration, comments, processing instructions, then the root.
_PROLOG_DOCTYPE = re.compile(rb"(?:\xef\xbb\xbf)?(?>\s+|<\?.*?\?>|<!--.*?-->)*+<!DOCTYPE", re.S)
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)", re.S)


class Truncated(Exception):
    """The document ends before its root element closes."""


def read_feed(body: bytes) -> tuple[dict, list]:
    """(feed, entries) as raw values, in the shapes :mod:`library.parse` normalises.

    feed: title, author, summary, subtitle, link, self_link, image (dict), podcast_guid,
    new_feed_url, update_frequency. Each entry: title, guid, link, published (UNIX
    time), enclosures (dicts with href, type, length), content (list), summary,
    duration, chapters, transcript. Absent keys mean feedparser would not have them.
    An item of the common shape comes as its ParsedEpisode instead
    (:mod:`library.plainitems`), normalised as those values would be.
    """
    _check_prolog(body)
    if len(body) <= WHOLE_TREE_UP_TO:
        read = _read_whole(body)
        if read is not None:
            return read
    return _read_streaming(body)


def _read_whole(body: bytes) -> tuple[dict, list] | None:
    """The document parsed into one tree, then read; None if it ends early (then
    :func:`_read_streaming` tells a cut-off document from one it declines, as before).

    expat reports no element to Python while it builds the tree: having it report each
    element's end, so that an item is read and freed as it ends, cost 5% of a parser
    process's work on the bench corpus, more than a tree of a few megabytes is worth."""
    reader = Reader()
    parser = ET.XMLPullParser(events=("start-ns",))
    try:
        parser.feed(body)
        for _event, declaration in parser.read_events():
            reader.namespaces.declare(*declaration)
    except ET.ParseError as exc:
        raise Unsupported(f"not well-formed XML: {exc}") from None
    try:
        # (iterparse's way to the root: XMLPullParser.close() drops it.)
        root = parser._close_and_return_root()
    except ET.ParseError:
        return None
    read_items = reader.read_items
    for tag in ENTRY_TAGS:
        for element in root.iter(tag):  # (read_item, inline: one call less per item)
            read_items[id(element)] = read_plain(reader, element) or Entry(reader).read(element)
    reader.root = root
    return reader.finish()


def _read_streaming(body: bytes) -> tuple[dict, list]:
    """The document read as expat parses it, each finished item read and freed after
    each chunk: memory stays near the size of a chunk's items however long the feed.

    expat reports only namespace declarations and, once, the root's start: an event for
    every element, to read each item as it ends, cost 1.6% of a parser process's work
    on the bench corpus. An item counts as finished once the channel (or Atom feed) has
    a child after it; items anywhere else are read once the document is."""
    reader = Reader()
    parser = ET.XMLPullParser(events=("start-ns", "start"))
    try:
        for start in range(0, len(body), _CHUNK):
            parser.feed(body[start:start + _CHUNK])
            reader.take(parser)
    except ET.ParseError as exc:
        raise Unsupported(f"not well-formed XML: {exc}") from None
    try:
        parser.close()
    except ET.ParseError as exc:
        raise Truncated(f"the document ends early ({exc})") from None
    reader.take(parser, finished=True)
    return reader.finish()


def read_item(reader: "Reader", item: ET.Element) -> tuple:
    """(its episode, or its raw values for library.parse to normalise; whether a
    description set the content flag; whether the title locked), for Channel.read."""
    return read_plain(reader, item) or Entry(reader).read(item)


def _check_prolog(body: bytes) -> None:
    head = body[:4]
    if head.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in head:
        raise Unsupported("UTF-16 or UTF-32")
    if _PROLOG_DOCTYPE.match(body):
        raise Unsupported("a DOCTYPE")
    if head.startswith(b"\xef\xbb\xbf"):
        declared = _DECLARED_ENCODING.match(body, 3)
        if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
            raise Unsupported("a UTF-8 BOM on a document declared otherwise")


class Reader:
    """What is read of a document: its namespaces, its root and its items (see take)."""

    def __init__(self) -> None:
        self.namespaces = Namespaces()
        self.entry_roles: dict[str, str] = {}
        self.raw_keys: dict[str, str] = {}     # tag -> READ_KEYS' key, for "raw" roles
        self.read_items: dict[int, tuple] = {}   # id(element) -> what read_item gave
        self.plain_codes: dict[str, int] = {}  # tag -> its code in library.plainitems
        self.root: ET.Element | None = None
        self.container: ET.Element | None = None  # the element whose items are read
        self.done = 0                              # ... up to this child, when streaming

    def take(self, parser: ET.XMLPullParser, finished: bool = False) -> None:
        """Namespace declarations and the root from ``parser``'s events, then the items
        finished so far read (and freed); with ``finished``, all the document's."""
        for event, value in parser.read_events():
            if event == "start-ns":
                self.namespaces.declare(*value)
            elif self.root is None:
                self.root = value  # (the first start: from here on, declarations only)
                parser._parser._setevents(parser._events_queue, ("start-ns",))
        root = self.root
        if root is None:
            return
        container = root[-1] if root.tag == "rss" and len(root) else root
        if container is not self.container:
            self.container, self.done = container, 0
        end = len(container) if finished else len(container) - 1  # (the last may be open)
        for child in container[self.done:end]:
            self.read_entries(child)
            if child.tag in ENTRY_TAGS:
                child.clear()
        self.done = max(self.done, end)
        if finished:  # items outside the channel, or in what came after it
            for tag in ENTRY_TAGS:
                for element in root.iter(tag):
                    if id(element) not in self.read_items:
                        self.read_items[id(element)] = read_item(self, element)

    def read_entries(self, element: ET.Element) -> None:
        """Every item in ``element`` (itself included) read."""
        for tag in ENTRY_TAGS:
            for entry in element.iter(tag):
                self.read_items[id(entry)] = read_item(self, entry)

    def name(self, element: ET.Element) -> str:
        """feedparser's name for the element: namespace prefix + "_" + lowercase tag."""
        return self.namespaces.name(element.tag)

    def entry_role(self, tag: str) -> str:
        """What an item's child is to us: a role of ENTRY_ROLES, "unsupported" for other
        elements feedparser has rules for, "unknown" for the rest."""
        name = self.namespaces.name(tag)
        role = ENTRY_ROLES.get(name)
        if role is None:
            role = "unsupported" if name in FEEDPARSER_NAMES or name in READ_KEYS else "unknown"
        self.entry_roles[tag] = role
        if role == "raw":
            self.raw_keys[tag] = READ_KEYS[name]
        return role

    def finish(self) -> tuple[dict, list]:
        root = self.root
        if root is None:
            raise Unsupported("no root element")
        check_attributes(root)
        if root.tag == "rss":
            channels = list(root)
            if [self.name(c) for c in channels].count("channel") != 1:
                raise Unsupported("not exactly one channel")
            for child in channels:
                if self.name(child) != "channel":
                    Channel.outside(self, child)
            channel = next(c for c in channels if self.name(c) == "channel")
            if channel.attrib:
                raise Unsupported("channel attributes")
            return Channel(self, depth=3).read(channel, ENTRY_TAGS[0])
        if root.tag == f"{{{ATOM}}}feed":
            return Channel(self, depth=2).read(root, ENTRY_TAGS[1])
        raise Unsupported(f"root element {root.tag}")
