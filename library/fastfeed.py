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

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from library.feeddates import UnknownDate, parse_date
from library.feednames import (
    ATOM, ENTRY_ROLES, FEED_ROLES, FEEDPARSER_NAMES, IMAGE_CHILDREN, OWNER_CHILDREN,
    PERSON_CHILDREN, READ_KEYS, Namespaces, Unsupported,
)

_CHUNK = 1 << 16
_XML = "{http://www.w3.org/XML/1998/namespace}"
_ALLOWED_TYPES = frozenset(("text", "html", "text/plain", "text/html", "plain"))
# The prolog: BOM, XML declaration, comments, processing instructions, then the root.
_PROLOG_DOCTYPE = re.compile(rb"(?:\xef\xbb\xbf)?(?>\s+|<\?.*?\?>|<!--.*?-->)*+<!DOCTYPE", re.S)
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)", re.S)
_URI_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+,\-.]*://)/+")
_ENTITY_LIKE = re.compile(r"&([A-Za-z0-9_]+);")
_HTML_TYPES = frozenset(("text/html", "html", "application/xhtml+xml", "xhtml"))
# Roles read inline by _Entry.read when the element has no attributes; with attributes,
# the method of that name reads it.
_TEXT_ROLES = frozenset(("title", "summary", "content", "published", "updated", "guid",
                         "raw"))
_ATTRIBUTE_ROLES = _TEXT_ROLES | {"link", "enclosure", "media_title"}


class Truncated(Exception):
    """The document ends before its root element closes."""


def read_feed(body: bytes) -> tuple[dict, list[dict]]:
    """(feed, entries) as raw values, in the shapes :mod:`library.parse` normalises.

    feed: title, author, summary, subtitle, link, self_link, image (dict), podcast_guid,
    new_feed_url, update_frequency. Each entry: title, guid, link, published (UNIX
    time), enclosures (dicts with href, type, length), content (list), summary,
    duration, chapters, transcript. Absent keys mean feedparser would not have them.
    """
    _check_prolog(body)
    reader = _Reader()
    parser = ET.XMLPullParser(events=("start-ns", "end"))
    try:
        for start in range(0, len(body), _CHUNK):
            parser.feed(body[start:start + _CHUNK])
            reader.take(parser.read_events())
    except ET.ParseError as exc:
        raise Unsupported(f"not well-formed XML: {exc}") from None
    try:
        parser.close()
    except ET.ParseError as exc:
        raise Truncated(f"the document ends early ({exc})") from None
    reader.take(parser.read_events())
    return reader.finish()


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


class _Reader:
    """Receives ElementTree's events; entries are read (and freed) as each one ends."""

    def __init__(self) -> None:
        self.namespaces = Namespaces()
        self.entry_roles: dict[str, str] = {}
        self.entries: list[dict] = []
        self.read_items: dict[int, dict] = {}   # id(element) -> its entry
        self.root: ET.Element | None = None

    def take(self, events) -> None:
        entry_tags = ("item", f"{{{ATOM}}}entry")
        for event, value in events:
            if event == "end":
                self.root = value
                if value.tag in entry_tags:
                    entry = _Entry(self).read(value)
                    self.read_items[id(value)] = entry
                    value.clear()
            else:
                self.namespaces.declare(*value)

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
        return role

    def finish(self) -> tuple[dict, list[dict]]:
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
                    _Feed.outside(self, child)
            channel = next(c for c in channels if self.name(c) == "channel")
            if channel.attrib:
                raise Unsupported("channel attributes")
            return _Feed(self, depth=3).read(channel, "item")
        if root.tag == f"{{{ATOM}}}feed":
            return _Feed(self, depth=2).read(root, "entry")
        raise Unsupported(f"root element {root.tag}")


def check_attributes(element: ET.Element) -> None:
    """feedparser reads xml:base (or a plain "base") on every element; namespaced
    attributes get names we would have to reproduce. Only xml:lang passes."""
    for key in element.keys():
        if key == "base" or (key[0] == "{" and key != _XML + "lang"):
            raise Unsupported(f"attribute {key}")


def attributes(element: ET.Element) -> dict[str, str]:
    """Attributes as feedparser keeps them: names in lowercase, rel and type values too."""
    items = element.items()
    found = {key.lower(): value for key, value in items}
    if len(found) != len(items):
        raise Unsupported("attributes differing only in case")
    if "type" in found:
        found["type"] = found["type"].lower()
    if "rel" in found:
        found["rel"] = found["rel"].lower()
    return found


