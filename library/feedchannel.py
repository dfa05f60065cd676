"""The channel (or Atom feed) element read as feedparser reads it, for the fast path
(see :mod:`library.fastfeed`): titles, links, descriptions, images and feedparser's
author bookkeeping.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from library.feeditems import (
    HTML_TYPES, Entry, attributes, check_attributes, content_text, href_link,
    link_text, repaired, text, tidy_slashes,
)
from library.feednames import (
    FEED_ROLES, IMAGE_CHILDREN, OWNER_CHILDREN, PERSON_CHILDREN, READ_KEYS, Unsupported,
)

if TYPE_CHECKING:
    from library.fastfeed import Reader


class Channel(Entry):
    """The channel (or Atom feed) itself, read after its items, in document order."""

    def __init__(self, reader: "Reader", depth: int) -> None:
        super().__init__(reader)
        self.entry = {}
        self.depth = depth          # feedparser's depth of the channel's children
        self.title_depth = -1       # feedparser: titles at or below this depth are ignored
        self.authors: list[dict] | None = None
        self.in_owner = False

    def read(self, channel: ET.Element, entry_tag: str) -> tuple[dict, list]:
        """The channel's raw values, and its items' as read (see fastfeed.read_item)."""
        name = self.reader.name
        read_items = self.reader.read_items
        entries = []
        for child in channel:
            read = read_items.get(id(child))
            if read is not None and child.tag == entry_tag:
                entry, needs_fresh_flag, title_locked = read
                if needs_fresh_flag and self.has_content:
                    raise Unsupported("a channel description set the content flag")
                self.has_content = False
                self.title_depth = self.depth + 1 if title_locked else -1
                entries.append(entry)
                continue
            child_name = name(child)
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
    def outside(reader: "Reader", element: ET.Element) -> None:
        """Elements of <rss> beside the channel: harmless unless feedparser reads them."""
        Channel(reader, 2).unknown(element)

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
        href = tidy_slashes(attrs["href"]) if "href" in attrs else None
        if rel == "self":  # the feed's own address: the first link that says so
            self.entry.setdefault("self_link", href)
        if href is None:
            self.entry["link"] = link_text(element, in_entry=False)
            return
        if len(element):
            raise Unsupported("child elements in a link")
        kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
        if rel == "alternate" and kind in HTML_TYPES:
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
        self.entry["author"] = repaired(own.strip())
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
