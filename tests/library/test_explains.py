"""What the command line tells a person choosing or losing a show: search results that
tell same-named shows apart and know what is subscribed already, a failing feed's
prospects, a refresh that archives a feed, and tables that survive absurd titles.
Run as a user runs them: the installed ``podterm`` against loopback servers."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime

from library.archive import ArchiveRule, failing_notice
from library.feeds import add_feed, get_feed
from library.models import local_date
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.store import connect
from tests.feedgen import Channel, Item, rss, show
from tests.library.test_cli import podterm
from tests.library.test_fallback import write_config
from tui.demo.directory import FakeDirectory, ListedShow
from tui.demo.server import Reply

FAST = RefreshSettings(concurrency=4, per_host=2, timeout_s=5, max_feed_mb=5)
DAY = 86_400
START = datetime(2024, 9, 30, 9, 0).timestamp()  # local time, as podterm shows dates
NEWEST = int(datetime(2025, 11, 24, 16, 0).timestamp())
GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"


def tidewaters(server) -> list[ListedShow]:
    """Four shows called "Tidewater Dispatch": three of them subscribed already, each
    recognisable another way (address, podcast:guid, iTunes id), and one new."""
    return [
        ListedShow("Tidewater Dispatch", "Harbor Radio", server.url("/harbor.xml"), 111,
                   description="<p>Weekly news from the tidewater towns, read by "
                               "volunteers.</p>", episode_count=412, newest=NEWEST),
        ListedShow("Tidewater Dispatch", "Mara Quinn", "https://mq.example/feed", 222, GUID,
                   "A serialized mystery set on the bay.", 24, NEWEST - 400 * DAY),
        ListedShow("Tidewater Dispatch", "County Archive", "https://archive.example/td", 333,
                   description="Readings from the old newspaper.", episode_count=7,
                   newest=NEWEST - 3 * DAY),
        ListedShow("Tidewater Dispatch", "Kids' Edition", "https://kids.example/td.xml", 444,
                   description="The news, for children.", episode_count=90,
                   newest=NEWEST - DAY),
    ]


def test_search_results_tell_same_named_shows_apart_and_know_subscriptions(server, tmp_path):
    fake = FakeDirectory(server, tidewaters(server), key="K", secret="S")
    write_config(tmp_path / "config.toml", fake.config_table())
    conn = connect(tmp_path / "library.sqlite3")
    by_address = add_feed(conn, server.url("/harbor.xml").replace("http:", "https:") + "/")[0]
    by_guid = add_feed(conn, "https://mirror.example/mq")[0]
    by_itunes = add_feed(conn, "https://old.example/td", itunes_id="333")[0]
    conn.execute("UPDATE feeds SET podcast_guid = ? WHERE id = ?", (GUID, by_guid))
    conn.close()

    results = json.loads(podterm("search", "tidewater", "--json", data_dir=tmp_path).stdout)
    by_author = {r["author"]: r for r in results}
    harbor = by_author["Harbor Radio"]
    # Apple gives no description; Podcast Index does: one show, the fields of both.
    assert harbor["description"] == "Weekly news from the tidewater towns, read by volunteers."
    assert harbor["episode_count"] == 412
    assert datetime.fromisoformat(harbor["newest_episode_at"]).timestamp() == NEWEST
    assert harbor["listed_by"] == ["apple", "podcastindex", "fyyd"]
    assert [(by_author[a]["subscribed_feed_id"], by_author[a]["subscribed_because"])
            for a in ("Harbor Radio", "Mara Quinn", "County Archive", "Kids' Edition")] == [
        (by_address, "the same address"), (by_guid, "the same podcast:guid"),
        (by_itunes, "the same iTunes id"), (None, None)]

    human = podterm("search", "tidewater", data_dir=tmp_path, env={"COLUMNS": "220"}).stdout
    rows = {author: line for line in human.splitlines()
            for author in by_author if author in line}
    assert "✓ subscribed (feed" not in rows["Kids' Edition"]
    assert "Weekly news from the tidewater towns" in human and "412" in human
    assert datetime.fromtimestamp(NEWEST).strftime("%Y-%m-%d") in human
    assert human.count("✓ subscribed (feed") == 3
    assert f"✓ subscribed (feed {by_itunes})" in human


def failing_feed(server, tmp_path, start: float, days: int) -> int:
    """A feed fetched at ``start`` that answered 404 on each of the next ``days`` days
    (checks dated by the library's clock, as a daily refresh would)."""
    url = server.add("/feed.xml", rss(show("Tidewater Dispatch", 3)), "application/rss+xml")
    path = tmp_path / "library.sqlite3"
    conn = connect(path)
    feed_id = add_feed(conn, url)[0]
    conn.close()
    refresh(path, [feed_id], FAST, clock=lambda: start)
    server.remove("/feed.xml")
    for day in range(1, days + 1):
        refresh(path, [feed_id], FAST, clock=lambda day=day: start + day * DAY)
    return feed_id


def test_info_on_a_failing_feed_says_since_when_what_failed_and_what_comes_next(
        server, tmp_path):
    start = time.time() - 3 * DAY  # the rule's dates are still to come
    feed_id = failing_feed(server, tmp_path, start, days=2)
    day = [local_date(start + n * DAY) for n in range(16)]
    info = podterm("info", str(feed_id), data_dir=tmp_path).stdout
    assert f"2 checks failed in a row since {day[1]} (last success {day[0]})." in info
    assert f"Last error ({day[2]}): HTTP 404 Not Found" in info
    assert ("If it keeps failing, it will be archived after 5 failed checks over 14 days: "
            f"3 more checks, not before {day[15]}.") in info
    todo = info[info.index("What you can do now:"):].splitlines()[1:4]
    assert [re.sub(r"\s{2,}", " | ", line.strip()) for line in todo] == [
        f"podterm check {feed_id} | check again now",
        f"podterm migrate {feed_id} URL | edit the feed URL",
        f"podterm fallback {feed_id} | search for a newer version"]
    assert "archived on" not in info
    shown = json.loads(podterm("info", str(feed_id), "--json", data_dir=tmp_path).stdout)
    assert shown["notice"][2].endswith(f"3 more checks, not before {day[15]}.")
    assert shown["what_you_can_do"][0] == "check again now"

    # The rule is the configured one, and a date already past is not mentioned.
    (tmp_path / "config.toml").write_text(
        "[health]\narchive_after_failures = 3\narchive_after_days = 1\n")
    info = podterm("info", str(feed_id), data_dir=tmp_path).stdout
    assert "archived after 3 failed checks over 1 day: 1 more check." in info


def test_failing_notice_for_the_last_check_and_a_410(db):
    _, conn = db
    feed_id = add_feed(conn, "https://example.org/feed")[0]
    conn.execute("UPDATE feeds SET consecutive_failures = 4, first_failure_at = ?, "
                 "last_checked_at = ?, last_error = 'HTTP 410 Gone', last_error_kind = 'gone' "
                 "WHERE id = ?", (START, START + 20 * DAY, feed_id))
    feed = get_feed(conn, feed_id)
    notice = failing_notice(feed, ArchiveRule(), now=START + 20 * DAY)
    assert notice.failing == "4 checks failed in a row since 2024-09-30 (it never answered " \
                             "as a feed)."
    assert notice.next == ("If it keeps failing, it will be archived after 5 failed checks "
                           "over 14 days: 1 more check. The server said the feed is gone "
                           "(410): if it says so again, it is archived at once.")
    assert notice.brief == ("4 failed checks since 2024-09-30 (HTTP 410 Gone); archived if "
                            "the next check says 410 Gone again.")
    conn.execute("UPDATE feeds SET last_error_kind = 'http' WHERE id = ?", (feed_id,))
    notice = failing_notice(get_feed(conn, feed_id), ArchiveRule(failures=3, days=0),
                            now=START + 20 * DAY)
    assert notice.next == ("If it keeps failing, it will be archived after 3 failed checks: "
                           "the next failed check.")


def test_a_refresh_that_archives_a_feed_says_so_in_its_summary(server, tmp_path):
    server.route("/gone.xml", lambda request: Reply(410, b"Gone for good"))
    alive = server.add("/alive.xml", rss(show("Still Here", 1)), "application/rss+xml")
    conn = connect(tmp_path / "library.sqlite3")
    gone_id = add_feed(conn, server.url("/gone.xml"), title="Tidewater Dispatch")[0]
    add_feed(conn, alive)
    conn.close()
    first = podterm("refresh", data_dir=tmp_path, check=False, env={"COLUMNS": "160"})
    assert first.returncode == 3 and "archived" not in first.stdout
    second = podterm("refresh", str(gone_id), data_dir=tmp_path, check=False,
                     env={"COLUMNS": "160"})
    assert second.returncode == 3
    assert "0 updated, 0 not modified, 1 failed (1 archived)" in second.stdout
    row = next(line for line in second.stdout.splitlines() if "Tidewater Dispatch" in line)
    assert "archived: 410 Gone twice" in row
    assert "no longer checked; `podterm info` says what you can do" in second.stdout
    # Refresh all no longer checks it; --json says the same as the table.
    [still] = json.loads(podterm("refresh", "--json", data_dir=tmp_path).stdout)
    assert still["title"] == "Still Here"


def test_a_refresh_json_names_the_archiving_reason(server, tmp_path):
    server.route("/gone.xml", lambda request: Reply(404, b""))
    conn = connect(tmp_path / "library.sqlite3")
    add_feed(conn, server.url("/gone.xml"), title="Dying")
    conn.close()
    (tmp_path / "config.toml").write_text(
        "[health]\narchive_after_failures = 2\narchive_after_days = 0\n")
    outcomes = [json.loads(podterm("refresh", "--json", data_dir=tmp_path,
                                   check=False).stdout)[0] for _ in range(2)]
    assert [(o["archived"], o["archived_because"]) for o in outcomes] == [
        (False, None), (True, "2 failed checks (the last: HTTP 404 Not Found)")]


def test_tables_cut_absurdly_long_titles_and_json_keeps_them(server, tmp_path):
    long_title = "Tidewater " * 10_000  # 100 KB
    channel = Channel(long_title.strip(), [Item(long_title.strip(), guid="one")])
    url = server.add("/long.xml", rss(channel), "application/rss+xml")
    podterm("add", url, data_dir=tmp_path)
    for command in (("feeds",), ("episodes",), ("refresh",)):
        shown = podterm(*command, data_dir=tmp_path, env={"COLUMNS": "100"}).stdout
        assert len(shown.splitlines()) < 20, command
        assert "Tidewater Tidewater" in shown and "…" in shown, command
    [feed] = json.loads(podterm("feeds", "--json", data_dir=tmp_path).stdout)
    [episode] = json.loads(podterm("episodes", "--json", data_dir=tmp_path).stdout)
    assert feed["title"] == episode["title"] == long_title.strip()
