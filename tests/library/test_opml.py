"""OPML import and export: real exports, their quirks, and hostile files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from library.opml import (
    MAX_OPML_BYTES,
    MAX_OUTLINE_DEPTH,
    ExportFeed,
    OpmlEntry,
    OpmlError,
    OpmlSkip,
    export_opml,
    parse_opml,
)
from library.text import clean_line
from library.urls import UnsupportedURL, check_feed_url, duplicate_key, same_feed_key


def opml(body: str, *, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return f'{declaration}<opml version="2.0"><head/><body>{body}</body></opml>'.encode()


def summary(data: bytes) -> tuple[list[tuple], list[tuple]]:
    document = parse_opml(data)
    return (
        [(e.url, e.title, e.category) for e in document.entries],
        [(s.text, s.reason) for s in document.skipped],
    )


# --- real exports -----------------------------------------------------------------------

ANTENNAPOD = b"""<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<opml version="2.0">
  <head><title>AntennaPod Subscriptions</title><dateCreated>24 Nov 26 21:14:09 +0100</dateCreated></head>
  <body>
    <outline text="Radiolab" title="Radiolab" type="rss"
      xmlUrl="https://feeds.simplecast.com/EmVW7VGp" htmlUrl="https://radiolab.org" />
    <outline text="H\xc3\xb6rspiel &amp; Feature" title="H\xc3\xb6rspiel &amp; Feature" type="rss"
      xmlUrl="https://www.deutschlandfunk.de/podcast-hoerspiel-100.xml" />
    <outline text="My recordings" title="My recordings" type="rss"
      xmlUrl="antennapod_local:content://com.android.externalstorage.documents/tree/x" />
  </body>
</opml>
"""

POCKET_CASTS = b"""<?xml version="1.0" encoding="utf-8" standalone="no"?>
<opml version="1.0">
  <head><title>Pocket Casts Feeds</title></head>
  <body>
    <outline text="feeds">
      <outline type="rss" text="The Daily" xmlUrl="https://feeds.simplecast.com/54nAGcIl" />
      <outline type="rss" text="99% Invisible" xmlUrl="https://feeds.simplecast.com/BqbsxVfO" />
    </outline>
  </body>
</opml>
"""

# gPodder writes the description into "text" and the title into "title".
GPODDER = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
    <head><title>gPodder subscriptions</title></head>
    <body>
        <outline title="Linux Voice" text="The podcast about free software, every week."
            xmlUrl="http://www.linuxvoice.com/podcast_ogg.rss" type="rss"/>
        <outline title="" text="A show without a title" xmlUrl="https://untitled.example/rss" type="rss"/>
    </body>
</opml>
"""

# Overcast's full export: a "feeds" wrapper, and the episodes inside each feed.
OVERCAST = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="1.0">
  <head><title>Overcast Podcast Subscriptions</title></head>
  <body>
    <outline text="feeds">
      <outline type="rss" overcastId="907947" text="Girl In Space" title="Girl In Space"
          xmlUrl="https://girlinspace.libsyn.com/rss" htmlUrl="https://www.girlinspacepodcast.com/">
        <outline type="podcast-episode" overcastId="1" pubDate="2026-01-02T03:04:05-05:00"
            title="Episode 1" url="https://overcast.fm/+AAA" enclosureUrl="https://x.example/1.mp3"/>
        <outline type="podcast-episode" overcastId="2" title="Episode 2" played="1"/>
      </outline>
      <outline type="rss" overcastId="1065625" text="Great &amp; Terrible" title="Great &amp; Terrible"
          xmlUrl="https://www.arolivieri.com/gt-episodes?format=RSS" htmlUrl="https://www.arolivieri.com/"/>
    </outline>
    <outline text="playlists">
      <outline type="podcast-playlist" title="All Episodes" smart="1" sorting="chronological"/>
    </outline>
  </body>
</opml>
"""

# A hand-kept feed-reader file: every quirk from design.md at once, in windows-1252.
HAND_EDITED = """<?xml version="1.0"?>
<opml version="1.1">
<body>
  <outline text="News">
    <outline text="Daily">
      <outline text="Caf\u00e9 \u2013 Politics & More" xmlurl="https://politics.example/feed"/>
      <outline TEXT="Tech Atom" type="atom" XMLURL="https://tech.example/atom.xml"/>
    </outline>
    <outline text="Web only" htmlUrl="https://webonly.example/"/>
  </outline>
  <outline title="Bare" xmlUrl="HTTPS://Politics.Example/feed/"/>
  <outline xmlUrl="https://untitled.example/rss?a=1&b=2"/>
  <outline text="Just a note"/>
