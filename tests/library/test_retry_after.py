"""A server that asks podterm to wait: only that address waits, and waiting is no failure."""

from __future__ import annotations

import time

from library.archive import ArchiveRule
from library.feeds import add_feed, get_feed
from library.isolated import refresh_isolated
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from tests.feedgen import rss, show
from tui.demo.server import Reply

SETTINGS = RefreshSettings(concurrency=1, per_host=1, timeout_s=5, max_feed_mb=1)
# Archive at the first failure: a skipped check counted as one would archive at once.
IMPATIENT = ArchiveRule(failures=1, days=0)


def busy_host(server):
    """One host: /busy.xml asks to wait an hour, /a.xml and /b.xml answer."""
    busy = server.route("/busy.xml", lambda req: Reply(429, b"", {"Retry-After": "3600"}))
    a = server.add("/a.xml", rss(show("A", 2)), "text/xml")
    b = server.add("/b.xml", rss(show("B", 3)), "text/xml")
    return busy, a, b


def test_one_feed_asked_to_wait_does_not_touch_the_others_on_its_host(server, db):
    path, conn = db
    busy, a, b = busy_host(server)
    ids = [add_feed(conn, url)[0] for url in (busy, a, b)]
    outcomes = refresh(path, ids, SETTINGS, rule=IMPATIENT)
    assert [o.outcome for o in outcomes] == ["skipped", "updated", "updated"]
    assert [o.new_episodes for o in outcomes[1:]] == [2, 3]
    assert "asked podterm to wait until" in outcomes[0].error
    assert server.hits["/busy.xml"] == 1 and server.hits["/a.xml"] == 1
    busy_feed = get_feed(conn, ids[0])
    assert busy_feed.status == "active" and busy_feed.consecutive_failures == 0
    assert busy_feed.last_error is None


def test_the_wait_is_remembered_by_the_next_run_of_either_kind(server, db):
    path, conn = db
    busy, a, b = busy_host(server)
    ids = [add_feed(conn, url)[0] for url in (busy, a, b)]
    refresh(path, ids, SETTINGS, rule=IMPATIENT)
    # The next run, as the command line makes it, then as the player makes it.
    again = refresh(path, ids, SETTINGS, rule=IMPATIENT)
    isolated = refresh_isolated(path, ids, SETTINGS, rule=IMPATIENT)
    for outcomes in (again, isolated):
        assert [o.outcome for o in outcomes] == ["skipped", "not_modified", "not_modified"]
    assert server.hits["/busy.xml"] == 1  # not asked again before the hour is up
    assert server.hits["/a.xml"] == 3 and server.hits["/b.xml"] == 3
    busy_feed = get_feed(conn, ids[0])
    assert busy_feed.status == "active" and busy_feed.consecutive_failures == 0


def test_after_the_wait_the_address_is_asked_again(server, db):
    path, conn = db
    answers = iter([Reply(503, b"", {"Retry-After": "600"})])
    body = rss(show("Later", 1))
    url = server.route("/feed.xml", lambda req: next(answers, Reply(200, body)))
    feed_id = add_feed(conn, url)[0]
    assert refresh(path, [feed_id], SETTINGS)[0].outcome == "skipped"
    assert refresh(path, [feed_id], SETTINGS)[0].outcome == "skipped"
    later = refresh(path, [feed_id], SETTINGS, clock=lambda: time.time() + 601)
    assert later[0].outcome == "updated" and server.hits["/feed.xml"] == 2
