"""Sync against a real gpodder.net API v2 server (gpodder-fastapi-router under uvicorn on
127.0.0.1): two podterm libraries and a phone shaped like AntennaPod."""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass
from typing import Callable

import pytest

from library.episodes import list_episodes, save_position, set_played
from library.feeds import feed_events, remove_feed
from library.migrate import migrate_feed
from library.parse import parse_feed
from library.sync import outbox
from library.sync.client import open_api
from library.sync.engine import status
from tests.feedgen import Item, rss, show
from tests.syncservers import GpodderServer, Library, Phone

# The server is written against an older FastAPI; its start-up hooks still work.
pytestmark = pytest.mark.filterwarnings("ignore:\\s*on_event is deprecated:DeprecationWarning")

PASSWORD = "correct horse"
_users = itertools.count(1)


@pytest.fixture(scope="module")
def gpodder(tmp_path_factory):
    with GpodderServer(tmp_path_factory.mktemp("gpodder") / "server.sqlite3") as running:
        yield running


@dataclass
class Account:
    server: GpodderServer
    user: str
    make: Callable[..., Library]

    def phone(self) -> Phone:
        return Phone(self.server.url, self.user, PASSWORD)


@pytest.fixture
def account(gpodder, tmp_path):
    user = f"user{next(_users)}"
    gpodder.register(user, PASSWORD)
    gpodder.faults.rules.clear()
    made: list[Library] = []

    def make(name: str) -> Library:
        library = Library(tmp_path / f"{name}.sqlite3", gpodder.url, user, PASSWORD,
                          device=f"podterm-{name}")
        made.append(library)
        return library

    yield Account(gpodder, user, make)
    for library in made:
        library.close()


def link(library: Library, *others: str) -> None:
    """What `podterm sync login` does when asked to share subscriptions."""
    with open_api(library.settings.checked()) as api:
        api.start()
        api.link(list(others))


def clean(report) -> None:
    assert report.errors == [] and report.held == [], report.errors + report.held


def feeds_served(server, *titles: str, count: int = 3) -> dict[str, str]:
    return {title: server.add(f"/{title}.xml", rss(show(title, count, "https://cdn.example.org")),
                              "application/rss+xml") for title in titles}


def test_two_libraries_and_a_phone_converge(account, server):
    urls = feeds_served(server, "Alpha", "Bravo", "Charlie")
    laptop, desk, phone = account.make("laptop"), account.make("desk"), account.phone()
    laptop.subscribe(urls["Alpha"])
    desk.subscribe(urls["Bravo"])
    phone.subscribe(add=[urls["Charlie"]])
    clean(laptop.sync())
    clean(desk.sync())
    link(laptop, "podterm-desk", "antennapod-phone")
    for library in (laptop, desk, laptop):
        clean(library.sync())
    assert laptop.feeds() == desk.feeds() == phone.subscriptions() == set(urls.values())

    save_position(laptop.conn, laptop.episode("Alpha-1").id, 300)
    set_played(laptop.conn, laptop.episode("Alpha-0").id, True)
    save_position(desk.conn, desk.episode("Charlie-0").id, 42)
    now = int(time.time())
    bravo2, charlie1 = laptop.episode("Bravo-2"), laptop.episode("Charlie-1")
    phone.upload([phone.play(urls["Bravo"], bravo2.enclosure_url, "Bravo-2", 120,
                             bravo2.duration_s, now),
                  phone.play(urls["Charlie"], charlie1.enclosure_url, None, charlie1.duration_s,
                             charlie1.duration_s, now)])  # finished, sent without a guid
    for library in (laptop, desk, laptop):
        clean(library.sync())
    expected = {"Alpha-1": (False, 300), "Alpha-0": (True, 0), "Charlie-0": (False, 42),
                "Bravo-2": (False, 120), "Charlie-1": (True, 0)}
    for library in (laptop, desk):
        assert {g: library.listening()[g] for g in expected} == expected
        assert library.outbox() == 0
    by_guid = {a.get("guid"): a for a in phone.actions()}
    assert by_guid["Alpha-1"]["position"] == 300
    assert by_guid["Alpha-1"]["device"] == "podterm-laptop"
    assert by_guid["Alpha-0"]["position"] == by_guid["Alpha-0"]["total"]

    ours = [s for s in account.server.faults.seen
            if s.headers.get("user-agent", "").startswith("podterm/")]
    basic = "Basic " + base64.b64encode(f"{account.user}:{PASSWORD}".encode()).decode()
    assert all(s.headers.get("authorization") == basic for s in ours)  # Basic on each one
    after_login = [s for s in ours if not s.path.endswith("/login.json")]
    assert after_login and all("sessionid=" in s.headers.get("cookie", "") for s in after_login)
    uploads = [a for s in ours if s.method == "POST" and "/episodes/" in s.path for a in s.json()]
    assert uploads and all(len(a["timestamp"]) == 19 and a["action"].islower() for a in uploads)
    assert all(a.get("guid") for a in uploads)


