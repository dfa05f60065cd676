"""Refreshing real feeds served on 127.0.0.1 into a real SQLite file."""

from __future__ import annotations

import gzip
import zlib
import threading
import time

import pytest

from library.episodes import list_episodes, save_position, set_played
from library.feeds import add_feed, feed_events, get_feed
from library.isolated import refresh_isolated
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from tests.feedgen import Channel, Item, rss, show
from tui.demo.server import Reply

FAST = RefreshSettings(concurrency=8, per_host=2, timeout_s=5, max_feed_mb=1)


def subscribe(conn, url: str) -> int:
    return add_feed(conn, url)[0]


def test_first_refresh_stores_episodes_with_durations(server, db):
    path, conn = db
    url = server.add("/feed.xml", rss(show("Nonlinear", 3)), "application/rss+xml")
    feed_id = subscribe(conn, url)
    [outcome] = refresh(path, [feed_id], FAST)
    assert (outcome.outcome, outcome.new_episodes) == ("updated", 3)
    episodes = list_episodes(conn, feed_id)
    assert [e.title for e in episodes][0] == "Nonlinear #2: a conversation about things"
    assert all(e.duration_s and e.duration.count(":") >= 1 for e in episodes)
    feed = get_feed(conn, feed_id)
    assert feed.title == "Nonlinear" and feed.author == "Some Author"
    assert feed.episode_count == 3 and feed.last_success_at is not None


def test_conditional_get_sends_validators_and_skips_work(server, db):
    path, conn = db
    url = server.add("/feed.xml", rss(show("Cond", 2)), "application/rss+xml")
    feed_id = subscribe(conn, url)
    refresh(path, [feed_id], FAST)
    [again] = refresh(path, [feed_id], FAST)
    assert again.outcome == "not_modified"
    second = server.requests[-1]
    assert second.headers.get("if-none-match", "").startswith('"')
    assert "if-modified-since" in second.headers
    assert second.headers["user-agent"].startswith("podterm/")


def test_identical_body_without_validators_is_not_parsed_again(server, db):
    path, conn = db
    body = rss(show("NoValidators", 2))
    url = server.route("/feed.xml", lambda req: Reply(200, body, {"Content-Type": "text/xml"}))
    feed_id = subscribe(conn, url)
    assert refresh(path, [feed_id], FAST)[0].outcome == "updated"
    assert refresh(path, [feed_id], FAST)[0].outcome == "not_modified"


def test_gzip_bodies_are_decoded(server, db):
    path, conn = db
    body = rss(show("Zipped", 4))
    url = server.route("/feed.xml", lambda req: Reply(
        200, gzip.compress(body), {"Content-Encoding": "gzip", "Content-Type": "text/xml"}))
    feed_id = subscribe(conn, url)
    assert refresh(path, [feed_id], FAST)[0].new_episodes == 4
    assert "gzip" in server.requests[-1].headers["accept-encoding"]


def test_a_gzip_bomb_stops_at_the_cap_on_decoded_bytes(server, db):
    path, conn = db
    bomb = gzip.compress(b"<rss>" + b" " * (3 * 1024 * 1024))  # 3 MB that zip to 3 KB
    url = server.route("/feed.xml", lambda req: Reply(
        200, bomb, {"Content-Encoding": "gzip", "Content-Type": "text/xml"}))
    [outcome] = refresh(path, [subscribe(conn, url)], FAST)
    assert outcome.error_kind == "too_large" and "over 1 MB" in outcome.error


def test_a_body_that_is_not_what_its_encoding_says_is_a_network_error(server, db):
    path, conn = db
    url = server.route("/feed.xml", lambda req: Reply(
        200, b"this is not gzip", {"Content-Encoding": "gzip", "Content-Type": "text/xml"}))
    [outcome] = refresh(path, [subscribe(conn, url)], FAST)
    assert outcome.error_kind == "network" and "decompressing" in outcome.error


