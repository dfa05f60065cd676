"""Element names as feedparser sees them, and what the fast path does with each.

feedparser names an element by its namespace's usual prefix and its lowercase local
name ("itunes_duration", "content_encoded", "title" for RSS and Atom alike); an element
of a namespace it does not know keeps the document's own prefix ("podcast_guid").
Elements it has rules for change what it reports; all others are stored under their name
and change nothing podterm reads. tests/library/test_fastfeed.py checks these tables
against the installed feedparser.
"""

from __future__ import annotations

ATOM = "http://www.w3.org/2005/Atom"
PODCAST_NAMESPACES = frozenset(("https://podcastindex.org/namespace/1.0",
                                "http://podcastindex.org/namespace/1.0"))

# Namespaces whose elements feedparser has rules for, by lowercase URI.
KNOWN_NAMESPACES = {
    "": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/": "",
    "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://example.com/newformat#": "",
    "http://example.com/necho": "",
    "http://purl.org/echo/": "",
    "uri/of/echo/namespace#": "",
    "http://purl.org/pie/": "",
    "http://purl.org/atom/ns#": "",
    "http://www.w3.org/2005/atom": "",
    "http://purl.org/rss/1.0/modules/rss091#": "",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://search.yahoo.com/mrss": "media",
    "http://search.yahoo.com/mrss/": "media",
    "http://www.georss.org/georss": "georss",
    "http://www.opengis.net/gml": "gml",
    "http://podlove.org/simple-chapters": "psc",
    "http://creativecommons.org/ns#license": "cc",
    "http://web.resource.org/cc/": "cc",
    "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html": "creativecommons",
    "http://backend.userland.com/creativecommonsrssmodule": "creativecommons",
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
    "http://www.w3.org/1999/xhtml": "xhtml",
}
# Prefixes feedparser has rules for: a namespace it does not know must not be bound to
# one of these (it would read that namespace's elements as those), nor be the default.
RULE_PREFIXES = frozenset(prefix.lower() for prefix in KNOWN_NAMESPACES.values())

# Every element name feedparser 6 has a rule for.
FEEDPARSER_NAMES = frozenset("""
    abstract author body category cc_license channel cloud content content_encoded
    contributor copyright created creativecommons_license dc_author dc_contributor
    dc_creator dc_date dc_description dc_language dc_publisher dc_rights dc_subject
    dc_title dcterms_created dcterms_issued dcterms_modified dcterms_valid description
    email enclosure entry expirationdate feed feedburner_browserfriendly fullitem
    generator geom georss_box georss_line georss_point georss_polygon georss_where
    georssgeom gml_exterior gml_linearring gml_linestring gml_point gml_polygon gml_pos
    gml_poslist guid height homepage id image info issued item itunes_author itunes_block
    itunes_category itunes_email itunes_explicit itunes_image itunes_keywords itunes_link
    itunes_name itunes_owner itunes_subtitle itunes_summary keywords language
    lastbuilddate link managingeditor media_category media_content media_credit
    media_description media_group media_keywords media_license media_player media_rating
    media_restriction media_thumbnail media_title modified name newlocation psc_chapter
    psc_chapters pubdate published rights rss source subtitle summary tagline tags
    textinput title updated uri url webmaster where width xhtml_body
""".split())

# Elements podterm reads that feedparser has no rule for: stored under their name, as
# their attributes if they have any, else as their text. Name -> our key.
READ_KEYS = {
    "itunes_duration": "duration",
    "podcast_chapters": "chapters",
    "podcast_transcript": "transcript",
    "podcast_guid": "podcast_guid",
    "podcast_updatefrequency": "update_frequency",
    "itunes_new-feed-url": "new_feed_url",
}

# Rules with no effect on what podterm reads (leaf elements only, unless a container).
_HARMLESS = """
    category keywords itunes_keywords media_keywords media_category dc_subject tags
    itunes_explicit itunes_block copyright rights dc_rights language dc_language cloud
    generator info feedburner_browserfriendly webmaster dc_publisher newlocation created
    dcterms_created expirationdate dcterms_valid media_content media_thumbnail
    media_rating media_credit media_restriction media_license media_player cc_license
    creativecommons_license width height name email uri url homepage
""".split()
_DATES_PUBLISHED = "pubdate published issued dcterms_issued".split()
_DATES_UPDATED = "updated modified lastbuilddate dc_date dcterms_modified".split()
_PEOPLE = "author managingeditor itunes_author dc_author dc_creator".split()

