"""Feed health in the TUI: the archived notice and its actions (search for a newer
version, check again, edit the URL), and the directory search for new shows. A real
library, feeds and a stand-in directory on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from textual.command import CommandPalette

from library.episodes import list_episodes, save_position, set_played
from library.feeds import add_feed, feed_events, get_feed
from library.models import local_date
from library.store import connect
from tests.feedgen import rss, show
from tests.tui.conftest import archive_now, failing_now, feed_row, quiet_config, ready, \
    screen_text, shows, subscribe, wait_for
from tui.demo.directory import FakeDirectory, ListedShow
from tui.demo.server import Reply
from tui.screens.dialogs import ConfirmDialog, MessageDialog, PromptDialog
from tui.screens.directory import DirectorySearchDialog, NewerVersionDialog
from tui.widgets.status import EmptyLibrary

WHEN = "This feed was archived on 2024-10-03."
WHY = "The server answered 404 Not Found on 3 checks between 2024-10-01 and 2024-10-03."
WHAT_NOW = ("You might be able to find a more up-to-date version using search.",
            "This series will no longer be checked for updates.")
DEAD = "http://127.0.0.1:9"  # nothing listens there: connection refused
DAY = 86_400
NEWEST = datetime(2025, 11, 24, 16, 0).timestamp()


def stored(paths, feed_id: int):
    conn = connect(paths.database)
    try:
        return get_feed(conn, feed_id), list_episodes(conn, feed_id), feed_events(conn, feed_id)
    finally:
        conn.close()


def moved_copy(title: str, count: int):
    """The same show on a new host: new guids and enclosure URLs, same titles and days."""
    channel = show(title, count)
    for n, item in enumerate(channel.items):
        item.guid, item.enclosure = f"new-{n}", f"https://newcdn.example/{n}.mp3"
    return channel


def with_directory(fake: FakeDirectory, **overrides):
    config = quiet_config()
    config["directory"].update({**fake.config_table(), **overrides})
    return config


async def test_archived_feed_says_when_why_what_now_and_check_again_brings_it_back(
        make_app, paths, server, messages):
    await subscribe(paths, server, show("Healthy Show", 1))
    feed_id, url = await asyncio.to_thread(archive_now, paths, server, show("Lost Show", 2))
    app = make_app()
    async with app.run_test(size=(160, 40), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=2)
        for key in ("f", "c"):  # not for a healthy feed
            assert key not in app.screen.active_bindings, key
        await pilot.press("j")
        await shows(pilot, WHEN, WHY, *WHAT_NOW, "“Refresh all” (R) skips it.",
                    "f  search for a newer version", "c  check again now",
                    "u  edit the feed URL", "d  unsubscribe", "f Find newer")
        assert feed_row(app, 1)[0].plain == "⊘"
        assert app.screen.active_bindings["c"].enabled and app.screen.active_bindings["u"].enabled

        await pilot.press("ctrl+p", *"newer")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await shows(pilot, "Search the directories for a newer version")
        await pilot.press("escape")

        await pilot.press("R")  # refresh all leaves the archived feed alone
        await wait_for(pilot, lambda: messages.notified("1 feed checked"), what="refresh all")
        assert server.hits["/feeds/old.xml"] == 4  # the fetch and the three failed checks

        server.add("/feeds/old.xml", rss(show("Lost Show", 3)), "application/rss+xml")
        await pilot.press("c")
        await wait_for(pilot, lambda: screen.selected_feed.id == feed_id
                       and screen.selected_feed.status == "active", what="un-archived")
        text = await shows(pilot, "Lost Show  3 episodes")
        assert "archived" not in text and "c" not in app.screen.active_bindings
        assert stored(paths, feed_id)[2][-1]["message"] == "the feed answered again"


async def test_search_for_a_newer_version_moves_keeping_played_and_positions(
        make_app, paths, server, messages):
    feed_id, old_url = await asyncio.to_thread(archive_now, paths, server, show("Lost Show", 6))
    _, episodes, _ = stored(paths, feed_id)
    conn = connect(paths.database)
    set_played(conn, episodes[0].id, True)
    save_position(conn, episodes[1].id, 754.0)
    conn.close()
    new_home = server.add("/new-home/lost.xml", rss(moved_copy("Lost Show", 6)), "text/xml")
    decoy_show = show("Lost Show", 2, first_guid=100)
    decoy_show.author = "Someone Else"
    decoy = server.add("/decoy.xml", rss(decoy_show), "text/xml")
    fake = FakeDirectory(server, [ListedShow("Lost Show", "Someone Else", decoy),
                                  ListedShow("Lost Show", "Some Author", new_home)])
    app = make_app(with_directory(fake))
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, NewerVersionDialog)
                       and app.screen.findings, what="candidates")
        await shows(pilot, "✓ likely the same show", "6 of our 6 episodes appear in it",
                    "none of our 6 episodes appear in it", new_home, decoy)
        assert [f.candidate.feed_url for f in app.screen.findings] == [new_home, decoy]
        searches = len(server.requests)
        await pilot.press("down", "enter")  # the decoy
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await shows(pilot, "none of our 6 episodes appear in it", "may be a different show")
        await pilot.press("n")
        # Back to the same list, the decoy still highlighted; nothing was asked again
        # (only the decoy itself, fetched to compare its episodes).
        await wait_for(pilot, lambda: isinstance(app.screen, NewerVersionDialog))
        await shows(pilot, "2 candidates.", "✓ likely the same show", new_home, decoy)
        results = app.screen.query_one("#search-results")
        assert results.highlighted == 1 and messages.notified("Lost Show was not moved.")
        assert [r.path for r in server.requests[searches:]] == ["/decoy.xml"]
        assert stored(paths, feed_id)[0].url == old_url
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: messages.notified(f"Moved Lost Show to {new_home}: 6 of our 6 episodes appear in it (6 episodes there). "
                 "Played episodes and positions were kept."), what="moved")
        await wait_for(pilot, lambda: screen.selected_feed.status == "active")
        assert "archived" not in screen_text(app)
    feed, after, events = stored(paths, feed_id)
    assert (feed.url, feed.status, feed.archived_at) == (new_home, "active", None)
    by_id = {e.id: e for e in after}
    assert len(after) == 6 and by_id[episodes[0].id].played
    assert by_id[episodes[1].id].position_s == 754.0
    assert "because you picked it in the search for a newer version" in events[-1]["message"]


async def test_edit_feed_url_checks_the_new_address_first(
        make_app, paths, server, messages):
    feed_id, old_url = await asyncio.to_thread(archive_now, paths, server, show("Lost Show", 3))
    page = server.add("/about.html", b"<html><body>Hello</body></html>", "text/html")
    new_home = server.add("/new.xml", rss(show("Lost Show", 4)), "application/rss+xml")
    app = make_app()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        field = app.screen.query_one("#prompt-input")
        assert field.value == old_url
        field.value = page
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageDialog))
        await shows(pilot, "Not a usable feed", page, "The subscription was not changed.")
        await pilot.press("escape")  # the address comes back as typed, to be fixed
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        field = app.screen.query_one("#prompt-input")
        assert field.value == page
        field.value = new_home
        await pilot.press("enter")
        await wait_for(pilot, lambda: messages.notified(f"Moved Lost Show to {new_home}: 3 of our 3 episodes appear in it (4 episodes there)."))
        await wait_for(pilot, lambda: len(screen.episodes) == 4, what="the new episode")
    feed, _, events = stored(paths, feed_id)
    assert (feed.url, feed.status) == (new_home, "active")
    assert events[-1]["message"].startswith(f"moved from {old_url} to {new_home} on ")
    assert "because you edited its address" in events[-1]["message"]


async def test_directory_search_subscribes_and_reports_unreachable_directories(
        make_app, paths, server, messages):
    url = server.add("/night.xml", rss(show("Night Shift", 2)), "application/rss+xml")
    fake = FakeDirectory(server, [ListedShow("Night Shift", "Ann [b]Lee[/b]", url, 4242),
                                  ListedShow("Day Shift", "Bob", server.url("/day.xml"))])
    app = make_app(with_directory(fake, fyyd_url=DEAD))
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_for(pilot, lambda: app.query_one(EmptyLibrary).display)
        await shows(pilot, "Press S to search podcast directories")
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, DirectorySearchDialog))
        await pilot.press(*"night", "enter")
        await shows(pilot, "1 show found for “night”", "Night Shift — Ann [b]Lee[/b]",
                    f"Apple, Podcast Index · {url}",
                    f"fyyd ({DEAD}): connection refused")
        await pilot.press("enter")
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: messages.notified("Added Night Shift (2 episodes)."))
        feed_id = screen.feeds[0].id

        app.services.config["directory"].update(apple_url=DEAD, podcastindex_url=DEAD)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, DirectorySearchDialog))
        await pilot.press(*"night", "enter")
        await shows(pilot, "No directory could be searched.",
                    f"Apple ({DEAD}): connection refused",
                    f"Podcast Index ({DEAD}): connection refused")
        await pilot.press("escape")
        assert app.is_running and not isinstance(app.screen, DirectorySearchDialog)
    feed, episodes, _ = stored(paths, feed_id)
    assert (feed.url, feed.title, feed.itunes_id, len(episodes)) == (url, "Night Shift",
                                                                     "4242", 2)


def tidewaters(server, subscribed: str) -> list[ListedShow]:
    """Three shows called "Tidewater Dispatch"; the first is the one at ``subscribed``."""
    return [
        ListedShow("Tidewater Dispatch", "Harbor Radio", subscribed, 111,
                   description="Weekly news from the tidewater towns, read by volunteers.",
                   episode_count=412, newest=NEWEST),
        ListedShow("Tidewater Dispatch", "Mara Quinn", server.url("/mystery.xml"), 222,
                   description="A serialized mystery set on the bay. <b>Season two</b> is "
                               "out now.", episode_count=24, newest=NEWEST - 400 * DAY),
        ListedShow("Tidewater Dispatch", "County Archive", server.url("/archive.xml"), 333,
                   episode_count=7),
    ]


async def test_directory_results_tell_shows_apart_and_a_subscribed_one_is_selected(
        make_app, paths, server, messages):
    """Three shows of one name, each with what tells it apart; the one already subscribed
    (here under its https address) is marked, and enter on it goes to it instead of
    subscribing twice."""
    mine, _ = await subscribe(paths, server, show("Tidewater Dispatch", 2),
                              show("Another Show", 1))
    subscribed = server.url("/feeds/0.xml").replace("http:", "https:")
    server.add("/mystery.xml", rss(show("Tidewater Dispatch", 3, first_guid=20)),
               "application/rss+xml")
    fake = FakeDirectory(server, tidewaters(server, subscribed))
    app = make_app(with_directory(fake))
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=2)
        assert screen.selected_feed.title == "Another Show"
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, DirectorySearchDialog))
        await pilot.press(*"tidewater", "enter")
        await shows(pilot, "3 shows found for “tidewater”",
                    "Tidewater Dispatch — Harbor Radio  ✓ subscribed",
                    "Weekly news from the tidewater towns, read by volunteers.",
                    f"412 episodes · newest {local_date(NEWEST)} · Apple, Podcast Index, fyyd",
                    "Tidewater Dispatch — Mara Quinn",
                    "A serialized mystery set on the bay. Season two is out now.",
                    f"24 episodes · newest {local_date(NEWEST - 400 * DAY)}",
                    "Tidewater Dispatch — County Archive", "(no description)",
                    "7 episodes · Apple, Podcast Index")
        assert screen_text(app).count("✓ subscribed") == 1
        await pilot.press("enter")  # the subscribed one: selected, not added again
        await wait_for(pilot, lambda: not isinstance(app.screen, DirectorySearchDialog))
        await wait_for(pilot, lambda: screen.selected_feed.id == mine, what="selected")
        assert messages.notified("You already subscribe to this show: Tidewater Dispatch "
                                 "(the same address).")
        assert len(screen.feeds) == 2

        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, DirectorySearchDialog))
        await pilot.press(*"tidewater", "enter")
        await shows(pilot, "3 shows found")
        await pilot.press("down", "enter")  # Mara Quinn's: a new subscription
        await wait_for(pilot, lambda: messages.notified("Added Tidewater Dispatch (3 "
                                                        "episodes)."))
        await ready(pilot, feeds=3)


async def test_a_failing_feed_says_since_when_what_failed_and_what_comes_next(
        make_app, paths, server, messages):
    start = time.time() - 3 * DAY  # the rule's dates are still to come
    feed_id = await asyncio.to_thread(failing_now, paths, server, show("Tidewater Dispatch", 4),
                                      2, start)
    day = [local_date(start + n * DAY) for n in range(16)]
    app = make_app()
    async with app.run_test(size=(200, 40), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        await shows(pilot, f"! 2 checks failed in a row since {day[1]} (last success "
                           f"{day[0]}).",
                    f"Last error ({day[2]}): HTTP 404 Not Found",
                    "If it keeps failing, it will be archived after 5 failed checks over 14 "
                    f"days: 3 more checks, not before {day[15]}.",
                    "c  check again now", "u  edit the feed URL",
                    "f  search for a newer version")
        assert feed_row(app, 0)[0].plain == "!"
        for key in ("c", "u", "f"):
            assert app.screen.active_bindings[key].enabled, key
        await pilot.press("c")  # checks again: still 404, one check closer
        await wait_for(pilot, lambda: messages.notified("1 feed checked"))
        await shows(pilot, "! 3 checks failed in a row since")
        await wait_for(pilot, lambda: screen.selected_feed.consecutive_failures == 3)
        server.add("/feeds/failing.xml", rss(show("Tidewater Dispatch", 5)),
                   "application/rss+xml")
        await pilot.press("c")
        await wait_for(pilot, lambda: screen.selected_feed.consecutive_failures == 0
                       and len(screen.episodes) == 5, what="healthy again")
        assert "failed" not in screen_text(app) and stored(paths, feed_id)[0].status == "active"


async def test_a_refresh_that_archives_a_feed_says_so(make_app, paths, server, messages):
    url = server.route("/gone.xml", lambda request: Reply(410, b"Gone for good"))
    conn = connect(paths.database)
    add_feed(conn, url, title="Tidewater Dispatch")
    conn.close()
    app = make_app()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        await pilot.press("r")
        await wait_for(pilot, lambda: messages.notified("1 feed checked: 0 updated (0 new "
                                                        "episodes), 1 failed."))
        await shows(pilot, "The server said the feed is gone (410)")
        await pilot.press("r")
        await wait_for(pilot, lambda: messages.notified("Tidewater Dispatch archived: 410 "
                                                        "Gone twice"), what="the summary")
        assert messages.notified("Refresh done: 1 feed archived: 1 feed checked: 0 updated "
                                 "(0 new episodes), 1 failed, 1 of them archived.")
        await wait_for(pilot, lambda: screen.selected_feed.status == "archived")
        await shows(pilot, "⊘ This feed was archived on")
