"""`podterm add` and `import` accept feeds only, and each feed only once."""

from __future__ import annotations

import json

import pytest

from tests.feedgen import Channel, Item, rss, show
from tests.library.test_cli import opml, podterm
from tui.demo.server import Reply

GUID = '<podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>'


def feeds(data_dir):
    return json.loads(podterm("feeds", "--json", data_dir=data_dir).stdout)


@pytest.mark.parametrize("case, reason", [
    ("404", "HTTP 404 Not Found"),
    ("500", "HTTP 500 Internal Server Error"),
    ("not a feed", "not a feed"),
    ("unparsable", "malformed XML"),
    ("cut short", "cut short"),
])
def test_add_refuses_what_is_not_a_feed_and_says_why(server, tmp_path, case, reason):
    url = {
        "404": server.url("/missing.xml"),
        "500": server.route("/broken.xml", lambda req: Reply(500, b"oops")),
        "not a feed": server.add("/data.json", b'{"episodes": []}', "application/json"),
        "unparsable": server.add("/bad.xml", b"<rss><channel><title>x</ti></channel></rss>"),
        "cut short": server.add("/cut.xml", rss(show("Cut", 3))[:-200]),
    }[case]
    result = podterm("add", url, data_dir=tmp_path, check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert reason in result.stderr and url in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert feeds(tmp_path) == []


def test_add_force_subscribes_to_a_feed_that_is_down_for_now(server, tmp_path):
    url = server.url("/later.xml")
    result = podterm("add", url, "--force", data_dir=tmp_path)
    assert "fetching it failed: HTTP 404 Not Found" in result.stdout
    server.add("/later.xml", rss(show("Back", 2)), "text/xml")
    podterm("refresh", data_dir=tmp_path)
    assert [(f["url"], f["episode_count"]) for f in feeds(tmp_path)] == [(url, 2)]


def test_add_of_a_web_page_subscribes_to_the_feed_it_names(server, tmp_path):
    feed = server.add("/feeds/show.xml", rss(show("Linked", 3)), "application/rss+xml")
    page = server.add("/show/", (
        b"<!DOCTYPE html><html><head><title>The show</title>"
        b'<link rel="alternate" type="application/json" href="/x.json">'
        b'<link rel="alternate" type="application/rss+xml" title="Episodes" '
        b'href="../feeds/show.xml"></head><body>Listen!</body></html>'), "text/html")
    result = podterm("add", page, data_dir=tmp_path)
    assert f"{page} is a web page; subscribing to the feed it names: {feed}" in result.stdout
    assert "Added Linked (3 episodes)." in result.stdout
    assert [(f["url"], f["episode_count"]) for f in feeds(tmp_path)] == [(feed, 3)]
    assert server.hits["/feeds/show.xml"] == 1  # fetched once: stored as it was read


def test_add_of_a_web_page_without_a_feed_is_refused(server, tmp_path):
    page = server.add("/about", b"<!doctype html><html><body>About us</body></html>",
                      "text/html")
    result = podterm("add", page, data_dir=tmp_path, check=False)
    assert result.returncode == 1 and "names no feed" in result.stderr
    assert feeds(tmp_path) == []


def test_a_public_page_cannot_name_a_private_feed(server, tmp_path, public_origin):
    private = server.add("/inside.xml", rss(show("Inside", 1)), "text/xml")
    page = public_origin.add("page.html", (
        f'<html><head><link rel="alternate" type="application/atom+xml" href="{private}">'
        "</head></html>").encode())
    result = podterm("add", page, data_dir=tmp_path, check=False)
    assert result.returncode == 1 and "private network" in result.stderr
    assert server.hits["/inside.xml"] == 0 and feeds(tmp_path) == []


# --- the same feed twice ------------------------------------------------------------------

def test_http_and_https_of_one_address_are_one_subscription(server, tmp_path):
    url = server.add("/feed.xml", rss(show("Once", 1)), "text/xml")
    podterm("add", url, data_dir=tmp_path)
    again = podterm("add", url.replace("http://", "https://"), data_dir=tmp_path, check=False)
    assert again.returncode == 1 and "already subscribed" in again.stderr
    assert "the same address" in again.stderr and len(feeds(tmp_path)) == 1


@pytest.mark.parametrize("kind", ["podcast:guid", "self link"])
def test_two_addresses_of_one_feed_are_reported_as_a_duplicate(server, tmp_path, kind):
    first_url, second_url = server.url("/a/feed.xml"), server.url("/b/feed.rss")
    extra = GUID if kind == "podcast:guid" else \
        f'<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self" href="{first_url}"/>'
    channel = show("Twice", 2)
    channel.extra = extra
    server.add("/a/feed.xml", rss(channel), "text/xml")
    server.add("/b/feed.rss", rss(channel), "text/xml")
    podterm("add", first_url, data_dir=tmp_path)
    again = podterm("add", second_url, data_dir=tmp_path, check=False)
    assert again.returncode == 1
    assert f"already subscribed: {second_url} is the same feed as Twice" in again.stderr
    assert f"the same {kind}" in again.stderr
    assert [f["url"] for f in feeds(tmp_path)] == [first_url]


def test_import_reports_feeds_that_turn_out_to_be_the_same(server, tmp_path):
    channel = Channel("Mirrored", [Item("One", guid="1")], extra=GUID)
    first = server.add("/one.xml", rss(channel), "text/xml")
    mirror = server.add("/mirror.xml", rss(channel), "text/xml")
    other = server.add("/other.xml", rss(show("Other", 1)), "text/xml")
    subs = tmp_path / "subs.opml"
    subs.write_bytes(opml(*(f'<outline type="rss" text="{n}" xmlUrl="{u}"/>' for n, u in
                            (("First", first), ("Mirror", mirror), ("Other", other)))))
    report = json.loads(podterm("import", str(subs), "--json", data_dir=tmp_path).stdout)
    assert (report["added"], report["skipped"]) == (2, 1)
    [skipped] = [e for e in report["entries"] if e["result"] == "skipped"]
    assert skipped["url"] == mirror and "same podcast:guid" in skipped["reason"]
    assert {o["url"] for o in report["refresh"]} == {first, other}
    assert sorted(f["url"] for f in feeds(tmp_path)) == sorted([first, other])
