"""Items of the common shape read straight into episodes, for the fast path.

Most items are a dozen leaf elements: a title, a guid, a date, one enclosure, a link,
notes, a duration, and elements podterm does not read. :func:`read_plain` reads such an
item in one pass into its :class:`ParsedEpisode`, following the same rules as
:class:`library.feeditems.Entry` (which values win) and
:func:`library.episodevalues.episode` (how they are normalised), without the raw
values' dictionary in between. Anything else in an item (attributes other than an
enclosure's and a guid's usual ones, child elements, a second enclosure, elements with
rules of their own) returns None, and the item is read the general way: the two ways
must give the same episode, which tests check on generated items.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from library.durations import text_duration
from library.episodevalues import (
    DEFER_NOTES_UP_TO, ParsedEpisode, media_type, plain_http_url, usable_url, whole_number,
)
from library.feeddates import UnknownDate, parse_date
from library.feeditems import _ENTITY_LIKE, _PLAIN_NAMES, attributes, check_attributes, \
    repaired, tidy_slashes
from library.feednames import Unsupported
from library.text import clean_line, html_to_text, strip_terminal_controls

if TYPE_CHECKING:
    from library.fastfeed import Reader

# What an element is to a plain item (Entry.read's roles, as small numbers).
(TITLE, SUMMARY, CONTENT, LINK, GUID, PUBLISHED, UPDATED, ENCLOSURE, DURATION, CHAPTERS,
 TRANSCRIPT, SKIP, GENERAL) = range(13)
_ROLE_CODES = {"title": TITLE, "summary": SUMMARY, "content": CONTENT, "link": LINK,
               "guid": GUID, "published": PUBLISHED, "updated": UPDATED,
               "enclosure": ENCLOSURE, "ignore": SKIP, "unknown": SKIP}
_RAW_CODES = {"duration": DURATION, "chapters": CHAPTERS, "transcript": TRANSCRIPT}
_ENCLOSURE_NAMES = frozenset(("url", "length", "type"))
_PERMALINK_KEY = ["isPermaLink"]


def bare_leaf_size(element: type = ET.Element) -> int | None:
    """What ``__sizeof__`` says of an element without attributes or children, if that
    tells it from every other element; else None.

    ElementTree's C elements keep their attributes and children in a record allocated
    only for them, and ``__sizeof__`` counts it: most of an item's children are told by
    that one call instead of ``len()`` and ``keys()``. (An element whose ``attrib`` was
    read has the record too: it only gets the full checks.) Where sizes do not tell
    (ElementTree's Python elements), every child gets the full checks."""
    bare = element("a").__sizeof__()
    parent = element("a")
    parent.append(element("b"))
    if element("a", b="c").__sizeof__() == bare or parent.__sizeof__() == bare:
        return None
    return bare


_BARE_LEAF_SIZE = bare_leaf_size()


# An enclosure's type attribute -> its stored media type: feeds repeat a few, and a
# look-up here costs a fraction of lowering the text and media_type's cached call.
_ENCLOSURE_TYPES: dict[str | None, str | None] = {}


def _enclosure_type(kind: str | None) -> str | None:
    if len(_ENCLOSURE_TYPES) >= 256:
        _ENCLOSURE_TYPES.clear()
    found = _ENCLOSURE_TYPES[kind] = media_type(kind.lower() if kind is not None else None)
    return found


def element_code(reader: "Reader", tag: str) -> int:
    """The code of an item's child with this tag (remembered for the document, unless it
    is GENERAL: an item with such a child is read the general way, which costs more)."""
    role = reader.entry_roles.get(tag) or reader.entry_role(tag)
    code = _RAW_CODES[reader.raw_keys[tag]] if role == "raw" else _ROLE_CODES.get(role, GENERAL)
    if code != GENERAL:
        reader.plain_codes[tag] = code
    return code


def read_plain(reader: "Reader", item: ET.Element) -> tuple[ParsedEpisode, bool, bool] | None:
    """(episode, whether a description set the content flag, whether the title locked);
    None if the item is not of the plain shape. (This runs for every item: it is long
    because each step is inline.)"""
    if item.keys():
        return None
    codes = reader.plain_codes
    title = link = guid = published = updated = duration = chapters = transcript = None
    summary = None
    contents: list[str] = []
    enclosure = None  # the element's attributes
    title_locked = has_content = needs_fresh_flag = False
    for child in item[:]:  # (a list: iterating the element ends with an exception)
        try:
            code = codes[child.tag]
        except KeyError:
            if element_code(reader, child.tag) == GENERAL:
                return None
            code = codes[child.tag]
        if child.__sizeof__() != _BARE_LEAF_SIZE:  # (attributes or children, perhaps)
            if len(child):
                return None
            keys = child.keys()
            if keys:
                if code == ENCLOSURE and enclosure is None and _ENCLOSURE_NAMES.issuperset(keys):
                    enclosure = child.attrib
                elif code == GUID and keys == _PERMALINK_KEY:  # (guid_text, inline)
                    guid = child.text
                    guid = guid.strip() if guid else ""
                    permalink = child.get("isPermaLink") == "true"
                    if permalink and ":///" in guid:
                        guid = tidy_slashes(guid)
                    if not guid.isascii():
                        guid = repaired(guid)
                    if permalink and link is None:
                        link = guid
                elif code == SKIP or code == DURATION or code == CHAPTERS or code == TRANSCRIPT:
                    if not _PLAIN_NAMES.issuperset(keys):
                        check_attributes(child)
                    if code == DURATION:
                        duration = attributes(child)
                    elif code == CHAPTERS:
                        chapters = attributes(child)
                    elif code == TRANSCRIPT:
                        transcript = attributes(child)
                else:
                    return None
                continue
        if code == SKIP:
            continue
        if code == ENCLOSURE:  # (an enclosure without attributes: none to play)
            return None
        value = child.text
        value = value.strip() if value else ""
        if not value.isascii():
            value = repaired(value)
        if code == SUMMARY:
            if summary is not None and not has_content:
                needs_fresh_flag = has_content = True
                contents.append(value)
            else:
                summary = value
        elif code == CONTENT:
            has_content = True
            contents.append(value)
            if summary is None:
                summary = value
        elif code == TITLE:
            if not title_locked:
                title = value
                title_locked = bool(value)
        elif code == PUBLISHED or code == UPDATED:
            try:
                date = parse_date(value)
            except UnknownDate as exc:
                raise Unsupported(f"date {exc}") from None
            if code == PUBLISHED:
                published = date
            else:
                updated = date
        elif code == LINK:  # (an address: tidied as feedparser does, see tidy_slashes)
            if ":///" in value:
                value = tidy_slashes(value)
            if "&" in value:
                value = _ENTITY_LIKE.sub(r"&\1", value.replace("&amp;", "&"))
            link = value
        elif code == GUID:  # (an address unless it says not: tidied as a link)
            if ":///" in value:
                value = tidy_slashes(value)
            guid = value
            if link is None:
                link = value
        elif code == DURATION:
            duration = value
        elif code == CHAPTERS:
            chapters = value
        else:
            transcript = value
    # What library.episodevalues.episode makes of the same values.
    # (Addresses and lengths of the usual forms skip the calls: see usable_url.)
    enclosure_url = enclosure_type = enclosure_length = None
    if enclosure is not None:
        url = enclosure.get("url")
        enclosure_url = url if url and plain_http_url(url) else usable_url(url)
        if enclosure_url is not None:
            kind = enclosure.get("type")
            try:
                enclosure_type = _ENCLOSURE_TYPES[kind]
            except KeyError:
                enclosure_type = _enclosure_type(kind)
            length = enclosure.get("length")
            enclosure_length = int(length) if length and length.isdigit() and \
                length.isascii() else whole_number(length)
    if guid and not (guid.isascii() and guid.isprintable()):
        guid = strip_terminal_controls(guid).strip()  # (else stripped already)
    guid = guid or None
    if not (link and plain_http_url(link)):
        link = usable_url(link)
    if not title:
        title = ""
    elif not (title.isascii() and title.isprintable() and "&" not in title
              and "<" not in title and "  " not in title):  # (clean_line's test for text
        title = clean_line(title)                           # it keeps, less the ends)
    if published is None:
        published = updated
    if summary is None:
        summary = ""
    if len(contents) == 1:  # (the usual case: max() below, without its calls)
        notes_html = contents[0] if len(contents[0]) >= len(summary) else summary
    else:
        notes_html = max([*contents, summary], key=len) if contents else summary
    deferred = len(notes_html) <= DEFER_NOTES_UP_TO
    # (None, or attributes, are no duration; a repaired text may end in a space again)
    duration = text_duration(duration if duration.isascii() else duration.strip()) \
        if type(duration) is str else None
    episode = ParsedEpisode(
        # (episode_identity's rule, inline)
        "guid:" + guid if guid else "enclosure:" + enclosure_url if enclosure_url else
        "link:" + link if link else f"title:{title}|{published or ''}",
        guid,
        title,
        published,
        duration,
        enclosure_url,
        enclosure_type,
        enclosure_length,
        "" if deferred else html_to_text(notes_html),
        link,
        usable_url(chapters.get("url")) if type(chapters) is dict else None,
        usable_url(transcript.get("url")) if type(transcript) is dict else None,
        notes_html if deferred else None,
    )
    return episode, needs_fresh_flag, title_locked