def text(element: ET.Element, *, uri: bool = False, repair: bool = True) -> str:
    """An element's text as feedparser hands it on: stripped, scheme slashes tidied
    (for link-like elements), and UTF-8 that was read as Latin-1 repaired (feedparser
    skips that for names and e-mail addresses)."""
    if len(element):
        raise Unsupported(f"child elements in {element.tag}")
    return _repaired((element.text or "").strip(), uri, repair)


def _repaired(value: str, uri: bool = False, repair: bool = True) -> str:
    if uri and value:
        value = _URI_SLASHES.sub(r"\1", value)
    if repair and not value.isascii():
        try:
            value = value.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return value


def content_text(element: ET.Element) -> str:
    """Text of a title, description, summary or content: plain or escaped HTML only."""
    if element.keys():
        attrs = attributes(element)
        if "mode" in attrs or "src" in attrs or attrs.get("type", "text") not in _ALLOWED_TYPES:
            raise Unsupported(f"content type {attrs.get('type')!r} in {element.tag}")
    return text(element)


def date(element: ET.Element) -> float | None:
    return _date(text(element))


def _date(value: str) -> float | None:
    try:
        return parse_date(value)
    except UnknownDate as exc:
        raise Unsupported(f"date {exc}") from None


def link_text(element: ET.Element, *, in_entry: bool) -> str:
    value = text(element, uri=True)
    if in_entry:
        value = value.replace("&amp;", "&")
    return _ENTITY_LIKE.sub(r"&\1", value)


def href_link(attrs: dict[str, str]) -> dict[str, str]:
    """feedparser's link attributes: url or uri become href; rel and type defaults."""
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href
    return attrs


