"""The feed fetcher's own HTTP/1.1 client (library/http11.py) against a raw server on
127.0.0.1 that sends right and wrong answers byte by byte (tests/rawhttp.py)."""

from __future__ import annotations

import pytest

from library.episodes import list_episodes
from library.feeds import add_feed
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from tests.feedgen import rss, show
from tests.rawhttp import CLOSE, CLOSE_ON_NEXT, RawServer, chunked, ok

ONE_AT_A_TIME = RefreshSettings(concurrency=1, per_host=1, timeout_s=5, max_feed_mb=1)


@pytest.fixture
def raw():
    with RawServer() as server:
        yield server


def subscribe(conn, raw: RawServer, *paths: str) -> list[int]:
    return [add_feed(conn, raw.url(path))[0] for path in paths]


def test_a_chunked_feed_with_trailers_is_read_whole(raw, db):
    path, conn = db
    raw.answers["/feed.xml"] = [chunked(rss(show("Chunked", 30)), size=700)]
    [feed_id] = subscribe(conn, raw, "/feed.xml")
    [outcome] = refresh(path, [feed_id], ONE_AT_A_TIME)
    assert (outcome.outcome, outcome.new_episodes) == ("updated", 30), outcome.error
    assert len(list_episodes(conn, feed_id)) == 30
    port = raw.url("").rsplit(":", 1)[1]
    request = raw.heads[0].decode("ascii").split("\r\n")
    assert request[0] == "GET /feed.xml HTTP/1.1"
    assert f"Host: 127.0.0.1:{port}" in request  # the port, as it is not the default
    assert "Accept-Encoding: gzip, deflate" in request


def test_feeds_on_one_host_share_one_kept_alive_connection(raw, db):
    path, conn = db
    for n in range(4):
        raw.answers[f"/f{n}.xml"] = [chunked(rss(show(f"Show {n}", 2)))] if n % 2 else \
            [ok(rss(show(f"Show {n}", 2)))]
    ids = subscribe(conn, raw, *(f"/f{n}.xml" for n in range(4)))
    outcomes = refresh(path, ids, ONE_AT_A_TIME)
    assert [o.outcome for o in outcomes] == ["updated"] * 4
    assert raw.connections == 1