def test_offline_edits_on_both_sides_resolve_by_the_newest(account, server, monkeypatch):
    urls = feeds_served(server, "Offline")
    laptop, desk, phone = account.make("laptop"), account.make("desk"), account.phone()
    laptop.subscribe(urls["Offline"])
    clean(laptop.sync())
    link(desk, "podterm-laptop")
    clean(desk.sync())
    base = int(time.time()) - 3600
    times = {"now": base}
    monkeypatch.setattr(outbox, "clock", lambda: times["now"])
    # Offline on both machines; the phone uploaded in between.
    save_position(laptop.conn, laptop.episode("Offline-2").id, 100)        # base
    times["now"] = base + 20
    set_played(desk.conn, desk.episode("Offline-2").id, True)              # newest
    save_position(desk.conn, desk.episode("Offline-1").id, 700)            # older than the phone
    times["now"] = base + 30
    set_played(laptop.conn, laptop.episode("Offline-0").id, True)          # a tie with the desk:
    save_position(desk.conn, desk.episode("Offline-0").id, 50)             # played beats 50 s
    one = laptop.episode("Offline-1")
    phone.upload([phone.play(urls["Offline"], one.enclosure_url, "Offline-1", 900,
                             one.duration_s, base + 25)])
    for library in (laptop, desk, laptop, desk):
        clean(library.sync())
    expected = {"Offline-2": (True, 0), "Offline-1": (False, 900), "Offline-0": (True, 0)}
    assert laptop.listening() == desk.listening() == expected
    # Equal timestamps do not flip anything back on later syncs.
    again = [library.sync() for library in (laptop, desk)]
    assert [r.episodes_applied for r in again] == [0, 0]
    assert laptop.listening() == desk.listening() == expected


def test_an_action_uploaded_late_arrives_with_the_full_reread(account, server):
    urls = feeds_served(server, "Late")
    laptop, phone = account.make("laptop"), account.phone()
    laptop.subscribe(urls["Late"])
    clean(laptop.sync())
    save_position(laptop.conn, laptop.episode("Late-2").id, 5)  # now: the server's since
    clean(laptop.sync())
    late = laptop.episode("Late-1")
    phone.upload([phone.play(urls["Late"], late.enclosure_url, "Late-1", 640, late.duration_s,
                             int(time.time()) - 3 * 86400)])  # made offline days ago
    report = laptop.sync()
    assert report.episodes_applied == 0 and laptop.episode("Late-1").position_s == 0
    reports = [laptop.sync() for _ in range(10)]
    assert [r.full_reread for r in reports].count(True) == 1
    assert laptop.episode("Late-1").position_s == 640


def test_a_server_failing_midway_loses_nothing(account, server):
    urls = feeds_served(server, "Fragile", "Extra")
    laptop, desk, phone = account.make("laptop"), account.make("desk"), account.phone()
    laptop.subscribe(urls["Fragile"])
    clean(laptop.sync())
    clean(desk.sync())
    link(laptop, "podterm-desk", "antennapod-phone")
    faults = account.server.faults
    laptop.subscribe(urls["Extra"])
    save_position(laptop.conn, laptop.episode("Fragile-1").id, 222)
    set_played(laptop.conn, laptop.episode("Fragile-2").id, True)
    # The episode upload fails on every attempt, as a proxy whose backend died says.
    faults.fail("POST", "/api/2/episodes/", status=502, times=3)
    report = laptop.sync()
    assert report.errors == [f"the sync server failed: HTTP 502 for /api/2/episodes/"
                             f"{account.user}.json"]
    assert status(laptop.conn, laptop.settings).last_error == report.errors[0]
    assert report.subscriptions_uploaded == 1 and report.episodes_uploaded == 0
    assert laptop.outbox() == 2 and laptop.sleeps == [1.0, 2.0]
    assert report.retry_at is not None and report.retry_at > time.time()
    # Next time the server takes them, but its answer is lost: they stay and go again.
    faults.fail("POST", "/api/2/episodes/", status=500, after=True, times=3)
    assert laptop.sync().errors and laptop.outbox() == 2
    clean(laptop.sync())
    assert laptop.outbox() == 0
    after = status(laptop.conn, laptop.settings)
    assert after.last_error is None and after.last_success_at == pytest.approx(time.time(), abs=60)
    clean(desk.sync())
    assert desk.listening()["Fragile-1"] == (False, 222)
    assert desk.listening()["Fragile-2"] == (True, 0)
    assert phone.subscriptions() == {urls["Fragile"], urls["Extra"]}