</body>
</opml>
""".encode("cp1252")


def test_antennapod_export():
    document = parse_opml(ANTENNAPOD)
    assert document.entries == [
        OpmlEntry("https://feeds.simplecast.com/EmVW7VGp", "Radiolab", "https://radiolab.org/"),
        OpmlEntry("https://www.deutschlandfunk.de/podcast-hoerspiel-100.xml", "Hörspiel & Feature"),
    ]
    local = "antennapod_local:content://com.android.externalstorage.documents/tree/x"
    assert document.skipped == [
        OpmlSkip("My recordings", f"not an http(s) address: {local}", local)
    ]


def test_pocket_casts_export():
    entries, skipped = summary(POCKET_CASTS)
    assert [title for _, title, _ in entries] == ["The Daily", "99% Invisible"]
    assert {category for _, _, category in entries} == {("feeds",)}
    assert skipped == []


def test_gpodder_export_titles_come_from_the_title_attribute():
    assert summary(GPODDER) == (
        [
            ("http://www.linuxvoice.com/podcast_ogg.rss", "Linux Voice", ()),
            ("https://untitled.example/rss", "A show without a title", ()),
        ],
        [],
    )


def test_overcast_export_ignores_episodes_inside_feeds():
    document = parse_opml(OVERCAST)
    assert [(e.url, e.title, e.category) for e in document.entries] == [
        ("https://girlinspace.libsyn.com/rss", "Girl In Space", ("feeds",)),
        ("https://www.arolivieri.com/gt-episodes?format=RSS", "Great & Terrible", ("feeds",)),
    ]
    # The playlist is not a subscription and says so; the episodes are not reported.
    assert document.skipped == [OpmlSkip("All Episodes", "no feed URL")]


def test_hand_edited_file_with_every_quirk():
    assert summary(HAND_EDITED) == (
        [
            ("https://politics.example/feed", "Café – Politics & More", ("News", "Daily")),
            ("https://tech.example/atom.xml", "Tech Atom", ("News", "Daily")),
            ("https://untitled.example/rss?a=1&b=2", "https://untitled.example/rss?a=1&b=2", ()),
        ],
        [
            ("Web only", "no feed URL (only htmlUrl)"),
            ("Bare", "duplicate of https://politics.example/feed"),
            ("Just a note", "no feed URL"),
        ],
    )


# --- tolerance ------------------------------------------------------------------------

def encoded(body: str, declaration: str, codec: str) -> bytes:
    return opml(body, declaration=declaration).decode().encode(codec)


def declaring(encoding: str) -> str:
    return f'<?xml version="1.0" encoding="{encoding}"?>'


FEED = '<outline text="\u65e5\u672c\u8a9e ok" xmlUrl="https://cafe.example/feed"/>'
LATIN = '<outline text="Caf\u00e9 \u2019n Cr\u00e8me" xmlUrl="https://cafe.example/feed"/>'


@pytest.mark.parametrize(
    ("data", "title"),
    [
        (opml(FEED), "日本語 ok"),
        (b"\xef\xbb\xbf" + opml(FEED), "日本語 ok"),
        (encoded(FEED, "", "utf-16"), "日本語 ok"),  # byte order mark, no declaration
        (encoded(FEED, declaring("UTF-16"), "utf-16"), "日本語 ok"),
        (encoded(FEED, declaring("UTF-16"), "utf-16-be"), "日本語 ok"),  # no byte order mark
        (encoded(FEED, declaring("Shift_JIS"), "shift_jis"), "日本語 ok"),
        (encoded(FEED, "\n  <?xml version='1.0' encoding='euc-jp' ?>", "euc-jp"), "日本語 ok"),
        (encoded(LATIN, declaring("windows-1252"), "cp1252"), "Café ’n Crème"),
        (encoded(LATIN, "", "cp1252"), "Café ’n Crème"),  # undeclared, not UTF-8
        (encoded(LATIN, declaring("UTF-8"), "cp1252"), "Café ’n Crème"),  # wrongly declared
        (encoded(LATIN, declaring("no-such-codec"), "cp1252"), "Café ’n Crème"),
        (encoded(LATIN.replace("’", "&#8217;"), declaring("ISO-8859-1"), "latin-1"), "Café ’n Crème"),
        # Neither UTF-8 nor cp1252 (0x81 is unassigned there): latin-1, where it is a control.
        (opml('<outline text="A\x81B" xmlUrl="https://cafe.example/feed"/>').replace(b"\xc2", b""), "AB"),
    ],
)
def test_encodings(data, title):
    assert summary(data)[0] == [("https://cafe.example/feed", title, ())]


@pytest.mark.parametrize(
    ("attributes", "title"),
    [
        ('text="Q&A Hour" xmlUrl="https://x.example/?a=1&b=2"', "Q&A Hour"),
        ('text="Tom &amp; Jerry &nbsp;&copy; &#1; &#x41;" xmlUrl="https://x.example/?a=1&b=2"',
         "Tom & Jerry © A"),
        ('text="bell\x07 and esc\x1b" xmlUrl="https://x.example/?a=1&b=2"', "bell and esc"),
    ],
)
def test_stray_ampersands_and_characters_xml_forbids_are_repaired(attributes, title):
    assert summary(opml(f"<outline {attributes}/>"))[0] == [
        ("https://x.example/?a=1&b=2", title, ())
    ]


def test_titles_are_cleaned_and_fall_back_to_text_then_address():
    body = (
        '<outline title="&lt;b&gt;Bold&lt;/b&gt;  title" xmlUrl="https://a.example/"/>'
        '<outline text="  From\ttext " xmlUrl="https://b.example/"/>'
        '<outline text="" title="" xmlUrl="https://c.example/"/>'
    )
    assert [title for _, title, _ in summary(opml(body))[0]] == [
        "Bold title",
        "From text",
        "https://c.example/",
    ]


def test_escape_characters_are_dropped_and_their_remains_are_harmless_text():
    # XML cannot carry ESC at all, not even as "&#27;": repair turns the reference
    # into text, which clean_line decodes, dropping the ESC.
    data = opml('<outline text="&#27;[31mRed&#x1b;[0m\x1b]0;t\x07" xmlUrl="https://a.example/"/>')
    assert summary(data)[0] == [("https://a.example/", "[31mRed[0m]0;t", ())]


def test_namespaced_opml():
    data = b'<opml xmlns="http://opml.org/spec2" version="2.0"><body>' + FEED.encode() + b"</body></opml>"
    assert summary(data)[0] == [("https://cafe.example/feed", "日本語 ok", ())]


def test_duplicates_keep_the_first_and_report_the_rest():
    body = (
        '<outline text="One" xmlUrl="https://dup.example/feed"/>'
        '<outline text="Slash" xmlUrl="https://dup.example/feed/"/>'
        '<outline text="Case" xmlUrl="HTTPS://DUP.example/feed"/>'
        '<outline text="Other scheme" xmlUrl="http://dup.example/feed"/>'
    )
    entries, skipped = summary(opml(body))
    assert [title for _, title, _ in entries] == ["One"]
    assert skipped == [  # http:// and https:// of one address deliver the same feed
        ("Slash", "duplicate of https://dup.example/feed"),
        ("Case", "duplicate of https://dup.example/feed"),
        ("Other scheme", "duplicate of https://dup.example/feed"),
    ]


# --- hostile files ----------------------------------------------------------------------

GOOD = '<outline text="Good" xmlUrl="https://good.example/feed"/>'


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("javascript:alert(document.cookie)", "javascript:alert(document.cookie)"),
        ("file:///etc/passwd", "file:///etc/passwd"),
        ("/etc/passwd", "/etc/passwd"),
        ("data:text/xml,&lt;rss/&gt;", "data:text/xml,<rss/>"),
        ("http://", "http://"),
        ("https://exa mple.com/feed", "https://exa mple.com/feed"),
        ("javascript:" + "x" * 5000, "javascript:" + "x" * 188 + "…"),
    ],
)
def test_addresses_that_are_not_http_are_skipped(url, shown):
    entries, skipped = summary(opml(f'{GOOD}<outline text="Bad" xmlUrl="{url}"/>{GOOD}'))
    assert entries == [("https://good.example/feed", "Good", ())]
    assert skipped[0] == ("Bad", f"not an http(s) address: {shown}")
    assert skipped[1] == ("Good", "duplicate of https://good.example/feed")
    assert [skip.url for skip in parse_opml(opml(f'<outline xmlUrl="{url}"/>')).skipped] == [shown]


def test_a_bad_web_page_address_is_left_out():
    data = opml('<outline text="A" xmlUrl="https://a.example/" htmlUrl="javascript:alert(1)"/>')
    assert parse_opml(data).entries == [OpmlEntry("https://a.example/", "A", None, ())]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<opml><body><outline text="&lol9;" xmlUrl="https://good.example/feed"/></body></opml>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml><body><outline text="&xxe;" xmlUrl="https://good.example/feed"/></body></opml>
"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<opml><body/></opml>
"""


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, BILLION_LAUGHS.replace(b"&lol9;", b"& stray")],
    ids=["billion-laughs", "xxe", "parameter-entity", "entities-and-stray-ampersand"],
)
def test_files_declaring_entities_are_refused(data):
    with pytest.raises(OpmlError, match="^refusing an OPML file that declares entities"):
        parse_opml(data)