def test_a_redirect_on_the_same_host_reuses_the_connection(raw, db):
    path, conn = db
    page = b"<html>Moved</html>"
    raw.answers["/old.xml"] = [b"HTTP/1.1 301 Moved Permanently\r\nLocation: /new.xml\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(page) + page]
    raw.answers["/new.xml"] = [ok(rss(show("Moved", 1)))]
    [outcome] = refresh(path, subscribe(conn, raw, "/old.xml"), ONE_AT_A_TIME)
    assert (outcome.outcome, outcome.moved_to) == ("updated", raw.url("/new.xml"))
    assert raw.connections == 1


def test_connection_close_is_honoured(raw, db):
    """The server says it closes: the next feed asks on a new connection (the old one
    would never answer)."""
    path, conn = db
    raw.answers["/a.xml"] = [ok(rss(show("A", 1)), "Connection: close")]
    raw.answers["/b.xml"] = [ok(rss(show("B", 1)))]
    outcomes = refresh(path, subscribe(conn, raw, "/a.xml", "/b.xml"), ONE_AT_A_TIME)
    assert [o.outcome for o in outcomes] == ["updated", "updated"]
    assert raw.connections == 2


def test_a_kept_alive_connection_the_server_closed_is_replaced(raw, db):
    """The server keeps the connection after the first feed, then closes it when the
    second request comes (an idle timeout racing the request): the request is sent again
    on a new connection, and the second feed is fine."""
    path, conn = db
    raw.answers["/a.xml"] = [ok(rss(show("A", 1))), CLOSE_ON_NEXT]
    raw.answers["/b.xml"] = [ok(rss(show("B", 1)))]
    outcomes = refresh(path, subscribe(conn, raw, "/a.xml", "/b.xml"), ONE_AT_A_TIME)
    assert [o.outcome for o in outcomes] == ["updated", "updated"], outcomes[1].error
    assert raw.connections == 2
    assert raw.requests == ["/a.xml", "/b.xml", "/b.xml"]


def test_a_fresh_connection_closed_without_an_answer_is_a_failure_not_a_retry(raw, db):
    path, conn = db
    raw.answers["/feed.xml"] = [CLOSE]
    [outcome] = refresh(path, subscribe(conn, raw, "/feed.xml"), ONE_AT_A_TIME)
    assert (outcome.outcome, outcome.error_kind) == ("failed", "network")
    assert outcome.error.startswith("the server closed the connection: no answer")
    assert raw.requests == ["/feed.xml"]


BIG_HEADERS = b"HTTP/1.1 200 OK\r\n" + b"".join(
    f"X-Filler-{n}: {'x' * 2000}\r\n".encode() for n in range(40)) + b"\r\n"
MANY_HEADERS = b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 150 + b"\r\n"


@pytest.mark.parametrize("answer, reason", [
    ([b"SPDY/9 200 Fine\r\n\r\n", CLOSE],
     "the server's answer is not valid HTTP: the status line is not HTTP/1.x"),
    ([b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n"],
     "the server's answer is not valid HTTP: malformed status line"),
    ([BIG_HEADERS, CLOSE], "the server's answer is not valid HTTP: headers too large (over 64 KB)"),
    ([MANY_HEADERS, CLOSE], "the server's answer is not valid HTTP: too many headers (over 100)"),
    ([b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"<rss>" * 2, CLOSE],
     "the server closed the connection: the body ended after 10 of the 1000 bytes announced "
     "(Content-Length)"),
    ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n<rss>\r\n0\r\n\r\n"],
     "the server's answer is not valid HTTP: invalid chunk size in the chunked body"),
    ([b"HTTP/1.1 200 OK\r\nX-Evil: a\r\n \x1b[2Jfolded\r\nContent-Length: 0\r\n\r\n"],
     "the server's answer is not valid HTTP: folded header line (obsolete line folding)"),
    ([b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n<rss>"],
     "the server's answer is not valid HTTP: invalid Content-Length"),
])
def test_a_malformed_answer_fails_that_feed_with_a_reason(raw, db, answer, reason):
    path, conn = db
    raw.answers["/bad.xml"] = answer
    raw.answers["/good.xml"] = [ok(rss(show("Good", 2)))]
    ids = subscribe(conn, raw, "/bad.xml", "/good.xml")
    bad, good = refresh(path, ids, RefreshSettings(concurrency=2, per_host=2, timeout_s=5,
                                                   max_feed_mb=1))
    assert (bad.outcome, bad.error_kind, bad.error) == ("failed", "network", reason)
    assert (good.outcome, good.new_episodes) == ("updated", 2)


def test_the_size_cap_stops_a_chunked_body_without_a_length(raw, db):
    path, conn = db
    endless = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"] + \
        [b"10000\r\n" + b"<!-- padding -->" * 4096 + b"\r\n"] * 40 + [b"0\r\n\r\n"]
    raw.answers["/big.xml"] = endless
    [outcome] = refresh(path, subscribe(conn, raw, "/big.xml"), ONE_AT_A_TIME)
    assert (outcome.outcome, outcome.error_kind) == ("failed", "too_large")
    assert outcome.error == "too large: over 1 MB"


def test_a_body_read_to_the_end_of_the_connection(raw, db):
    """HTTP/1.0 style: no length, the server closes when done; the next feed gets a new
    connection."""
    path, conn = db
    raw.answers["/a.xml"] = [b"HTTP/1.0 200 OK\r\n\r\n" + rss(show("Old server", 3)), CLOSE]
    raw.answers["/b.xml"] = [ok(rss(show("B", 1)))]
    a, b = refresh(path, subscribe(conn, raw, "/a.xml", "/b.xml"), ONE_AT_A_TIME)
    assert (a.outcome, a.new_episodes, b.outcome) == ("updated", 3, "updated")
    assert raw.connections == 2


def test_informational_answers_are_skipped(raw, db):
    path, conn = db
    raw.answers["/feed.xml"] = [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                                b"Link: </x>\r\n\r\n" + ok(rss(show("Hinted", 1)))]
    [outcome] = refresh(path, subscribe(conn, raw, "/feed.xml"), ONE_AT_A_TIME)
    assert outcome.outcome == "updated", outcome.error
