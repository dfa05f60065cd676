"""A public server never sends podterm into the private network; typed addresses may be
private. The public server runs in a network namespace (see tests/netns.py)."""

from __future__ import annotations

import json

import pytest

from library.directory import Directory, DirectoryError, DirectorySettings, search_all
from library.feeds import add_feed, get_feed
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from tests.feedgen import Channel, rss, show
from tui.demo.server import Reply

FAST = RefreshSettings(concurrency=4, per_host=2, timeout_s=10, max_feed_mb=1)


def test_a_feed_on_a_public_host_is_fetched(public_origin, db):
    """The control: the namespace's server is reachable and counts as public."""
    path, conn = db
    url = public_origin.add("plain.xml", rss(show("Public", 2)))
    [outcome] = refresh(path, [add_feed(conn, url)[0]], FAST)
    assert (outcome.outcome, outcome.new_episodes) == ("updated", 2)


@pytest.mark.parametrize("status", [301, 302])
def test_a_public_redirect_into_the_private_network_is_refused(public_origin, server, db,
                                                               status):
    path, conn = db
    server.add("/private.xml", rss(show("Router admin", 1)), "text/xml")
    url = public_origin.redirecting_to(server.url("")) + "/private.xml"
    feed_id = add_feed(conn, url)[0]
    [outcome] = refresh(path, [feed_id], FAST)
    assert (outcome.outcome, outcome.error_kind) == ("failed", "private_network")
    assert f"the public server {public_origin.address} sent podterm to 127.0.0.1" \
        in outcome.error and "private network" in outcome.error
    assert server.hits["/private.xml"] == 0  # never asked
    assert get_feed(conn, feed_id).url == url


def test_a_public_feed_cannot_announce_a_private_new_address(public_origin, server, db):
    path, conn = db
    private = server.add("/new.xml", rss(show("Moved inside", 1)), "text/xml")
    channel = show("Announcer", 1)
    channel.extra = f"<itunes:new-feed-url>{private}</itunes:new-feed-url>"
    url = public_origin.add("announcer.xml", rss(channel))
    feed_id = add_feed(conn, url)[0]
    [outcome] = refresh(path, [feed_id], FAST)
    assert outcome.outcome == "updated" and outcome.moved_to is None
    assert get_feed(conn, feed_id).url == url and server.hits["/new.xml"] == 0


def test_typed_private_addresses_and_private_redirects_are_allowed(server, db):
    path, conn = db
    server.add("/lan.xml", rss(Channel("On the LAN")), "text/xml")
    url = server.url("/to-lan")
    server.route("/to-lan", lambda req: Reply(302, b"", {"Location": "/lan.xml"}))
    [outcome] = refresh(path, [add_feed(conn, url)[0]], FAST)
    assert outcome.outcome == "updated"


def directory_settings(apple_url: str) -> DirectorySettings:
    return DirectorySettings(["apple"], apple_url, "http://127.0.0.1:9", "", "",
                             "http://127.0.0.1:9")


def test_a_directory_redirecting_into_the_private_network_is_refused(public_origin, server):
    answer = {"results": [{"collectionName": "Found", "artistName": "A",
                           "feedUrl": "https://example.org/feed"}]}
    server.add("/search", json.dumps(answer).encode(), "application/json")
    public_origin.add("search", json.dumps(answer).encode())
    listings, problems = search_all(directory_settings(public_origin.url("")), "x")
    assert [l.candidate.title for l in listings] == ["Found"] and problems == []  # control
    listings, problems = search_all(
        directory_settings(public_origin.redirecting_to(server.url(""))), "x")
    assert listings == [] and len(problems) == 1
    assert "private network" in problems[0] and public_origin.address in problems[0]
    assert server.hits["/search"] == 0


def test_a_directory_may_not_redirect_to_a_local_file(server):
    server.route("/search", lambda req: Reply(302, b"", {"Location": "file:///etc/passwd"}))
    with pytest.raises(DirectoryError, match="does not fetch: only http and https"):
        with Directory(directory_settings(server.url(""))) as directory:
            directory.search("x", "apple")