def test_a_plain_doctype_is_fine():
    data = b'<?xml version="1.0"?><!DOCTYPE opml><opml><body>' + GOOD.encode() + b"</body></opml>"
    assert summary(data)[0] == [("https://good.example/feed", "Good", ())]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"^not an XML file \(no element found"),
        (b'{"feeds": []}', r"^not an XML file \(not well-formed"),
        (b"<html><body>Sign in<br></body></html>", r"^not an XML file \(mismatched tag"),
        (b"<opml><body><outline text='a & b'></body></opml>", r"^not an XML file, even with stray"),
        (b'<rss version="2.0"><channel/></rss>', "^not an OPML file: this is an RSS feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "^not an OPML file: this is an Atom feed"),
        (b"<html><body/></html>", "^not an OPML file: this is a web page"),
        (b"<outlines/>", "^not an OPML file: this is a <outlines> document"),
        (b"<opml><head/></opml>", "^not an OPML file: it has no <body>"),
    ],
)
def test_what_is_not_opml_gets_a_clear_one_line_error(data, message):
    with pytest.raises(OpmlError, match=message) as caught:
        parse_opml(data)
    assert "\n" not in str(caught.value)


def test_files_over_the_limit_are_refused_before_parsing():
    with pytest.raises(OpmlError, match=r"too large .*\(50\.0 MB; the limit is 10 MB\)"):
        parse_opml(b" " * (50 * 2**20))
    with pytest.raises(OpmlError, match="too large"):
        parse_opml(b" " * (MAX_OPML_BYTES + 1))