def test_deflate_raw_or_wrapped_and_identical_compressed_bodies_are_not_parsed_again(
        server, db):
    path, conn = db
    body = rss(show("Deflated", 3))
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    bodies = [zlib.compress(body), raw.compress(body) + raw.flush()]
    url = server.route("/feed.xml", lambda req: Reply(
        200, bodies.pop(0) if len(bodies) > 1 else bodies[0],
        {"Content-Encoding": "deflate", "Content-Type": "text/xml"}))
    feed_id = subscribe(conn, url)
    assert refresh(path, [feed_id], FAST)[0].new_episodes == 3
    # The same document, compressed differently: decoded, found the same, not stored anew.
    assert refresh(path, [feed_id], FAST)[0].outcome == "not_modified"


def test_refresh_keeps_played_state_and_positions_and_never_duplicates(server, db):
    path, conn = db
    url = server.add("/feed.xml", rss(show("Keep", 3)), "application/rss+xml")
    feed_id = subscribe(conn, url)
    refresh(path, [feed_id], FAST)
    newest, middle, _ = list_episodes(conn, feed_id)
    set_played(conn, newest.id, True)
    save_position(conn, middle.id, 123.0)
    channel = show("Keep", 4)  # one new episode, and a changed title on an old one
    channel.items[-1].title = "Renamed by the host"
    server.add("/feed.xml", rss(channel), "application/rss+xml")
    [outcome] = refresh(path, [feed_id], FAST)
    assert outcome.new_episodes == 1
    episodes = {e.guid: e for e in list_episodes(conn, feed_id)}
    assert len(episodes) == 4
    assert episodes[newest.guid].played and episodes[middle.guid].position_s == 123.0
    assert episodes["Keep-0"].title == "Renamed by the host"


def test_episode_identity_falls_back_to_enclosure_link_then_title_and_date(server, db):
    path, conn = db
    items = [Item("By enclosure", enclosure="https://cdn.example.org/a.mp3"),
             Item("By link", link="https://example.org/b"),
             Item("By title and date")]
    url = server.add("/feed.xml", rss(Channel("NoGuids", items)), "application/rss+xml")
    feed_id = subscribe(conn, url)
    refresh(path, [feed_id], FAST)
    items[0].notes_html = "<p>changed</p>"  # body differs, identities do not
    server.add("/feed.xml", rss(Channel("NoGuids", items)), "application/rss+xml")
    assert refresh(path, [feed_id], FAST)[0].new_episodes == 0
    assert len(list_episodes(conn, feed_id)) == 3


def test_permanent_redirect_moves_the_subscription_and_is_recorded(server, db):
    path, conn = db
    new_url = server.add("/new.xml", rss(show("Moved", 2)), "application/rss+xml")
    old_url = server.route("/old.xml", lambda req: Reply(301, b"", {"Location": "/new.xml"}))
    feed_id = subscribe(conn, old_url)
    [outcome] = refresh(path, [feed_id], FAST)
    assert outcome.outcome == "updated" and outcome.moved_to == new_url
    assert get_feed(conn, feed_id).url == new_url
    [event] = feed_events(conn, feed_id)
    assert old_url in event["message"] and new_url in event["message"]


def test_temporary_redirect_keeps_the_stored_url(server, db):
    path, conn = db
    server.add("/real.xml", rss(show("Temp", 1)), "application/rss+xml")
    url = server.route("/feed.xml", lambda req: Reply(302, b"", {"Location": "/real.xml"}))
    feed_id = subscribe(conn, url)
    assert refresh(path, [feed_id], FAST)[0].outcome == "updated"
    assert get_feed(conn, feed_id).url == url


def test_redirect_loops_stop_after_five(server, db):
    path, conn = db
    url = server.route("/loop", lambda req: Reply(302, b"", {"Location": "/loop"}))
    [outcome] = refresh(path, [subscribe(conn, url)], FAST)
    assert outcome.outcome == "failed" and "redirects" in outcome.error
    assert server.hits["/loop"] == 6


def test_redirect_to_a_local_file_is_refused(server, db):
    path, conn = db
    url = server.route("/evil", lambda req: Reply(301, b"", {"Location": "file:///etc/passwd"}))
    [outcome] = refresh(path, [subscribe(conn, url)], FAST)
    assert outcome.outcome == "failed" and "only http and https" in outcome.error


