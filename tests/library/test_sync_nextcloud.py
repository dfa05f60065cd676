"""Sync with Nextcloud's GPodder Sync app (a stand-in with its routes and quirks)."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from library.episodes import save_position, set_played
from library.feeds import remove_feed
from tests.feedgen import rss, show
from tests.syncservers import Library, NextcloudStandIn, utc

PASSWORD = "app-password"


@pytest.fixture
def nextcloud():
    with NextcloudStandIn("alice", PASSWORD) as running:
        yield running


@pytest.fixture
def make(nextcloud, tmp_path):
    made = []

    def make(name: str, password: str = PASSWORD) -> Library:
        library = Library(tmp_path / f"{name}.sqlite3", nextcloud.url, "alice", password,
                          api="nextcloud")
        made.append(library)
        return library

    yield make
    for library in made:
        library.close()


def clean(report) -> None:
    assert report.errors == [] and report.held == [], report.errors + report.held


def phone_subscribes(nextcloud: NextcloudStandIn, add=(), remove=()) -> None:
    reply = httpx.post(f"{nextcloud.url}{nextcloud.BASE}/subscription_change/create",
                       json={"add": list(add), "remove": list(remove)},
                       auth=("alice", PASSWORD), trust_env=False)
    assert reply.status_code == 200


def test_two_libraries_and_a_phone_converge_through_nextcloud(nextcloud, make, server):
    urls = {t: server.add(f"/{t}.xml", rss(show(t, 3)), "application/rss+xml")
            for t in ("Uno", "Dos", "Tres")}
    laptop, desk = make("laptop"), make("desk")
    laptop.subscribe(urls["Uno"])
    desk.subscribe(urls["Dos"])
    phone_subscribes(nextcloud, add=[urls["Tres"]])
    for library in (laptop, desk, laptop):
        clean(library.sync())
    assert laptop.feeds() == desk.feeds() == set(urls.values())

    save_position(laptop.conn, laptop.episode("Uno-1").id, 61)
    set_played(desk.conn, desk.episode("Dos-0").id, True)
    tres = laptop.episode("Tres-2")
    nextcloud.upload([{"podcast": urls["Tres"], "episode": tres.enclosure_url, "guid": "Tres-2",
                       "action": "PLAY", "timestamp": utc(int(time.time())), "started": 0,
                       "position": tres.duration_s, "total": tres.duration_s}])
    remove_feed(desk.conn, desk.episode("Dos-1").feed_id)
    for library in (laptop, desk, laptop):
        clean(library.sync(decide_removal=lambda question: True))
    assert laptop.feeds() == desk.feeds() == {urls["Uno"], urls["Tres"]}
    for library in (laptop, desk):
        assert library.listening()["Uno-1"] == (False, 61)
        assert library.listening()["Tres-2"] == (True, 0)

    seen = nextcloud.state.seen
    assert seen and all(s.status == 200 for s in seen)  # never crashed it with a zone
    assert not [s for s in seen if "/api/2/" in s.path]  # no login, no devices
    uploads = [a for s in seen if s.path.endswith("/episode_action/create") for a in s.json()]
    assert uploads and all(a["action"] == a["action"].lower() for a in uploads)
    assert all(len(a["timestamp"]) == 19 and "device" not in a for a in uploads)
    played_uno = [a for a in uploads if a["guid"] == "Uno-1"][0]
    assert played_uno["position"] == 61 and played_uno["started"] == 0


def test_every_subscription_read_says_since(nextcloud, make, server):
    # Without it, the app answers only the last week's changes.
    url = server.add("/old.xml", rss(show("Old", 1)), "application/rss+xml")
    nextcloud.state.subscriptions[url] = (True, int(time.time()) - 30 * 86400)
    laptop = make("laptop")
    clean(laptop.sync())
    assert laptop.feeds() == {url}


def test_a_change_in_the_same_second_as_the_last_read_is_not_lost(nextcloud, make, server):
    urls = {t: server.add(f"/{t}.xml", rss(show(t, 1)), "application/rss+xml")
            for t in ("First", "Second")}
    second = int(time.time())
    nextcloud.state.clock = lambda: second  # the server's clock stands still
    laptop = make("laptop")
    laptop.subscribe(urls["First"])
    clean(laptop.sync())
    phone_subscribes(nextcloud, add=[urls["Second"]])  # stamped with that same second
    clean(laptop.sync())  # since is strict: asking for `second` would miss it
    assert laptop.feeds() == set(urls.values())


def test_unknown_numbers_are_sent_as_minus_one(nextcloud, make, server):
    body = rss(show("NoLength", 1)).replace(b"<itunes:duration>", b"<x>").replace(
        b"</itunes:duration>", b"</x>")
    laptop = make("laptop")
    laptop.subscribe(server.add("/n.xml", body, "application/rss+xml"))
    save_position(laptop.conn, laptop.episode("NoLength-0").id, 30)
    clean(laptop.sync())
    [upload] = [s for s in nextcloud.state.seen if s.path.endswith("/episode_action/create")]
    [action] = upload.json()
    assert (action["position"], action["total"]) == (30, -1)


def test_a_wrong_app_password_is_one_clear_error(make):
    report = make("laptop", password="wrong").sync()
    assert report.errors == ["the sync server refused the user name or password (HTTP 401)"]
    assert json.dumps(report.to_json()).count("wrong") == 0


def test_addresses_podterm_would_not_fetch_are_refused(nextcloud, make):
    phone_subscribes(nextcloud, add=["file:///etc/passwd", "javascript:alert(1)"])
    report = make("laptop").sync()
    assert sorted(report.errors) == [
        "not subscribing to file:///etc/passwd from the sync server: only http and https "
        "addresses are fetched, not 'file:' addresses: file:///etc/passwd",
        "not subscribing to javascript:alert(1) from the sync server: only http and https "
        "addresses are fetched, not 'javascript:' addresses: javascript:alert(1)"]


def test_a_server_that_moved_is_named_not_followed(server, tmp_path):
    from tui.demo.server import Reply

    server.route("/index.php/apps/gpoddersync/subscriptions",
                 lambda request: Reply(301, b"", {"Location": "https://elsewhere.example/"}))
    library = Library(tmp_path / "l.sqlite3", server.url(""), "alice", PASSWORD,
                      api="nextcloud")
    report = library.sync()
    library.close()
    assert report.errors == ["the sync server redirects /index.php/apps/gpoddersync/"
                             "subscriptions to https://elsewhere.example/; check [sync] server"]
