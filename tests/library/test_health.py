"""Feed health: failure streaks, archiving, the notice, moves, and coming back."""

from __future__ import annotations

from datetime import datetime


from library.archive import ArchiveRule, archive_notice
from library.episodes import list_episodes, save_position, set_played
from library.feeds import add_feed, feed_events, get_feed, list_feeds
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from tests.feedgen import Channel, rss, show
from tui.demo.server import Reply

FAST = RefreshSettings(concurrency=4, per_host=2, timeout_s=5, max_feed_mb=5)
DAY = 86_400
START = datetime(2024, 9, 30, 9, 0).timestamp()


class Clock:
    """Checks dated as if a daily refresh ran; a test moves weeks in no time."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def daily_checks(path, feed_id, clock, days, rule=ArchiveRule()):
    outcomes = []
    for _ in range(days):
        outcomes.append(refresh(path, [feed_id], FAST, rule=rule, clock=clock)[0])
        clock.now += DAY
    return outcomes


def test_a_feed_dead_for_two_weeks_is_archived_with_a_plain_notice(server, db):
    path, conn = db
    url = server.add("/feed.xml", rss(show("Gone Show", 3)), "application/rss+xml")
    feed_id = add_feed(conn, url)[0]
    clock = Clock()
    daily_checks(path, feed_id, clock, 1)
    server.remove("/feed.xml")  # the host deletes the feed: 404 from now on
    outcomes = daily_checks(path, feed_id, clock, 14)
    assert not any(o.archived for o in outcomes[:-1])  # 13 failed days are not enough
    assert get_feed(conn, feed_id).status == "active"
    [last] = daily_checks(path, feed_id, clock, 1)
    assert last.archived
    feed = get_feed(conn, feed_id)
    assert feed.status == "archived" and feed.consecutive_failures == 15
    notice = archive_notice(feed)
    assert notice.when == "This feed was archived on 2024-10-15."
    assert notice.why == ("The server answered 404 Not Found on 15 checks between "
                          "2024-10-01 and 2024-10-15.")
    assert notice.what_now == ("You might be able to find a more up-to-date version using "
                               "search.", "This series will no longer be checked for updates.")
    assert len(list_episodes(conn, feed_id)) == 3  # archived feeds keep their episodes


def test_many_failures_in_a_short_time_do_not_archive(server, db):
    path, conn = db
    url = server.route("/feed.xml", lambda req: Reply(500, b"oops"))
    feed_id = add_feed(conn, url)[0]
    clock = Clock()
    for _ in range(20):  # twenty failures within one day
        refresh(path, [feed_id], FAST, clock=clock)
        clock.now += 3600
    assert get_feed(conn, feed_id).status == "active"


def test_thresholds_come_from_the_rule(server, db):
    path, conn = db
    url = server.route("/feed.xml", lambda req: Reply(503, b""))
    feed_id = add_feed(conn, url)[0]
    outcomes = daily_checks(path, feed_id, Clock(), 3, ArchiveRule(failures=3, days=2))
    assert [o.archived for o in outcomes] == [False, False, True]


def test_410_gone_twice_archives_at_once(server, db):
    path, conn = db
    url = server.route("/feed.xml", lambda req: Reply(410, b""))
    feed_id = add_feed(conn, url)[0]
    outcomes = daily_checks(path, feed_id, Clock(), 2)
    assert [o.archived for o in outcomes] == [False, True]
    assert "410 Gone on 2 checks" in get_feed(conn, feed_id).archive_reason


def test_dns_failures_are_described_as_such(db):
    path, conn = db
    feed_id = add_feed(conn, "http://podterm-test.invalid/feed.xml")[0]
    daily_checks(path, feed_id, Clock(), 5, ArchiveRule(failures=5, days=3))
    reason = get_feed(conn, feed_id).archive_reason
    assert reason.startswith("The address stopped resolving (DNS) on 5 checks between")


def test_mixed_failures_name_the_latest_and_list_the_others(server, db):
    path, conn = db
    answers = iter([Reply(500, b"")] * 2 + [Reply(200, b"<html><body>parked</body></html>")] * 3)
    url = server.route("/feed.xml", lambda req: next(answers))
    feed_id = add_feed(conn, url)[0]
    daily_checks(path, feed_id, Clock(), 5, ArchiveRule(failures=5, days=4))
    reason = get_feed(conn, feed_id).archive_reason
    assert reason.startswith("The address returned a web page instead of a feed on 5 checks")
    assert "the server answered 500 internal server error (2×)" in reason


def test_refresh_all_skips_archived_feeds_but_check_brings_them_back(server, db, tmp_path):
    from tests.library.test_cli import podterm

    data = tmp_path / "cli"
    alive = server.add("/alive.xml", rss(show("Alive", 1)), "text/xml")
    dying_body = rss(show("Dying", 2))
    state = {"up": True}
    dying = server.route("/dying.xml", lambda req: Reply(200, dying_body) if state["up"]
                         else Reply(404, b""))
    (data).mkdir()
    (data / "config.toml").write_text(
        "[health]\narchive_after_failures = 2\narchive_after_days = 0\n")
    podterm("add", alive, data_dir=data)
    podterm("add", dying, data_dir=data)
    state["up"] = False
    for _check in range(2):  # exit code 3: a feed failed
        assert podterm("refresh", data_dir=data, check=False).returncode == 3
    feeds = {f["title"]: f for f in __import__("json").loads(
        podterm("feeds", "--json", data_dir=data).stdout)}
    assert feeds["Dying"]["status"] == "archived"
    assert feeds["Dying"]["archive_reason"].startswith("The server answered 404 Not Found")
    info = podterm("info", "dying", data_dir=data).stdout
    assert "This feed was archived on" in info and "no longer be checked" in info
    hits = server.hits["/dying.xml"]
    podterm("refresh", data_dir=data)  # exit code 0: the archived feed is not checked
    assert server.hits["/dying.xml"] == hits  # refresh all leaves archived feeds alone
    failed_check = podterm("check", "dying", data_dir=data, check=False)
    assert failed_check.returncode != 0 and "still failing" in failed_check.stderr
    state["up"] = True
    assert "no longer archived" in podterm("check", "dying", data_dir=data).stdout
    feeds = __import__("json").loads(podterm("feeds", "--json", data_dir=data).stdout)
    assert {f["status"] for f in feeds} == {"active"}


def test_a_finished_show_that_still_answers_is_never_archived(server, db):
    path, conn = db
    channel = show("Finished", 2)
    channel.extra = '<podcast:updateFrequency complete="true">Complete</podcast:updateFrequency>'
    feed_id = add_feed(conn, server.add("/feed.xml", rss(channel), "text/xml"))[0]
    daily_checks(path, feed_id, Clock(), 30, ArchiveRule(failures=1, days=0))
    feed = get_feed(conn, feed_id)
    assert feed.status == "active" and feed.complete


def test_announced_new_feed_url_moves_in_place_keeping_history(server, db):
    path, conn = db
    new = server.add("/new.xml", rss(show("Wandering", 4)), "text/xml")
    old_channel = show("Wandering", 3)
    old = server.add("/old.xml", rss(old_channel), "text/xml")
    feed_id = add_feed(conn, old)[0]
    refresh(path, [feed_id], FAST)
    newest = list_episodes(conn, feed_id)[0]
    set_played(conn, newest.id, True)
    old_channel.extra = f"<itunes:new-feed-url>{new}</itunes:new-feed-url>"
    server.add("/old.xml", rss(old_channel), "text/xml")
    [outcome] = refresh(path, [feed_id], FAST)
    assert outcome.moved_to == new and outcome.new_episodes == 1
    feed = get_feed(conn, feed_id)
    assert feed.url == new and feed.episode_count == 4
    assert [e.played for e in list_episodes(conn, feed_id) if e.guid == newest.guid] == [True]
    assert "itunes:new-feed-url" in feed_events(conn, feed_id)[-1]["message"]


def test_announced_url_that_is_no_feed_keeps_the_old_address(server, db):
    path, conn = db
    channel = show("Confused", 2)
    channel.extra = f"<itunes:new-feed-url>{server.url('/nowhere.xml')}</itunes:new-feed-url>"
    old = server.add("/old.xml", rss(channel), "text/xml")
    feed_id = add_feed(conn, old)[0]
    [outcome] = refresh(path, [feed_id], FAST)
    assert outcome.outcome == "updated" and outcome.moved_to is None
    feed = get_feed(conn, feed_id)
    assert feed.url == old and feed.new_feed_url == server.url("/nowhere.xml")


def test_moving_onto_an_existing_subscription_merges_the_two(server, db):
    path, conn = db
    new = server.add("/new.xml", rss(show("Twice", 3)), "text/xml")
    old_channel = show("Twice", 3)
    old = server.add("/old.xml", rss(old_channel), "text/xml")
    old_id, new_id = add_feed(conn, old)[0], add_feed(conn, new)[0]
    refresh(path, [old_id, new_id], FAST)
    first_old = list_episodes(conn, old_id)[0]
    last_new = list_episodes(conn, new_id)[-1]
    save_position(conn, first_old.id, 42.0)
    set_played(conn, last_new.id, True)
    old_channel.extra = f"<itunes:new-feed-url>{new}</itunes:new-feed-url>"
    server.add("/old.xml", rss(old_channel), "text/xml")
    refresh(path, [old_id], FAST)
    [feed] = list_feeds(conn)
    assert feed.id == old_id and feed.url == new and feed.episode_count == 3
    state = {e.guid: (e.played, e.position_s) for e in list_episodes(conn, old_id)}
    assert state[first_old.guid] == (False, 42.0) and state[last_new.guid][0] is True


def test_empty_channel_is_a_success_not_a_failure(server, db):
    path, conn = db
    feed_id = add_feed(conn, server.add("/feed.xml", rss(Channel("Quiet")), "text/xml"))[0]
    [outcome] = refresh(path, [feed_id], FAST)
    assert outcome.outcome == "updated" and get_feed(conn, feed_id).title == "Quiet"
