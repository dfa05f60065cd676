"""Reading an item's elements as feedparser does: the fast path's rules (see
:mod:`library.fastfeed`). The channel's own rules are in :mod:`library.feedchannel`.
Anything not mirrored exactly raises :class:`library.feednames.Unsupported`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from library.feeddates import UnknownDate, parse_date
from library.feednames import FEEDPARSER_NAMES, PERSON_CHILDREN, READ_KEYS, Unsupported

if TYPE_CHECKING:
    from library.fastfeed import Reader

XML_NS = "{http://www.w3.org/XML/1998/namespace}"
XML_LANG = XML_NS + "lang"
URI_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+,\-.]*://)/+")
HTML_TYPES = frozenset(("text/html", "html", "application/xhtml+xml", "xhtml"))
_ALLOWED_TYPES = frozenset(("text", "html", "text/plain", "text/html", "plain"))
_ENTITY_LIKE = re.compile(r"&([A-Za-z0-9_]+);")


def tidy_slashes(value: str) -> str:
    """"http:///x" as feedparser hands it on: "http://x". (Most values have no ":///",
    and looking for it first is a tenth of the cost of the substitution.)"""
    return URI_SLASHES.sub(r"\1", value) if ":///" in value else value


# Roles read inline by Entry.read when the element has no attributes; with attributes,
# the method of that name reads it.
_TEXT_ROLES = frozenset(("title", "summary", "content", "published", "updated", "guid",
                         "raw", "link"))
_ATTRIBUTE_ROLES = _TEXT_ROLES | {"enclosure", "media_title"}


# Attribute names that are lowercase already: attributes with only these need no renaming.
_LOWERCASE_NAMES = frozenset(("url", "length", "type", "href", "rel", "title", "text",
                              "medium", "language", "version", "complete"))
# Attribute names check_attributes passes, as items usually spell them.
_PLAIN_NAMES = _LOWERCASE_NAMES | {"isPermaLink"}
_PERMALINK_KEY = ["isPermaLink"]  # a guid's usual attribute, spelled the usual way


def check_attributes(element: ET.Element) -> None:
    """feedparser reads xml:base (or a plain "base") on every element; namespaced
    attributes get names we would have to reproduce. Only xml:lang passes."""
    for key in element.keys():
        if key == "base" or (key[0] == "{" and key != XML_LANG):
            raise Unsupported(f"attribute {key}")


def attributes(element: ET.Element) -> dict[str, str]:
    """Attributes as feedparser keeps them: names in lowercase, rel and type values too."""
    found = element.attrib
    if _LOWERCASE_NAMES.issuperset(found):
        found = found.copy()
    else:
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
    return repaired((element.text or "").strip(), uri, repair)


def repaired(value: str, uri: bool = False, repair: bool = True) -> str:
    if uri and value:
        value = tidy_slashes(value)
    if repair and not value.isascii():
        try:
            value = value.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return value


def guid_text(element: ET.Element) -> tuple[str, bool]:
    """A guid's text as an entry's "guid" (an address tidied when it is a permalink),
    and whether it is a permalink (which also gives the entry its link)."""
    value = element.text
    value = value.strip() if value else ""
    permalink = element.get("isPermaLink") == "true"
    if permalink and value:
        value = tidy_slashes(value)
    if not value.isascii():
        value = repaired(value)
    return value, permalink


def content_text(element: ET.Element) -> str:
    """Text of a title, description, summary or content: plain or escaped HTML only."""
    if element.keys():
        attrs = attributes(element)
        if "mode" in attrs or "src" in attrs or attrs.get("type", "text") not in _ALLOWED_TYPES:
            raise Unsupported(f"content type {attrs.get('type')!r} in {element.tag}")
    return text(element)


def date(element: ET.Element) -> float | None:
    return parse_text_date(text(element))


def parse_text_date(value: str) -> float | None:
    try:
        return parse_date(value)
    except UnknownDate as exc:
        raise Unsupported(f"date {exc}") from None


def link_text(element: ET.Element, *, in_entry: bool) -> str:
    value = text(element, uri=True)
    if in_entry:
        value = value.replace("&amp;", "&")
    return _ENTITY_LIKE.sub(r"&\1", value) if "&" in value else value


def href_link(attrs: dict[str, str]) -> dict[str, str]:
    """feedparser's link attributes: url or uri become href; rel and type defaults."""
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href
    return attrs



