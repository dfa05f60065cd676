"""Addresses Python's URL parser cannot even split ("http://[x", a bracketed host that is
no IPv6 address, a full-width "#" in the host) are refused with a reason wherever they
come from: typed, named by a web page, in an OPML file, in a redirect, from a sync
server. Before, each of these was a traceback, and one in an OPML file lost the import."""

from __future__ import annotations

import json

import httpx
import pytest

from library.feeds import add_feed
from library.fetch import FetchLimits, fetch_feed, make_client
from library.sync.actions import EpisodeAction
from library.sync.apply import apply_actions, apply_rewrites, feed_for
from library.sync.settings import SyncError, SyncSettings
from library.urls import UnsupportedURL, check_feed_url, join_url
from tests.feedgen import rss, show
from tests.library.test_cli import opml, podterm
from tests.syncservers import Library, NextcloudStandIn, utc
from tui.demo.server import Reply

BROKEN = ["http://[::1", "http://[abc]/", "http://\uff03x.com/", "http://[x/feed"]


@pytest.mark.parametrize("url", BROKEN)
def test_an_address_that_cannot_be_split_is_refused_with_a_reason(url):
    with pytest.raises(UnsupportedURL, match="not a valid address") as error:
        check_feed_url(url)
    assert str(error.value).isascii() and str(error.value).isprintable()
    with pytest.raises(UnsupportedURL, match="not a valid address"):
        join_url("https://example.org/feed", url)


def test_add_says_so_in_one_line(tmp_path):
    result = podterm("add", "http://[x", data_dir=tmp_path, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "podterm: not a valid address: http://[x"


def test_a_page_naming_a_broken_feed_address_subscribes_to_the_next_it_names(server, tmp_path):
    feed = server.add("/feeds/good.xml", rss(show("Good", 2)), "application/rss+xml")
    page = server.add("/show/", (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="http://[x/feed">'
        b'<link rel="alternate" type="application/rss+xml" href="/feeds/good.xml">'
        b"</head></html>"), "text/html")
    result = podterm("add", page, data_dir=tmp_path)
    assert f"subscribing to the feed it names: {feed}" in result.stdout


def test_one_broken_address_in_an_opml_file_skips_that_entry_only(server, tmp_path):
    good = server.add("/good.xml", rss(show("Good", 2)), "application/rss+xml")
    subs = tmp_path / "subs.opml"
    subs.write_bytes(opml('<outline text="Broken" xmlUrl="http://[x/feed"/>',
                          f'<outline text="Good" xmlUrl="{good}"/>'))
    report = json.loads(podterm("import", str(subs), "--json", data_dir=tmp_path).stdout)
    assert report["added"] == 1
    feeds = json.loads(podterm("feeds", "--json", data_dir=tmp_path).stdout)
    assert [f["url"] for f in feeds] == [good]


async def test_a_redirect_to_a_broken_address_is_a_failed_fetch(server):
    url = server.route("/moved.xml", lambda req: Reply(302, b"", {"Location": "http://[x/feed"}))
    async with make_client(FetchLimits(), 2) as client:
        result = await fetch_feed(client, url, FetchLimits())
    assert result.outcome == "error" and result.error_kind == "unsupported"
    assert "not a valid address: http://[x/feed" in result.error


def phone_subscribes(nextcloud: NextcloudStandIn, add: list[str]) -> None:
    reply = httpx.post(f"{nextcloud.url}{nextcloud.BASE}/subscription_change/create",
                       json={"add": add, "remove": []}, auth=("alice", "pw"), trust_env=False)
    assert reply.status_code == 200


def test_sync_settings_with_a_broken_server_address_say_so():
    with pytest.raises(SyncError, match=r"\[sync\] server: not a valid address"):
        SyncSettings(server="http://[x", username="me").checked()


def test_broken_addresses_from_a_sync_server_are_passed_over(db):
    _path, conn = db
    feed_id, _ = add_feed(conn, "https://example.org/feed", "Show")
    assert feed_for(conn, "http://[x/feed") is None
    assert apply_rewrites(conn, [["http://[x/feed", "https://example.org/new"],
                                 ["https://example.org/feed", "http://[x/feed"]]) == []
    assert conn.execute("SELECT url FROM feeds").fetchall()[0][0] == "https://example.org/feed"
    action = EpisodeAction(podcast="http://[x/feed", episode="http://[x/e.mp3", action="play",
                           at=1_700_000_000, position=30, total=60)
    assert apply_actions(conn, [action]) == (0, 1)  # waits for an episode it will never find


def test_a_sync_that_brings_broken_addresses_still_completes(server, tmp_path):
    feed = server.add("/show.xml", rss(show("Show", 2)), "application/rss+xml")
    with NextcloudStandIn("alice", "pw") as nextcloud:
        phone_subscribes(nextcloud, add=["http://[x/feed", feed])
        nextcloud.upload([{"podcast": "http://[x/feed", "episode": "http://[x/e.mp3",
                           "action": "PLAY", "timestamp": utc(1_700_000_000), "started": 0,
                           "position": 10, "total": 60}])
        library = Library(tmp_path / "laptop.sqlite3", nextcloud.url, "alice", "pw",
                          api="nextcloud")
        try:
            report = library.sync()
            assert library.feeds() == {feed} and report.episodes_pending == 1
        finally:
            library.close()
    assert report.errors == ["not subscribing to http://[x/feed from the sync server: not a "
                             "valid address: http://[x/feed"]
