"""Each feed's parse has a budget of time, memory and episodes. Running out fails that
feed alone, with the reason, and leaves no worker behind."""

from __future__ import annotations

import os

import pytest

from library.episodes import list_episodes
from library.feeds import add_feed, get_feed
from library.parsepool import ParseBudget, ParseBudgetExceeded, start_workers, submit_parse
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from tests.feedgen import rss, show
from tests.processes import descendants, need_proc, wait_for
from tui.demo.server import Reply

GENEROUS = ParseBudget(timeout_s=300, max_episodes=10_000, memory_mb=300)
FAST = RefreshSettings(concurrency=4, per_host=2, timeout_s=10, max_feed_mb=10)


def workers_with(memory_mb: float):
    """This process's parser workers started for ``memory_mb`` (it is on their command line)."""
    cap = str(int(memory_mb * 2**20))
    return [p for p in descendants(os.getpid())
            if "library.parseworker" in p.cmdline and p.cmdline.split()[-1] == cap]


def test_a_parse_over_its_time_is_stopped_and_the_others_go_on():
    need_proc()
    # A unique memory cap marks the worker that gets the slow parse.
    slow = submit_parse(rss(show("Big", 3000)), ParseBudget(timeout_s=0.001, memory_mb=299))
    others = [submit_parse(rss(show(f"Small {n}", 3)), GENEROUS) for n in range(4)]
    with pytest.raises(ParseBudgetExceeded) as stopped:
        slow.result(timeout=300)
    assert stopped.value.kind == "parse_timeout"
    assert str(stopped.value) == ("parsing took longer than 0.001 s "
                                  "([refresh] parse_timeout_s)")
    assert [len(f.result(timeout=300).episodes) for f in others] == [3, 3, 3, 3]
    assert workers_with(299) == []  # killed and reaped, not left parsing


def test_a_worker_killed_mid_parse_fails_that_feed_and_the_next_parse_works():
    need_proc()
    # A doctype sends the feed to feedparser, which needs seconds for it (the fast path
    # could be done before the test looks).
    body = rss(show("Long", 20_000)).replace(
        b"?>", b'?><!DOCTYPE rss SYSTEM "https://example.org/rss.dtd">', 1)
    future = submit_parse(body, GENEROUS.replace(memory_mb=298))
    wait_for(lambda: any(p.cpu_s() > 1.0 for p in workers_with(298)),
             "a parser worker busy with the long feed")
    [worker] = workers_with(298)
    os.kill(worker.pid, 9)  # what the kernel's out-of-memory killer would do
    with pytest.raises(ParseBudgetExceeded) as died:
        future.result(timeout=300)
    assert died.value.kind == "parser_died"
    assert str(died.value) == "the parser process ended unexpectedly (killed by signal 9)"
    assert len(submit_parse(rss(show("After", 2)), GENEROUS).result(timeout=300).episodes) == 2


def test_a_feed_needing_more_memory_than_its_budget_fails_alone():
    feed = rss(show("Padded", 2))
    padded = feed.replace(b"</channel>", b" " * (120 * 2**20) + b"</channel>")
    with pytest.raises(ParseBudgetExceeded) as refused:
        submit_parse(padded, GENEROUS.replace(memory_mb=100)).result(timeout=300)
    assert refused.value.kind == "parse_memory"
    assert str(refused.value) == ("parsing needs more than 100 MB of memory "
                                  "([refresh] parse_memory_mb)")
    assert len(submit_parse(feed, GENEROUS).result(timeout=300).episodes) == 2


def test_a_feed_over_its_time_is_a_failed_refresh_that_keeps_what_was_known(server, db):
    path, conn = db
    serving = [rss(show("Growing", 3))]
    url = server.route("/feed.xml", lambda request: Reply(200, serving[0],
                                                          {"Content-Type": "text/xml"}))
    feed_id = add_feed(conn, url)[0]
    assert refresh(path, [feed_id], FAST)[0].new_episodes == 3
    serving[0] = rss(show("Growing", 3000))
    [outcome] = refresh(path, [feed_id], FAST.replace(parse_timeout_s=0.001))
    assert (outcome.outcome, outcome.error_kind) == ("failed", "parse_timeout")
    assert outcome.error == "parsing took longer than 0.001 s ([refresh] parse_timeout_s)"
    feed = get_feed(conn, feed_id)
    assert (feed.episode_count, feed.consecutive_failures) == (3, 1)
    assert feed.last_error == outcome.error


def test_only_the_newest_max_episodes_are_kept_whatever_the_feed_order(server, db):
    path, conn = db
    channel = show("Many", 30)
    channel.items.reverse()  # oldest first, as some feeds list them
    url = server.add("/many.xml", rss(channel), "application/rss+xml")
    feed_id = add_feed(conn, url)[0]
    [outcome] = refresh(path, [feed_id], FAST.replace(max_episodes=10))
    assert outcome.new_episodes == 10
    assert [e.title for e in list_episodes(conn, feed_id)] == [
        f"Many #{n}: a conversation about things" for n in range(29, 19, -1)]


def test_only_a_refresh_of_new_feeds_starts_the_parsers_ahead(server, db):
    """New subscriptions' first answers are all parsed, so their refresh starts the
    parser processes with it; once every feed was checked, a refresh that finds nothing
    changed starts none (a unique memory cap tells this test's apart)."""
    need_proc()
    path, conn = db
    url = server.add("/checked.xml", rss(show("Checked", 2)), "application/rss+xml")
    feed_id = add_feed(conn, url)[0]
    [first] = refresh(path, [feed_id], FAST.replace(parse_memory_mb=296))
    assert first.new_episodes == 2 and workers_with(296)
    [again] = refresh(path, [feed_id], FAST.replace(parse_memory_mb=295))
    assert again.outcome == "not_modified"
    assert workers_with(295) == []


def test_parsers_started_ahead_take_the_next_parse():
    need_proc()
    start_workers(GENEROUS.replace(memory_mb=294))
    wait_for(lambda: workers_with(294), "a parser process started ahead of any parse")
    assert len(submit_parse(rss(show("Early", 2)), GENEROUS.replace(memory_mb=294))
               .result(timeout=300).episodes) == 2
