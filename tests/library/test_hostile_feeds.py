"""Feeds that try to do harm, or are simply broken: refused, and nothing known is lost."""

from __future__ import annotations

import json
import re

import pytest

from library.episodes import list_episodes
from library.feeds import add_feed, get_feed
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.store import connect
from tests.feedgen import Channel, Item, rss, show
from tui.demo.server import Reply

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FAST = RefreshSettings(concurrency=4, per_host=2, timeout_s=5, max_feed_mb=1)


def header(text: str) -> str:
    """A header value whose UTF-8 bytes go on the wire as they are (http.server writes
    headers as latin-1)."""
    return text.encode("utf-8").decode("latin-1")


# --- addresses from HTTP headers ----------------------------------------------------------

@pytest.mark.parametrize("location", ["/\u202egpj.xml", "/feed\x9b2J.xml", "/a\x1b]0;x\x07"])
def test_a_redirect_to_an_address_with_controls_or_bidi_is_refused(server, db, location):
    path, conn = db
    url = server.route("/feed.xml", lambda req: Reply(301, b"", {"Location": header(location)}))
    feed_id = add_feed(conn, url)[0]
    [outcome] = refresh(path, [feed_id], FAST)
    assert outcome.outcome == "failed"
    assert "redirected to an address podterm does not fetch" in outcome.error
    assert outcome.error.isascii() and outcome.error.isprintable()
    assert get_feed(conn, feed_id).url == url  # nothing stored from the header


def test_a_redirect_to_a_non_ascii_address_is_stored_percent_encoded(server, db):
    path, conn = db
    moved = server.add("/%C3%A9pisodes/feed.xml", rss(show("Accents", 2)), "text/xml")
    url = server.route("/feed.xml", lambda req: Reply(
        301, b"", {"Location": header("/épisodes/feed.xml")}))
    feed_id = add_feed(conn, url)[0]
    [outcome] = refresh(path, [feed_id], FAST)
    assert (outcome.outcome, outcome.moved_to) == ("updated", moved)
    assert get_feed(conn, feed_id).url == moved


# --- addresses inside feeds ---------------------------------------------------------------

def test_relative_addresses_resolve_against_the_feed_address(server, db):
    path, conn = db
    items = [Item("Relative", guid="1", enclosure="/etc/hostname", link="notes/1.html"),
             Item("Protocol-relative", guid="2", enclosure="//cdn.example.org/2.mp3"),
             Item("Local file", guid="3", enclosure="file:///etc/passwd")]
    url = server.add("/shows/feed.xml", rss(Channel("Relative", items)), "text/xml")
    feed_id = add_feed(conn, url)[0]
    refresh(path, [feed_id], FAST)
    episodes = {e.guid: e for e in list_episodes(conn, feed_id)}
    assert episodes["1"].enclosure_url == server.url("/etc/hostname")
    assert episodes["1"].link == server.url("/shows/notes/1.html")
    assert episodes["2"].enclosure_url == "http://cdn.example.org/2.mp3"
    assert episodes["3"].enclosure_url is None  # never a local file


# --- XML that declares entities -----------------------------------------------------------

BILLION_LAUGHS = ('<!DOCTYPE rss [<!ENTITY a "hahahahahahahahahaha">'
                  + "".join(f'<!ENTITY {b} "{("&" + a + ";") * 10}">'
                            for a, b in zip("abcdefgh", "bcdefghi")) + "]>\n")


@pytest.mark.parametrize("doctype, title", [
    (BILLION_LAUGHS, "Laughs &i;"),
    ('<!DOCTYPE rss [<!ENTITY canary SYSTEM "file:///etc/hostname">]>\n', "XXE &canary;"),
    ('<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd" [<!ENTITY % p "x">]>\n', "Param"),
], ids=["billion laughs", "xxe", "parameter entity"])
def test_a_feed_that_declares_entities_is_refused_and_nothing_changes(server, db, doctype,
                                                                      title):
    path, conn = db
    good = rss(show("Kept", 2))
    url = server.add("/feed.xml", good, "text/xml")
    feed_id = add_feed(conn, url)[0]
    refresh(path, [feed_id], FAST)
    hostile = good.decode().replace("<rss", doctype + "<rss", 1).replace(
        "<title>Kept</title>", f"<title>{title}</title>", 1)
    server.add("/feed.xml", hostile.encode(), "text/xml")
    [outcome] = refresh(path, [feed_id], FAST)
    assert (outcome.outcome, outcome.error_kind) == ("failed", "unsafe")
    assert "declares entities" in outcome.error
    feed = get_feed(conn, feed_id)
    assert feed.title == "Kept" and feed.episode_count == 2


def test_an_external_dtd_alone_is_fine(server, db):
    """Old RSS 0.91 feeds name Netscape's DTD; nothing fetches it, nothing is declared."""
    path, conn = db
    doctype = ('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
               '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n')
    body = rss(show("Old school", 2)).decode().replace("<rss", doctype + "<rss", 1)
    feed_id = add_feed(conn, server.add("/feed.xml", body.encode(), "text/xml"))[0]
    [outcome] = refresh(path, [feed_id], FAST)
    assert (outcome.outcome, outcome.new_episodes) == ("updated", 2)