def test_absurd_nesting_up_to_the_size_limit_is_skipped_not_recursed():
    opener, closer = b'<outline text="x">', b"</outline>"
    depth = (MAX_OPML_BYTES - 200) // (len(opener) + len(closer))
    data = (
        b"<opml><body>" + GOOD.encode() + opener * depth + closer * depth + b"</body></opml>"
    )
    document = parse_opml(data)
    assert [e.url for e in document.entries] == ["https://good.example/feed"]
    assert document.skipped == [
        OpmlSkip("x", f"nested more than {MAX_OUTLINE_DEPTH} levels deep; "
                 "the outlines inside it were not read")
    ]


@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_document_or_an_opml_error(data):
    try:
        parse_opml(data)
    except OpmlError as error:
        assert "\n" not in str(error)


# --- import property: random outline trees ----------------------------------------------


@dataclass
class Outline:
    url: str | None
    url_attribute: str
    title: str | None
    text: str | None
    children: list[Outline]


ADDRESSES = st.sampled_from(
    ["https://a.example/feed", "https://a.example/feed/", "HTTPS://A.EXAMPLE/feed", "",
     "http://a.example/feed/",
     "http://b.example/rss?x=1&y=2", "  https://c.example/ ", "javascript:alert(1)",
     "file:///etc/passwd", "ftp://d.example/"]
)
# Anything XML can carry: control characters cannot be written into an XML file at all.
NAMES = st.none() | st.text(st.characters(exclude_categories=("Cc", "Cs", "Cn")), max_size=12)


def outlines_with(children):
    attribute = st.sampled_from(["xmlUrl", "xmlurl", "XMLURL"])
    return st.builds(Outline, st.none() | ADDRESSES, attribute, NAMES, NAMES, children)


OUTLINES = st.recursive(
    outlines_with(st.just([])), lambda inner: outlines_with(st.lists(inner, max_size=4)),
    max_leaves=25,
)