@pytest.mark.parametrize("status, kind, text", [
    (404, "http", "HTTP 404 Not Found"),
    (500, "http", "HTTP 500 Internal Server Error"),
    (410, "gone", "HTTP 410 Gone"),
])
def test_http_errors_are_reported_and_counted(server, db, status, kind, text):
    path, conn = db
    url = server.route("/feed.xml", lambda req: Reply(status, b"nope"))
    feed_id = subscribe(conn, url)
    for expected_streak in (1, 2):
        [outcome] = refresh(path, [feed_id], FAST)
        assert (outcome.outcome, outcome.error_kind, outcome.error) == ("failed", kind, text)
        feed = get_feed(conn, feed_id)
        assert feed.consecutive_failures == expected_streak
        assert feed.last_http_status == status and feed.last_error == text


def test_html_page_is_not_a_feed(server, db):
    path, conn = db
    url = server.add("/feed.xml", b"<!DOCTYPE html><html><body>Moved!</body></html>", "text/html")
    [outcome] = refresh(path, [subscribe(conn, url)], FAST)
    assert outcome.error_kind == "not_a_feed" and "HTML page" in outcome.error


def test_malformed_xml_is_reported(server, db):
    path, conn = db
    url = server.add("/feed.xml", b"<?xml version='1.0'?><rss><channel><title>x</ti></channel>"
                                  b"</rss>", "text/xml")
    [outcome] = refresh(path, [subscribe(conn, url)], FAST)
    assert outcome.error_kind == "malformed" and outcome.error.startswith("malformed XML: ")


def test_oversized_feed_is_cut_off(server, db):
    path, conn = db
    big = rss(show("Huge", 1500))  # about 1.6 MB, over the 1 MB cap of FAST
    url = server.route("/feed.xml", lambda req: Reply(200, big))
    [outcome] = refresh(path, [subscribe(conn, url)], FAST)
    assert outcome.error_kind == "too_large" and "over 1 MB" in outcome.error


def test_slow_server_times_out(server, db):
    path, conn = db

    def slow(req):
        time.sleep(3)
        return Reply(200, rss(show("Slow", 1)))

    url = server.route("/slow.xml", slow)
    settings = RefreshSettings(concurrency=4, per_host=2, timeout_s=1, max_feed_mb=1)
    [outcome] = refresh(path, [subscribe(conn, url)], settings)
    assert outcome.error_kind == "timeout" and "timed out" in outcome.error


def test_refused_and_dns_failures_have_specific_reasons(server, db):
    path, conn = db
    refused = subscribe(conn, "http://127.0.0.1:9/feed.xml")
    unresolvable = subscribe(conn, "http://podterm-test.invalid/feed.xml")
    good = subscribe(conn, server.add("/ok.xml", rss(show("Fine", 1)), "text/xml"))
    outcomes = {o.feed_id: o for o in refresh(path, [refused, unresolvable, good], FAST)}
    assert outcomes[refused].error_kind == "refused"
    assert outcomes[unresolvable].error_kind == "dns"
    assert outcomes[good].outcome == "updated"  # one bad feed never stops the others


def test_short_retry_after_is_waited_out_and_retried(server, db):
    path, conn = db
    answers = iter([Reply(503, b"", {"Retry-After": "1"})])
    body = rss(show("Patient", 1))
    url = server.route("/feed.xml", lambda req: next(answers, Reply(200, body)))
    [outcome] = refresh(path, [subscribe(conn, url)], FAST)
    assert outcome.outcome == "updated" and server.hits["/feed.xml"] == 2


def test_refresh_reports_progress_for_every_feed(server, db):
    path, conn = db
    ids = [subscribe(conn, server.add(f"/f{n}.xml", rss(show(f"S{n}", 2)), "text/xml"))
           for n in range(6)]
    seen = []
    refresh(path, ids, FAST, lambda outcome, done, total: seen.append((done, total)))
    assert seen == [(n, 6) for n in range(1, 7)]