# --- documents cut short ------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32", "utf-32-le", "utf-32-be"])
def test_a_feed_cut_short_fails_and_keeps_the_episodes_known_so_far(server, db, encoding):
    path, conn = db
    url = server.add("/feed.xml", rss(show("Cut", 3)), "text/xml")
    feed_id = add_feed(conn, url)[0]
    refresh(path, [feed_id], FAST)
    before = {e.guid: (e.title, e.notes) for e in list_episodes(conn, feed_id)}
    longer = rss(show("Cut", 5)).decode()
    cut = longer[: longer.index("Cut #0")]  # inside the last item, in its title
    declared = encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
    body = cut.replace('encoding="UTF-8"', f'encoding="{declared}"').encode(encoding)
    server.add("/feed.xml", body, "text/xml")
    [outcome] = refresh(path, [feed_id], FAST)
    assert (outcome.outcome, outcome.error_kind) == ("failed", "truncated")
    assert "cut short" in outcome.error and "</rss>" in outcome.error
    after = {e.guid: (e.title, e.notes) for e in list_episodes(conn, feed_id)}
    assert after == before  # no half episode, none of the new ones, nothing lost
    assert get_feed(conn, feed_id).consecutive_failures == 1


# --- UTF-32 ---------------------------------------------------------------------------------

UTF32 = [("utf-32", "UTF-32"), ("utf-32", ""), ("utf-32-le", "UTF-32LE"),
         ("utf-32-be", "UTF-32BE")]  # "utf-32": with a byte order mark; -le/-be: without


def _utf32(document: str, codec: str, declared: str) -> bytes:
    return document.replace('encoding="UTF-8"', f'encoding="{declared}"' if declared else "",
                            1).encode(codec)


@pytest.mark.parametrize("codec, declared", UTF32)
def test_a_utf32_feed_is_read_like_any_other(server, db, codec, declared):
    path, conn = db
    channel = Channel("Café ✓ 日本", [Item("Épisode ünë", guid="e1",
                                          enclosure="https://example.org/1.mp3")])
    url = server.add("/feed.xml", _utf32(rss(channel).decode(), codec, declared), "text/xml")
    feed_id = add_feed(conn, url)[0]
    [outcome] = refresh(path, [feed_id], FAST)
    assert (outcome.outcome, outcome.new_episodes) == ("updated", 1), outcome.error
    assert get_feed(conn, feed_id).title == "Café ✓ 日本"
    assert [e.title for e in list_episodes(conn, feed_id)] == ["Épisode ünë"]


@pytest.mark.parametrize("codec, declared", UTF32)
def test_a_utf32_feed_that_declares_entities_is_refused(server, db, codec, declared):
    path, conn = db
    document = rss(show("Bomb", 1)).decode().replace(
        "<rss", '<!DOCTYPE rss [<!ENTITY lol "lol">]>\n<rss', 1)
    url = server.add("/feed.xml", _utf32(document, codec, declared), "text/xml")
    [outcome] = refresh(path, [add_feed(conn, url)[0]], FAST)
    assert (outcome.outcome, outcome.error_kind) == ("failed", "unsafe")


def test_utf32_in_an_unusual_byte_order_is_refused_with_a_reason(server, db):
    path, conn = db
    le = rss(show("Odd", 1)).decode().encode("utf-32-le")
    odd = b"".join(le[i + 1:i + 2] + le[i:i + 1] + le[i + 3:i + 4] + le[i + 2:i + 3]
                   for i in range(0, len(le), 4))  # octet order 2143
    url = server.add("/feed.xml", odd, "text/xml")
    [outcome] = refresh(path, [add_feed(conn, url)[0]], FAST)
    assert outcome.outcome == "failed" and "UTF-32 in an unusual byte order" in outcome.error


def test_info_feeds_json_and_export_never_print_an_address_raw(server, tmp_path):
    """After a refresh against hostile redirects, and for rows an older podterm stored raw
    (simulated by writing one), nothing printed carries a control or bidi character."""
    from tests.library.test_cli import podterm

    bidi = server.route("/bidi.xml", lambda req: Reply(
        301, b"", {"Location": header("/\u202egpj.xml")}))
    server.add("/%C3%A9t%C3%A9.xml", rss(show("Summer", 1)), "text/xml")
    accents = server.route("/accents.xml", lambda req: Reply(
        301, b"", {"Location": header("/été.xml")}))
    for url in (bidi, accents):
        podterm("add", url, "--no-refresh", data_dir=tmp_path)
    podterm("refresh", data_dir=tmp_path, check=False)
    conn = connect(tmp_path / "library.sqlite3")
    conn.execute("INSERT INTO feeds (url, title, link, added_at) VALUES (?, 'Old row', ?, 0)",
                 ("http://old.example/\u202egpj.xml\x9b", "http://old.example/\x1b[2J"))
    conn.close()
    outputs = [podterm("feeds", "--json", data_dir=tmp_path).stdout,
               podterm("export", data_dir=tmp_path).stdout]
    outputs += [podterm("info", str(n), data_dir=tmp_path, env={"COLUMNS": "300"}).stdout
                for n in (1, 2, 3)]
    for text in outputs:
        assert not UNSAFE.search(text), text
    assert all(text.isascii() for text in outputs[:2])  # the JSON and the OPML file
    urls = [f["url"] for f in json.loads(outputs[0])]
    assert server.url("/%C3%A9t%C3%A9.xml") in urls
    assert "http://old.example/%E2%80%AEgpj.xml%C2%9B" in urls