ENTRY_ROLES: dict[str, str] = {
    **{name: "ignore" for name in _HARMLESS},
    **{name: "person" for name in _PEOPLE + ["contributor", "dc_contributor"]},
    **{name: "published" for name in _DATES_PUBLISHED},
    **{name: "updated" for name in _DATES_UPDATED},
    **{name: "raw" for name in ("itunes_duration", "podcast_chapters", "podcast_transcript")},
    "podcast_guid": "ignore", "podcast_updatefrequency": "ignore",
    "itunes_new-feed-url": "ignore",
    "subtitle": "ignore", "itunes_subtitle": "ignore", "tagline": "ignore",
    "itunes_image": "ignore", "itunes_link": "ignore",
    "itunes_category": "categories", "media_group": "group", "psc_chapters": "chapters",
    "title": "title", "dc_title": "title", "media_title": "media_title",
    "link": "link", "guid": "guid", "id": "guid", "enclosure": "enclosure",
    "description": "summary", "dc_description": "summary", "media_description": "summary",
    "summary": "summary", "itunes_summary": "summary",
    "content_encoded": "content", "fullitem": "content", "content": "content",
}
FEED_ROLES: dict[str, str] = {
    **{name: "ignore" for name in _HARMLESS + _DATES_PUBLISHED + _DATES_UPDATED},
    **{name: "author" for name in _PEOPLE},
    **{name: "raw" for name in ("podcast_guid", "podcast_updatefrequency",
                                "itunes_new-feed-url")},
    "itunes_duration": "ignore", "podcast_chapters": "ignore",
    "podcast_transcript": "ignore",
    "contributor": "person", "dc_contributor": "person", "itunes_owner": "owner",
    "itunes_category": "categories", "media_group": "group", "psc_chapters": "chapters",
    "title": "title", "dc_title": "title", "media_title": "media_title",
    "link": "link", "guid": "guid", "id": "guid",
    "description": "description", "dc_description": "description",
    "media_description": "description",
    "summary": "summary", "itunes_summary": "summary",
    "subtitle": "subtitle", "itunes_subtitle": "subtitle", "tagline": "subtitle",
    "image": "image", "itunes_image": "itunes_image", "itunes_link": "itunes_image",
}
PERSON_CHILDREN = frozenset(("name", "email", "uri", "url", "homepage"))
OWNER_CHILDREN = frozenset(("itunes_name", "itunes_email", "name", "email"))
IMAGE_CHILDREN = frozenset(("url", "title", "link", "width", "height", "description"))


class Unsupported(Exception):
    """The fast path does not mirror feedparser for this document."""


class Namespaces:
    """The document's namespace declarations, and element names computed from them."""

    def __init__(self) -> None:
        self.prefixes: dict[str, str] = {}    # URI -> the one prefix bound to it
        self.uris: dict[str, str] = {}        # lowercase prefix -> the one URI
        self._names: dict[str, str] = {}

    def declare(self, prefix: str, uri: str) -> None:
        """One xmlns declaration; every prefix must mean one namespace throughout, and
        a namespace feedparser does not know must have one prefix."""
        lower = prefix.lower()
        if self.uris.setdefault(lower, uri) != uri:
            raise Unsupported(f"prefix {prefix!r} bound twice")
        known = KNOWN_NAMESPACES.get(uri.lower())
        if known is not None:
            if lower in RULE_PREFIXES and lower != known.lower():
                raise Unsupported(f"prefix {prefix!r} for {uri}")
            return
        if "backend.userland.com/rss" in uri.lower():
            raise Unsupported(uri)
        if self.prefixes.setdefault(uri, lower) != lower:
            raise Unsupported(f"{uri} bound to two prefixes")
        if lower in RULE_PREFIXES or (lower == "podcast" and uri not in PODCAST_NAMESPACES):
            raise Unsupported(f"prefix {prefix!r} for {uri}")

    def name(self, tag: str) -> str:
        """feedparser's name for an ElementTree tag ("{uri}local" or "local")."""
        name = self._names.get(tag)
        if name is None:
            if tag[0] != "{":
                name = tag.lower()
            else:
                uri, local = tag[1:].split("}", 1)
                prefix = KNOWN_NAMESPACES.get(uri.lower())
                if prefix is None:
                    prefix = self.prefixes.get(uri)
                    if prefix is None:
                        raise Unsupported(uri)
                name = f"{prefix.lower()}_{local.lower()}" if prefix else local.lower()
            self._names[tag] = name
        return name