def test_isolated_refresh_reports_progress_and_stores_like_refresh(server, db):
    path, conn = db
    ids = [subscribe(conn, server.add(f"/i{n}.xml", rss(show(f"Iso{n}", 3)), "text/xml"))
           for n in range(3)]
    ids.append(subscribe(conn, server.url("/missing.xml")))
    seen = []
    outcomes = refresh_isolated(path, ids, FAST, lambda o, done, total: seen.append(done))
    assert [o.outcome for o in outcomes] == ["updated"] * 3 + ["failed"]
    assert sorted(seen) == [1, 2, 3, 4]
    assert len(list_episodes(conn)) == 9


def test_isolated_refresh_can_be_stopped(server, db):
    path, conn = db
    stop = threading.Event()

    def hang(req):
        stop.set()  # the refresh has reached the server: ask it to stop
        time.sleep(3)
        return Reply(200, rss(show("Never", 1)))

    feed_id = subscribe(conn, server.route("/hang.xml", hang))
    assert refresh_isolated(path, [feed_id], FAST, stop=stop) == []
    assert list_episodes(conn, feed_id) == []


def test_tls_failures_are_named(server, db):
    path, conn = db
    server.add("/feed.xml", rss(show("Plain", 1)), "text/xml")
    https_url = server.url("/feed.xml").replace("http://", "https://")  # no TLS there
    [outcome] = refresh(path, [subscribe(conn, https_url)], FAST)
    assert outcome.error_kind == "tls" and outcome.error.startswith("secure connection failed")


def test_the_download_client_finds_its_event_loop_helper_installed(server):
    """httpcore (downloads and searches; feeds use library/http11.py) looks sniffio up on
    every request; missing, the import is retried each time."""
    import subprocess
    import sys

    url = server.add("/episode.mp3", b"ID3" + bytes(500), "audio/mpeg")
    code = ("import asyncio, sys\n"
            "from library.download_fetch import make_download_client\n"
            "async def main():\n"
            "    async with make_download_client(5.0, 1) as client:\n"
            "        assert (await client.pick(False).get(sys.argv[1])).status_code == 200\n"
            "asyncio.run(main())\n"
            "print('sniffio' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_not_modified_answers_keep_the_connection_for_the_next_feed(db):
    """A warm refresh (everything 304) must not open a connection per feed."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = rss(show("Kept", 1))
    accepted = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("ETag", '"v1"')
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self):
            accepted.append(1)
            return super().get_request()

    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        path, conn = db
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        ids = [subscribe(conn, f"{base}/f{n}.xml") for n in range(4)]
        one_at_a_time = RefreshSettings(concurrency=1, per_host=1, timeout_s=5, max_feed_mb=1)
        assert {o.outcome for o in refresh(path, ids, one_at_a_time)} == {"updated"}
        accepted.clear()
        assert {o.outcome for o in refresh(path, ids, one_at_a_time)} == {"not_modified"}
        assert len(accepted) == 1
        checks = conn.execute("SELECT feed_id, count(*) FROM feed_checks WHERE ok "
                              "GROUP BY feed_id").fetchall()
        assert sorted(tuple(row) for row in checks) == [(i, 2) for i in ids]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_a_refresh_puts_the_collectors_setting_back(server, db):
    """A refresh makes the garbage collector look at new objects less often, for the
    whole process: the program's own setting is back when it ends, even after a failure."""
    import gc

    path, conn = db
    url = server.add("/feed.xml", rss(show("Collected", 2)), "application/rss+xml")
    feed_id = subscribe(conn, url)
    before = gc.get_threshold()
    during = []
    refresh(path, [feed_id], FAST, lambda *_: during.append(gc.get_threshold()))
    assert during[0][0] > before[0] and gc.get_threshold() == before

    def fails(*_):
        raise RuntimeError("progress failed")

    with pytest.raises(RuntimeError):
        refresh(path, [feed_id], FAST, fails)
    assert gc.get_threshold() == before