def test_retry_after_is_honoured_within_a_sync_and_across_syncs(account, server):
    urls = feeds_served(server, "Busy")
    laptop = account.make("laptop")
    laptop.subscribe(urls["Busy"])
    faults = account.server.faults
    faults.fail("GET", "/api/2/episodes/", status=503, retry_after="7")
    clean(laptop.sync())
    assert laptop.sleeps == [7.0]
    faults.fail("GET", "/api/2/subscriptions/", status=429, retry_after="3600")
    save_position(laptop.conn, laptop.episode("Busy-1").id, 12)
    report = laptop.sync()
    assert report.retry_at == pytest.approx(time.time() + 3600, abs=60)
    assert "wait 3600 s" in report.errors[0] and laptop.outbox() == 1
    asked = len(faults.seen)
    refused = laptop.sync()
    assert len(faults.seen) == asked and "asked us to wait until" in refused.errors[0]
    assert laptop.outbox() == 1


def test_a_killed_server_loses_nothing(tmp_path, server):
    feed = feeds_served(server, "Killed")["Killed"]
    with GpodderServer(tmp_path / "killed.sqlite3") as gpodder:
        gpodder.register("kim", PASSWORD)
        laptop = Library(tmp_path / "laptop.sqlite3", gpodder.url, "kim", PASSWORD, "podterm-a")
        desk = Library(tmp_path / "desk.sqlite3", gpodder.url, "kim", PASSWORD, "podterm-b")
        laptop.subscribe(feed)
        clean(laptop.sync())
        port = gpodder.port
    save_position(laptop.conn, laptop.episode("Killed-0").id, 77)
    down = laptop.sync()
    assert "connection refused" in down.errors[0] and laptop.outbox() == 1
    with GpodderServer(tmp_path / "killed.sqlite3", port) as gpodder:
        clean(laptop.sync())
        assert laptop.outbox() == 0
        link(desk, "podterm-a")
        clean(desk.sync())
        assert desk.listening()["Killed-0"] == (False, 77)
    laptop.close()
    desk.close()


def test_removals_ask_first_and_never_go_silently(account, server):
    urls = feeds_served(server, "Kept", "Gone", "Back")
    laptop, desk = account.make("laptop"), account.make("desk")
    for url in urls.values():
        laptop.subscribe(url)
    clean(laptop.sync())
    link(desk, "podterm-laptop")  # as `podterm sync login` on the desk offers
    clean(desk.sync())
    set_played(desk.conn, desk.episode("Gone-1").id, True)
    clean(desk.sync())
    for title in ("Gone", "Back"):
        remove_feed(laptop.conn, laptop.episode(f"{title}-0").feed_id)
    clean(laptop.sync())

    asked = []
    held = desk.sync()  # nobody to ask: both stay, and say so
    assert held.errors == [] and len(held.held) == 2 and desk.feeds() == set(urls.values())
    assert "Gone was unsubscribed on another device" in " ".join(held.held)
    assert "1 played" in " ".join(held.held)
    assert len(desk.sync().held) == 2  # still waiting for an answer

    def decide(question):
        asked.append(question)
        return question.title == "Gone"  # remove Gone here; keep Back everywhere

    report = desk.sync(decide_removal=decide)
    assert sorted(q.title for q in asked) == ["Back", "Gone"]
    assert report.subscriptions_removed == 1 and report.removed == ["Gone"]
    assert desk.feeds() == {urls["Kept"], urls["Back"]}
    assert desk.sync().held == []
    clean(laptop.sync())
    assert laptop.feeds() == {urls["Kept"], urls["Back"]}


