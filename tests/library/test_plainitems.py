"""Items of the common shape, read straight into episodes, give the episodes the general
way gives (library.feeditems.Entry, then library.episodevalues.episode)."""

from __future__ import annotations

import dataclasses
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from library import fastfeed
from library.parse import normalise
from tests.feedgen import realistic_feed
from tests.library.test_fastfeed import _TEXT, _URL, _element, corpus, feeds, leaf_element


def both_ways(body: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object, int]:
    """(the feed read with plain items, read without, how many items were plain)."""
    plain = 0
    read_plain = fastfeed.read_plain

    def counting(reader, item):
        nonlocal plain
        read = read_plain(reader, item)
        plain += read is not None
        return read

    with monkeypatch.context() as patch:
        patch.setattr(fastfeed, "read_plain", counting)
        with_plain = _stored(body)
    with monkeypatch.context() as patch:
        patch.setattr(fastfeed, "read_plain", lambda reader, item: None)
        without = _stored(body)
    return with_plain, without, plain


def _stored(body: bytes) -> object:
    try:
        return dataclasses.asdict(normalise(*fastfeed.read_feed(body)))
    except fastfeed.Unsupported as exc:
        return ("declined", type(exc))


@pytest.mark.parametrize("name, body", corpus(), ids=[name for name, _ in corpus()])
def test_the_test_corpus_is_read_the_same(name, body, monkeypatch):
    with_plain, without, _plain = both_ways(body, monkeypatch)
    assert with_plain == without


def test_realistic_items_are_plain(monkeypatch):
    """Not vacuous: items as the hosts in tests.feedgen write them take the plain way."""
    for index in range(10):
        with_plain, without, plain = both_ways(realistic_feed(index, 20, seed=3), monkeypatch)
        assert with_plain == without
        assert plain == 20


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(feeds())
def test_generated_items_are_read_the_same(monkeypatch, body):
    with_plain, without, _plain = both_ways(body, monkeypatch)
    assert with_plain == without


_DATES = st.sampled_from(["Tue, 14 Nov 2023 22:13:20 GMT", "Wed, 15 Nov 2023 01:02:03 -0500",
                          "2023-11-14T22:13:20Z", "", "  Thu, 16 Nov 2023 10:00:00 +0100 "])


@st.composite
def plain_items(draw) -> bytes:
    """Feeds whose items are mostly of the plain shape, in any order and combination."""
    def element() -> str:
        kind = draw(st.sampled_from([
            "title", "itunes:title", "dc:title", "guid", "guid-false", "guid-true", "link",
            "description", "itunes:summary", "content:encoded", "media:description",
            "enclosure", "pubDate", "dc:date", "itunes:duration", "podcast:chapters",
            "podcast:transcript", "itunes:episode", "itunes:explicit", "itunes:image",
            "category"]))
        text, url, cdata = draw(_TEXT), draw(_URL), draw(st.booleans())
        if kind == "enclosure":
            kind_ = draw(st.sampled_from(["audio/mpeg", "Audio/MP4", "video/mp4", "", None]))
            length = draw(st.sampled_from(["123", " 45 ", "-1", "x", "", None]))
            return (f"<enclosure url={quoteattr(url)}"
                    + (f' type="{kind_}"' if kind_ is not None else "")
                    + (f' length="{length}"' if length is not None else "") + "/>")
        if kind in ("pubDate", "dc:date"):
            return _element(kind, draw(_DATES))
        if kind == "itunes:duration":
            return _element(kind, draw(st.sampled_from(["3725", "30:04", "01:02:05", "x", ""])))
        return leaf_element(draw, kind, text, url, cdata)

    items = ["<item>" + "".join(element() for _ in range(draw(st.integers(0, 10))))
             + "</item>" for _ in range(draw(st.integers(1, 4)))]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:media="http://search.yahoo.com/mrss/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>t</title>'
            + "\n".join(items) + "</channel></rss>").encode("utf-8")


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(plain_items())
def test_plain_items_are_read_the_same(monkeypatch, body):
    with_plain, without, _plain = both_ways(body, monkeypatch)
    assert with_plain == without


def test_element_sizes_tell_bare_leaves_only_where_they_can():
    """The C elements' sizes tell a child without attributes or children (read_plain's
    quick check); ElementTree's Python elements' do not, and get the full checks."""
    import xml.etree.ElementTree as ET

    from library.plainitems import bare_leaf_size

    assert bare_leaf_size() == ET.Element("x").__sizeof__()
    assert bare_leaf_size(ET._Element_Py) is None


_ITEM = ("<item><title>{n}: a title</title><itunes:episode>{n}</itunes:episode>"
         "<guid isPermaLink=\"false\">id-{n}</guid><pubDate>Tue, 14 Nov 2023 22:13:20 GMT"
         "</pubDate><enclosure url=\"https://m.example.net/{n}.mp3\" length=\"5\" "
         "type=\"audio/mpeg\"/><description>notes {n}</description></item>")


@pytest.mark.parametrize("odd, reads_plain", [
    ('<title type="html">a &lt;b&gt;title&lt;/b&gt;</title>', False),  # an attribute
    ("<itunes:episode><b>3</b></itunes:episode>", False),              # a grandchild
    ('<itunes:episode xml:lang="en">3</itunes:episode>', True),        # one allowed
    ('<itunes:episode base="x">3</itunes:episode>', False),            # one declined
    ('<link rel="x">https://a.example.net/</link>', False),            # on a text
    ('<itunes:image href="https://img.example.net/3.jpg"/>', True),    # a usual one
    ("<title/>", True),                                                # no text
])
def test_an_odd_child_in_a_later_item_is_checked(odd, reads_plain, monkeypatch):
    """Items of one shape, then one with a child that differs only in its attributes or
    children: that item is read the general way (or plain where the rules allow), and
    every item gives the episode the general way gives."""
    items = [_ITEM.format(n=n) for n in range(3)]
    items.append(_ITEM.format(n=3).replace("</item>", odd + "</item>"))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
            "<title>t</title>" + "\n".join(items) + "</channel></rss>").encode()
    with_plain, without, plain = both_ways(body, monkeypatch)
    assert with_plain == without
    assert plain == 3 + reads_plain


@pytest.mark.parametrize("address", ["https:///e.example.net/caf\u00c3\u00a9", "https:////\u00e9t\u00e9",
                                     "http:///e.example.net/\u00e9\u00c3", "ftp:///a\u00c3\u00a9&amp;b"])
@pytest.mark.parametrize("element", ["link", "guid", 'guid isPermaLink="true"'])
def test_addresses_with_extra_slashes_and_mojibake_are_read_the_same(element, address,
                                                                     monkeypatch):
    """An address is tidied ("https:///x" -> "https://x") and its mojibake repaired,
    whichever comes first: the plain way and the general way agree."""
    closing = element.split()[0]
    item = _ITEM.format(n=1).replace("</item>", f"<{element}>{address}</{closing}></item>")
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
            f"<title>t</title>{item}</channel></rss>").encode()
    with_plain, without, plain = both_ways(body, monkeypatch)
    assert with_plain == without
    assert plain == 1