class _Entry:
    """One item or entry, read like feedparser: later elements overwrite earlier ones,
    except that the first non-empty title wins and a permalink guid only fills in a
    missing link."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.entry: dict = {"enclosures": [], "content": []}
        self.title_locked = False
        self.has_content = False
        # Whether a description became content because nothing set content before it:
        # true only if the item starts without feedparser's "has content" flag.
        self.needs_fresh_flag = False

    def read(self, item: ET.Element) -> dict:
        """The item's children in order. The common elements are handled inline: this
        loop runs for every element of every episode."""
        for key in item.keys():
            if key != _XML + "lang":
                raise Unsupported("item attributes")
        entry = self.entry
        roles, role_of = self.reader.entry_roles, self.reader.entry_role
        for child in item:
            tag = child.tag
            role = roles.get(tag) or role_of(tag)
            if child.keys():
                check_attributes(child)
                if role in _ATTRIBUTE_ROLES:
                    getattr(self, role)(child)
                    continue
            elif role in _TEXT_ROLES:
                if len(child):
                    raise Unsupported(f"child elements in {tag}")
                value = child.text
                value = value.strip() if value else ""
                if role == "guid" and value:  # a guid is a permalink unless it says not
                    value = _URI_SLASHES.sub(r"\1", value)
                if not value.isascii():
                    value = _repaired(value)
                if role == "title":
                    if not self.title_locked:
                        entry["title"] = value
                        self.title_locked = bool(value)
                elif role == "summary":
                    self.add_summary(value)
                elif role == "content":
                    self.has_content = True
                    entry["content"].append(value)
                    entry.setdefault("summary", value)
                elif role == "published" or role == "updated":
                    entry[role] = _date(value)
                elif role == "guid":
                    entry["guid"] = value
                    entry.setdefault("link", value)
                else:  # raw: duration, chapters or transcript given as text
                    entry[READ_KEYS[self.reader.name(child)]] = value
                continue
            if role == "unknown" or role == "ignore":
                if len(child):
                    if role == "ignore":
                        raise Unsupported(f"child elements in {tag}")
                    for grandchild in child:
                        self.unknown(grandchild)
            else:
                getattr(self, role)(child)
        entry["needs_fresh_flag"] = self.needs_fresh_flag
        entry["title_locked"] = self.title_locked
        return entry

    def add_summary(self, value: str) -> None:
        """description, itunes:summary, atom:summary: the summary, unless there is one
        already and no content yet: then this one is content."""
        if "summary" in self.entry and not self.has_content:
            self.needs_fresh_flag = True
            self.has_content = True
            self.entry["content"].append(value)
        else:
            self.entry["summary"] = value

    # -- the elements podterm reads ------------------------------------------------------
    def title(self, element: ET.Element, *, locks: bool = True) -> None:
        value = content_text(element)
        if not self.title_locked:
            self.entry["title"] = value
        if value and locks:
            self.title_locked = True

    def media_title(self, element: ET.Element) -> None:
        self.title(element, locks=False)

    def link(self, element: ET.Element) -> None:
        attrs = href_link(attributes(element))
        if "href" not in attrs:
            self.entry["link"] = link_text(element, in_entry=True)
            return
        if len(element):
            raise Unsupported("child elements in a link")
        href = _URI_SLASHES.sub(r"\1", attrs["href"])
        rel = attrs.setdefault("rel", "alternate")
        kind = attrs.setdefault("type", "application/atom+xml" if rel == "self" else "text/html")
        if rel == "alternate" and kind in _HTML_TYPES:
            self.entry["link"] = href
        elif rel == "enclosure":
            attrs["href"] = href
            del attrs["rel"]
            self.entry["enclosures"].append(attrs)

    def guid(self, element: ET.Element) -> None:
        attrs = attributes(element) if element.keys() else {}
        permalink = attrs.get("ispermalink", "true") == "true"
        value = text(element, uri=permalink)
        self.entry["guid"] = value
        if permalink and "link" not in self.entry:
            self.entry["link"] = value

    def published(self, element: ET.Element) -> None:
        self.entry["published"] = date(element)

    def updated(self, element: ET.Element) -> None:
        self.entry["updated"] = date(element)

    def summary(self, element: ET.Element) -> None:
        self.add_summary(content_text(element))

    def content(self, element: ET.Element) -> None:
        value = content_text(element)
        self.has_content = True
        self.entry["content"].append(value)
        self.entry.setdefault("summary", value)

    def enclosure(self, element: ET.Element) -> None:
        if len(element):
            raise Unsupported("child elements in an enclosure")
        attrs = href_link(attributes(element))
        attrs.pop("rel", None)
        self.entry["enclosures"].append(attrs)

    def raw(self, element: ET.Element) -> None:
        """itunes:duration, podcast:chapters, podcast:transcript: attributes if it has
        any, else its text (feedparser's rule for elements it does not know)."""
        key = READ_KEYS[self.reader.name(element)]
        self.entry[key] = attributes(element) if element.keys() else text(element)

    # -- elements that do not change what podterm reads --------------------------------
    def ignore(self, element: ET.Element) -> None:
        if len(element):
            raise Unsupported(f"child elements in {element.tag}")

    def person(self, element: ET.Element) -> None:
        self.container(element, PERSON_CHILDREN)

    def categories(self, element: ET.Element) -> None:
        self.container(element, frozenset(("itunes_category",)))

    def group(self, element: ET.Element) -> None:
        self.container(element, frozenset(("media_content", "media_thumbnail",
                                           "media_rating", "media_credit", "media_player",
                                           "media_restriction", "media_license",
                                           "media_category", "media_keywords")))

    def chapters(self, element: ET.Element) -> None:
        self.container(element, frozenset(("psc_chapter",)))

    def container(self, element: ET.Element, allowed: frozenset[str]) -> None:
        for child in element:
            name = self.reader.name(child)
            check_attributes(child)
            if name in allowed:
                self.container(child, allowed)
            else:
                self.unknown(child)

    def unsupported(self, element: ET.Element) -> None:
        raise Unsupported(f"element {element.tag}")

    def unknown(self, element: ET.Element) -> None:
        """An element feedparser has no rule for: only stored under its own name."""
        name = self.reader.name(element)
        if name in FEEDPARSER_NAMES or name in READ_KEYS:
            raise Unsupported(f"element {element.tag} out of place")
        check_attributes(element)
        for child in element:
            self.unknown(child)


class _Feed(_Entry):
    """The channel (or Atom feed) itself, read after its items, in document order."""

    def __init__(self, reader: _Reader, depth: int) -> None:
        super().__init__(reader)
        self.entry = {}
        self.depth = depth          # feedparser's depth of the channel's children
        self.title_depth = -1       # feedparser: titles at or below this depth are ignored
        self.authors: list[dict] | None = None
        self.in_owner = False

    def read(self, channel: ET.Element, entry_name: str) -> tuple[dict, list[dict]]:
        name = self.reader.name
        entries = []
        for child in channel:
            child_name = name(child)
            if child_name == entry_name and id(child) in self.reader.read_items:
                entry = self.reader.read_items[id(child)]
                if entry.pop("needs_fresh_flag") and self.has_content:
                    raise Unsupported("a channel description set the content flag")
                self.has_content = False
                self.title_depth = self.depth + 1 if entry.pop("title_locked") else -1
                entries.append(entry)
                continue
            role = FEED_ROLES.get(child_name)
            if role is None:
                self.unknown(child)
                continue
            check_attributes(child)
            getattr(self, role)(child)
        if len(entries) != len(self.reader.read_items):
            raise Unsupported("items outside the channel")
        return self.entry, entries

    @staticmethod
    def outside(reader: _Reader, element: ET.Element) -> None:
        """Elements of <rss> beside the channel: harmless unless feedparser reads them."""
        _Feed(reader, 2).unknown(element)

    def title(self, element: ET.Element, *, locks: bool = True, into: dict | None = None,
              depth: int | None = None) -> None:
        value = content_text(element)
        depth = self.depth if depth is None else depth
        if not -1 < self.title_depth <= depth:
            (self.entry if into is None else into)["title"] = value
        if value and locks:
            self.title_depth = depth

    def media_title(self, element: ET.Element) -> None:
        self.title(element, locks=False)

    def link(self, element: ET.Element) -> None:
        attrs = href_link(attributes(element))
        rel = attrs.get("rel", "alternate")
        href = _URI_SLASHES.sub(r"\1", attrs["href"]) if "href" in attrs else None
        if rel == "self":  # the feed's own address: the first link that says so
            self.entry.setdefault("self_link", href)
        if href is None:
            self.entry["link"] = link_text(element, in_entry=False)
            return
        if len(element):
            raise Unsupported("child elements in a link")
        kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
        if rel == "alternate" and kind in _HTML_TYPES:
            self.entry["link"] = href

    def summary(self, element: ET.Element) -> None:
        value = content_text(element)
        if "summary" in self.entry and not self.has_content:
            self.has_content = True
            self.entry["content"] = value
        else:
            self.entry["summary"] = value

    def description(self, element: ET.Element) -> None:
        value = content_text(element)
        if "summary" in self.entry and not self.has_content:
            self.has_content = True
            self.entry["content"] = value
        else:
            self.entry["subtitle"] = value

    def subtitle(self, element: ET.Element) -> None:
        self.entry["subtitle"] = content_text(element)

    def image(self, element: ET.Element) -> None:
        image = self.entry.setdefault("image", {})
        self.title_depth = -1
        for child in element:
            name = self.reader.name(child)
            check_attributes(child)
            if name not in IMAGE_CHILDREN:
                raise Unsupported(f"{child.tag} in an image")
            if name == "url":
                image["href"] = text(child, uri=True)
            elif name == "title":
                self.title(child, into=image, depth=self.depth + 1)
            else:
                self.ignore(child)

    def itunes_image(self, element: ET.Element) -> None:
        self.ignore(element)
        attrs = attributes(element)
        if attrs.get("href"):
            self.entry["image"] = {"href": attrs["href"]}
        elif attrs.get("url"):
            self.entry["image"] = {"href": attrs["url"]}

    # -- authors: feedparser's bookkeeping, which an iTunes owner can overwrite ---------
    def author(self, element: ET.Element) -> None:
        self.authors = (self.authors or []) + [{}]
        for child in element:
            name = self.reader.name(child)
            check_attributes(child)
            if name not in PERSON_CHILDREN:
                raise Unsupported(f"{child.tag} in an author")
            key = {"name": "name", "email": "email"}.get(name, "href")
            self.save_author(key, text(child, uri=key == "href", repair=key == "href"))
        own = "".join([element.text or "", *(child.tail or "" for child in element)])
        self.entry["author"] = _repaired(own.strip())
        self.sync_author()

    def owner(self, element: ET.Element) -> None:
        for child in element:
            name = self.reader.name(child)
            check_attributes(child)
            if name not in OWNER_CHILDREN:
                raise Unsupported(f"{child.tag} in an owner")
            self.save_author("name" if name.endswith("name") else "email",
                             text(child, repair=False))

    def save_author(self, key: str, value: str) -> None:
        self.sync_author()
        if not self.authors:
            self.authors = [{}]
        self.authors[-1][key] = value

    def sync_author(self) -> None:
        detail = self.authors[-1] if self.authors else {}
        if detail:
            if "?" in detail:
                raise Unsupported("an author with an e-mail address, then an owner")
            name, email = detail.get("name"), detail.get("email")
            if name and email:
                self.entry["author"] = f"{name} ({email})"
            elif name or email:
                self.entry["author"] = name or email
            return
        author = self.entry.get("author")
        if author and self.authors:
            # feedparser splits an e-mail address out of the text here; we do not
            # reproduce how, so an author with "@" cannot be read back later.
            detail["?" if "@" in author else "name"] = author

    def raw(self, element: ET.Element) -> None:
        key = READ_KEYS[self.reader.name(element)]
        self.entry[key] = attributes(element) if element.keys() else text(element)