def to_xml(outlines: list[Outline]) -> bytes:
    def add(parent: ET.Element, outline: Outline) -> None:
        element = ET.SubElement(parent, "outline")
        for name, value in (("title", outline.title), ("text", outline.text),
                            (outline.url_attribute, outline.url)):
            if value is not None:
                element.set(name, value)
        for child in outline.children:
            add(element, child)

    root = ET.Element("opml", version="2.0")
    body = ET.SubElement(root, "body")
    for outline in outlines:
        add(body, outline)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def model_entries(outlines, category=(), inside_feed=False):
    """The import rules, written as plainly as possible: (url, title, category)."""
    for outline in outlines:
        name = clean_line(outline.title or "") or clean_line(outline.text or "")
        url = (outline.url or "").strip()
        if url:
            yield url, name, category
        is_folder = not url and not inside_feed
        inner = (*category, name) if is_folder and name else category
        yield from model_entries(outline.children, inner, not is_folder)


@given(st.lists(OUTLINES, max_size=6))
def test_import_follows_the_rules_for_any_outline_tree(outlines):
    document = parse_opml(to_xml(outlines))
    expected, first_by_key, rejected, duplicates = [], {}, 0, 0
    for raw_url, name, category in model_entries(outlines):
        try:
            url = check_feed_url(raw_url)
        except UnsupportedURL:
            rejected += 1
            continue
        if duplicate_key(url) in first_by_key:
            duplicates += 1
            continue
        first_by_key[duplicate_key(url)] = url
        expected.append((url, name or url, category))
    assert [(e.url, e.title, e.category) for e in document.entries] == expected
    reasons = [skip.reason for skip in document.skipped]
    assert sum(r.startswith("not an http(s) address") for r in reasons) == rejected
    assert sum(r.startswith("duplicate of ") for r in reasons) == duplicates


# --- export -----------------------------------------------------------------------------


def test_export_writes_opml_2_with_folders():
    data = export_opml(
        [
            ExportFeed("Radiolab", "https://radiolab.example/feed", "https://radiolab.org/"),
            ExportFeed('Q&A <Live> "quoted"', "https://qa.example/", None, ("Talk", "Daily")),
            ExportFeed("Other talk", "https://talk.example/", None, ("Talk",)),
        ]
    )
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = ET.fromstring(data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "podterm subscriptions"
    assert parsedate_to_datetime(root.findtext("head/dateCreated")).tzinfo is not None
    first, talk = root.find("body")
    assert first.attrib == {
        "type": "rss", "text": "Radiolab", "title": "Radiolab",
        "xmlUrl": "https://radiolab.example/feed", "htmlUrl": "https://radiolab.org/",
    }  # fmt: skip
    assert talk.attrib == {"text": "Talk"}
    daily, other = talk
    assert daily.get("text") == "Daily" and other.get("title") == "Other talk"
    assert "htmlUrl" not in other.attrib
    assert daily[0].get("text") == 'Q&A <Live> "quoted"'
    assert b"Q&amp;A &lt;Live&gt; &quot;quoted&quot;" in data


def test_export_of_nothing_is_still_a_valid_file():
    assert parse_opml(export_opml([])).entries == []


def clean_texts(min_size: int = 0):
    """Texts as podterm stores them: already through clean_line, with &, <, > and quotes."""
    alphabet = st.characters(exclude_categories=("Cs",)) | st.sampled_from("&<>\"' #;")
    return st.text(alphabet, min_size=min_size, max_size=20).map(clean_line).filter(
        lambda text: clean_line(text) == text and len(text) >= min_size
    )


HOSTS = st.from_regex(r"[a-z][a-z0-9]{0,8}\.example", fullmatch=True)
PATHS = st.from_regex(r"/[a-zA-Z0-9._~-]{0,12}(\?[a-z]=[0-9&=a-z]{0,8})?", fullmatch=True)
EXPORT_FEEDS = st.lists(
    st.builds(
        ExportFeed,
        clean_texts(),
        st.builds(lambda host, path: f"https://{host}{path}", HOSTS, PATHS),
        st.none() | st.just("https://site.example/"),
        st.lists(clean_texts(min_size=1), max_size=3).map(tuple),
    ),
    max_size=8,
    unique_by=lambda feed: same_feed_key(feed.url),
)


@given(EXPORT_FEEDS)
def test_export_then_import_gives_back_the_same_feeds(feeds):
    document = parse_opml(export_opml(feeds))
    assert document.skipped == []
    got = {e.url: (e.title, e.category, e.html_url) for e in document.entries}
    assert got == {f.url: (f.title or f.url, f.category, f.html_url) for f in feeds}