def test_update_urls_rewrite_the_address_and_nothing_is_subscribed_twice(account, server):
    # mygpo's rules (which the server follows) encode "/" in a query; podterm keeps it.
    server.add("/shows/cafe.xml", rss(show("Cafe", 2)), "application/rss+xml")
    spelled = server.url("/shows/cafe.xml?from=a/b")
    server_spelling = server.url("/shows/cafe.xml?from=a%2Fb")
    laptop, desk = account.make("laptop"), account.make("desk")
    laptop.subscribe(spelled)
    clean(laptop.sync())
    assert laptop.feeds() == {server_spelling}
    feed_id = laptop.episode("Cafe-0").feed_id
    assert "sync server spells" in feed_events(laptop.conn, feed_id)[-1]["message"]
    link(desk, "podterm-laptop")
    clean(desk.sync())
    clean(laptop.sync())
    assert laptop.feeds() == desk.feeds() == {server_spelling}
    assert len(list_episodes(desk.conn)) == 2


def test_a_migration_is_sent_as_remove_and_add_and_positions_follow_by_guid(account, server):
    old = server.add("/old.xml", rss(show("Moving", 3, "https://old-cdn.example.org")),
                     "application/rss+xml")
    new_body = rss(show("Moving", 3, "https://new-cdn.example.net"))
    new = server.add("/new.xml", new_body, "application/rss+xml")
    laptop, desk, phone = account.make("laptop"), account.make("desk"), account.phone()
    laptop.subscribe(old)
    clean(laptop.sync())
    clean(desk.sync())
    link(laptop, "podterm-desk", "antennapod-phone")
    clean(desk.sync())
    save_position(laptop.conn, laptop.episode("Moving-1").id, 567)
    old_enclosure = laptop.episode("Moving-2").enclosure_url
    migrate_feed(laptop.conn, laptop.episode("Moving-0").feed_id, new, parse_feed(new_body),
                 "the old host closed")
    clean(laptop.sync())
    assert phone.subscriptions() == {new}
    report = desk.sync(decide_removal=lambda question: True)
    clean(report)
    assert desk.feeds() == {new} and report.removed == ["Moving"]
    assert desk.listening()["Moving-1"] == (False, 567)
    assert desk.episode("Moving-1").enclosure_url.startswith("https://new-cdn.example.net/")
    # An old phone app, still on the old feed, sends no guid: the old address finds it.
    phone.upload([phone.play(old, old_enclosure, None, 10**6, 10**6, int(time.time()))])
    clean(laptop.sync())
    assert laptop.listening()["Moving-2"] == (True, 0)


def test_actions_for_episodes_not_fetched_yet_wait_for_them(account, server):
    channel = show("Soon", 2)
    url = server.add("/soon.xml", rss(channel), "application/rss+xml")
    laptop, phone = account.make("laptop"), account.phone()
    laptop.subscribe(url)
    clean(laptop.sync())
    future = Item("Soon #9", guid="Soon-9", enclosure="https://cdn.example.org/soon-9.mp3",
                  duration="1:00:00")
    phone.upload([phone.play(url, future.enclosure, "Soon-9", 1500, 3600, int(time.time()))])
    report = laptop.sync()
    clean(report)
    assert report.episodes_pending == 1 and report.episodes_applied == 0
    channel.items.insert(0, future)
    server.add("/soon.xml", rss(channel), "application/rss+xml")
    laptop.refresh_all()
    assert laptop.listening()["Soon-9"] == (False, 1500)
    assert laptop.sync().episodes_pending == 0


def test_first_sync_merges_both_sides_and_removes_nothing(account, server):
    urls = feeds_served(server, "Mine", "Theirs")
    laptop, phone = account.make("laptop"), account.phone()
    laptop.subscribe(urls["Mine"])
    set_played(laptop.conn, laptop.episode("Mine-1").id, True)
    # Listened to before this podterm had sync: no outbox row, no time.
    laptop.conn.execute("UPDATE episodes SET position_s = 99 WHERE guid = 'Mine-0'")
    phone.subscribe(add=[urls["Theirs"]])
    phone.subscribe(remove=[urls["Mine"]])  # an old removal on the phone
    link(laptop, "antennapod-phone")
    report = laptop.sync()
    clean(report)
    assert laptop.feeds() == set(urls.values()) and report.subscriptions_added == 1
    assert report.subscriptions_uploaded == 1 and report.episodes_uploaded == 2
    by_guid = {a["guid"]: a for a in phone.actions()}
    assert set(by_guid) == {"Mine-1", "Mine-0"} and by_guid["Mine-0"]["position"] == 99
    assert phone.subscriptions() == set(urls.values())