class Entry:
    """One item or entry, read like feedparser: later elements overwrite earlier ones,
    except that the first non-empty title wins and a permalink guid only fills in a
    missing link."""

    def __init__(self, reader: "Reader") -> None:
        self.reader = reader
        self.entry: dict = {"enclosures": [], "content": []}
        self.title_locked = False
        self.has_content = False
        # Whether a description became content because nothing set content before it:
        # true only if the item starts without feedparser's "has content" flag.
        self.needs_fresh_flag = False

    def read(self, item: ET.Element) -> tuple[dict, bool, bool]:
        """The item's raw values (its children in order), whether a description set the
        content flag, and whether the title locked (see Channel.read). The common
        elements are handled inline: this loop runs for every element of an item that
        :func:`library.plainitems.read_plain` does not read."""
        for key in item.keys():
            if key != XML_LANG:
                raise Unsupported("item attributes")
        entry = self.entry
        reader = self.reader
        roles, role_of, raw_keys = reader.entry_roles, reader.entry_role, reader.raw_keys
        for child in item:
            tag = child.tag
            role = roles.get(tag) or role_of(tag)
            keys = child.keys()
            if keys:
                if not _PLAIN_NAMES.issuperset(keys):
                    check_attributes(child)
                if role == "enclosure":
                    if len(child):
                        raise Unsupported("child elements in an enclosure")
                    attrs = href_link(attributes(child))
                    attrs.pop("rel", None)
                    entry["enclosures"].append(attrs)
                    continue
                if role == "guid" and keys == _PERMALINK_KEY:  # (as guid() reads it)
                    if len(child):
                        raise Unsupported(f"child elements in {tag}")
                    value, permalink = guid_text(child)
                    entry["guid"] = value
                    if permalink and "link" not in entry:
                        entry["link"] = value
                    continue
                if role == "raw":  # (given attributes, it is them: see raw())
                    entry[raw_keys[tag]] = attributes(child)
                    continue
                if role in _ATTRIBUTE_ROLES:
                    getattr(self, role)(child)
                    continue
            elif role in _TEXT_ROLES:
                if len(child):
                    raise Unsupported(f"child elements in {tag}")
                value = child.text
                value = value.strip() if value else ""
                # A link, and a guid (a permalink unless it says not), are addresses.
                if (role == "guid" or role == "link") and value:
                    value = tidy_slashes(value)
                if not value.isascii():
                    value = repaired(value)
                if role == "title":
                    if not self.title_locked:
                        entry["title"] = value
                        self.title_locked = bool(value)
                elif role == "summary":  # (as add_summary)
                    if "summary" in entry and not self.has_content:
                        self.needs_fresh_flag = True
                        self.has_content = True
                        entry["content"].append(value)
                    else:
                        entry["summary"] = value
                elif role == "content":
                    self.has_content = True
                    entry["content"].append(value)
                    entry.setdefault("summary", value)
                elif role == "link":  # (as link_text)
                    if "&" in value:
                        value = _ENTITY_LIKE.sub(r"&\1", value.replace("&amp;", "&"))
                    entry["link"] = value
                elif role == "published" or role == "updated":
                    try:
                        entry[role] = parse_date(value)
                    except UnknownDate as exc:
                        raise Unsupported(f"date {exc}") from None
                elif role == "guid":
                    entry["guid"] = value
                    entry.setdefault("link", value)
                else:  # raw: duration, chapters or transcript given as text
                    entry[raw_keys[tag]] = value
                continue
            if role == "unknown" or role == "ignore":
                if len(child):
                    if role == "ignore":
                        raise Unsupported(f"child elements in {tag}")
                    for grandchild in child:
                        self.unknown(grandchild)
            else:
                getattr(self, role)(child)
        return entry, self.needs_fresh_flag, self.title_locked

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
        href = tidy_slashes(attrs["href"])
        rel = attrs.setdefault("rel", "alternate")
        kind = attrs.setdefault("type", "application/atom+xml" if rel == "self" else "text/html")
        if rel == "alternate" and kind in HTML_TYPES:
            self.entry["link"] = href
        elif rel == "enclosure":
            attrs["href"] = href
            del attrs["rel"]
            self.entry["enclosures"].append(attrs)

    def guid(self, element: ET.Element) -> None:
        keys = element.keys()
        if keys == _PERMALINK_KEY:
            permalink = element.get("isPermaLink") == "true"
        else:
            permalink = (attributes(element) if keys else {}).get("ispermalink", "true") == "true"
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
