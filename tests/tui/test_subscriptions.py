"""Changing subscriptions from the TUI: add, import, export, remove, refresh; help,
command palette and quit."""

from __future__ import annotations

from textual.command import CommandPalette

from library.feeds import list_feeds
from library.store import connect
from tests.feedgen import rss, show
from tests.tui.conftest import feed_row, main, ready, shows, subscribe, wait_for
from tui.screens.dialogs import ConfirmDialog, PromptDialog
from tui.screens.help import HelpScreen
from tui.screens.opml import ImportReportDialog, PathPromptDialog
from tui.widgets.status import EmptyLibrary


def feed_titles(paths) -> list[str]:
    conn = connect(paths.database)
    try:
        return [feed.display_title for feed in list_feeds(conn)]
    finally:
        conn.close()


async def test_add_a_feed_by_url(make_app, paths, server, messages):
    url = server.add("/new.xml", rss(show("Fresh Show", 2)), "application/rss+xml")
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await wait_for(pilot, lambda: app.query_one(EmptyLibrary).display)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        await pilot.press(*"ftp://nope", "enter")
        await wait_for(pilot, lambda: messages.notified("ftp"), what="refused URL")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        app.screen.query_one("#prompt-input").value = url
        await pilot.press("enter")
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: messages.notified("Added Fresh Show (2 episodes)."))
        assert screen.feeds[0].title == "Fresh Show" and len(screen.episodes) == 2
        assert server.hits["/new.xml"] == 1  # fetched once: what was read is what is stored
        await pilot.press("a")
        app.screen.query_one("#prompt-input").value = url.replace("http://", "https://")
        await pilot.press("enter")  # the same address over https: the same feed
        await wait_for(pilot, lambda: messages.notified("You are already subscribed"))
        await pilot.press("a", "escape")
        assert not isinstance(app.screen, PromptDialog)


async def test_add_refuses_what_is_no_feed_and_follows_a_page_to_its_feed(make_app, paths,
                                                                          server, messages):
    feed = server.add("/show/feed.xml", rss(show("Paged Show", 3)), "application/rss+xml")
    page = server.add("/show/", b'<html><head><link rel="alternate" type="application/rss+xml" '
                      b'href="feed.xml"></head><body>Our show</body></html>', "text/html")
    missing = server.url("/gone.xml")
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await wait_for(pilot, lambda: app.query_one(EmptyLibrary).display)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        app.screen.query_one("#prompt-input").value = missing
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await shows(pilot, "HTTP 404", "Subscribe anyway")
        await pilot.press("n")
        await wait_for(pilot, lambda: messages.notified("Cannot add this feed: not subscribed"))
        assert feed_titles(paths) == []

        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        app.screen.query_one("#prompt-input").value = page
        await pilot.press("enter")
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: messages.notified(f"subscribed to the feed it names: {feed}"))
        assert screen.feeds[0].url == feed and len(screen.episodes) == 3


async def test_import_opml_with_completion_and_a_report(make_app, paths, server, tmp_path, messages):
    a = server.add("/a.xml", rss(show("Imported A", 2)), "application/rss+xml")
    b = server.add("/b.xml", rss(show("Imported B", 1)), "application/rss+xml")
    gone = server.url("/gone.xml")
    (tmp_path / "subscriptions.opml").write_text(
        "<?xml version='1.0'?><opml version='2.0'><head/><body>"
        f"<outline text='Tech'><outline type='rss' text='Imported A' xmlUrl='{a}'/></outline>"
        f"<outline type='rss' text='Imported B' xmlUrl='{b}'/>"
        f"<outline type='rss' text='Gone' xmlUrl='{gone}'/>"
        "<outline text='Just a website' htmlUrl='https://example.org/'/></body></opml>")
    (tmp_path / "broken.opml").write_text("this is not xml <<<")
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await wait_for(pilot, lambda: app.query_one(EmptyLibrary).display)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPromptDialog))
        field = app.screen.query_one("#prompt-input")
        field.value = f"{tmp_path}/su"
        await pilot.press("tab")  # completes the file name
        await wait_for(pilot, lambda: field.value == f"{tmp_path}/subscriptions.opml")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportReportDialog))
        await shows(pilot, "3 added, 0 already subscribed, 1 skipped", "Imported A",
                    "Just a website", "skipped")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not main(app).subscriptions.refreshing
                       and messages.notified("1 failed"), what="refresh of the new feeds")
        await messages.shown(pilot, "Gone", "404")
        await ready(pilot, feeds=3)

        def marks() -> dict[str, str]:
            return {row[1].plain: row[0].plain for row in
                    (feed_row(app, i) for i in range(3))}

        # The list reloads after the refresh's summary: wait for the marks it brings.
        await wait_for(pilot, lambda: marks().get("Gone") == "!"
                       and marks().get("Imported A") == " ", what="the refresh's marks")


async def test_a_failing_import_keeps_the_dialog_with_the_path_and_the_reason(
        make_app, paths, server, tmp_path, messages):
    feed = server.add("/a.xml", rss(show("Imported A", 2)), "application/rss+xml")
    good = tmp_path / "subscriptions.opml"
    good.write_text("<?xml version='1.0'?><opml version='2.0'><head/><body>"
                    f"<outline type='rss' text='Imported A' xmlUrl='{feed}'/></body></opml>")
    (tmp_path / "broken.opml").write_text("this is not xml <<<")
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await wait_for(pilot, lambda: app.query_one(EmptyLibrary).display)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPromptDialog))
        dialog = app.screen
        field = dialog.query_one("#prompt-input")
        for typed, reason in ((f"{good}x", "No such file or directory"),
                              (str(tmp_path / "broken.opml"), "not an XML file")):
            field.value = typed
            await pilot.press("enter")
            await shows(pilot, "✗ ", reason)
            assert app.screen is dialog and field.value == typed  # still open, as typed
        field.value = f"{good}x"
        await pilot.press("enter")
        await shows(pilot, "No such file or directory")
        await pilot.press("end", "backspace", "enter")  # fix the one wrong character
        await wait_for(pilot, lambda: isinstance(app.screen, ImportReportDialog))
        await shows(pilot, "1 added, 0 already subscribed, 0 skipped", "Imported A")


async def test_export_opml_and_confirm_replacing(make_app, paths, server, tmp_path, messages):
    await subscribe(paths, server, show("Exported", 1))
    target = tmp_path / "out.opml"
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        for count, exists in enumerate((False, True), 1):
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, PathPromptDialog))
            app.screen.query_one("#prompt-input").value = str(target)
            await pilot.press("enter")
            if exists:
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
                await pilot.press("y")
            await wait_for(pilot, lambda: sum(f"Exported 1 subscription to {target}" in n
                                              for n in messages.notifications()) == count)
        document = target.read_bytes()
        assert b"Exported" in document and server.url("/feeds/0.xml").encode() in document


async def test_remove_asks_first(make_app, paths, server, messages):
    await subscribe(paths, server, show("Keep Me", 1), show("Drop Me", 1))
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=2)
        assert screen.selected_feed.title == "Drop Me"  # by title: first
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await shows(pilot, "Drop Me and forget")
        await pilot.press("n")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await ready(pilot, feeds=1)
        assert feed_titles(paths) == ["Keep Me"]


async def test_refresh_selected_and_all(make_app, paths, server, messages):
    await subscribe(paths, server, show("Growing", 1), show("Steady", 1))
    server.add("/feeds/0.xml", rss(show("Growing", 3)), "application/rss+xml")
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=2)
        await pilot.press("r")
        await wait_for(pilot, lambda: len(screen.episodes) == 3, what="new episodes shown")
        await wait_for(pilot, lambda: not screen.subscriptions.refreshing)
        server.remove("/feeds/1.xml")
        await pilot.press("R")
        await wait_for(pilot, lambda: messages.notified("2 feeds checked"), what="refresh all")
        await messages.shown(pilot, "Steady: ")


async def test_help_palette_and_quit(make_app, paths, server, messages):
    await subscribe(paths, server, show("Helpful", 1))
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await shows(pilot, "play_pause", "seek_back", "Id in [keys]", "space")
        await pilot.press("pagedown")  # the list is longer than the screen
        await shows(pilot, "import_opml")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"export")
        await shows(pilot, "Export subscriptions to an OPML file")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPromptDialog))
        await pilot.press("escape")
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, what="quit")


async def test_an_import_keeps_one_subscription_per_show(make_app, paths, server, tmp_path,
                                                          messages):
    """Two addresses of one show (the same podcast:guid) are known to be one only once
    both were fetched: the later one is unsubscribed again, saying so."""
    twin = show("Twin Show", 2)
    twin.extra = "<podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>"
    first = server.add("/twin.xml", rss(twin), "application/rss+xml")
    mirror = server.add("/mirror/twin.xml", rss(twin), "application/rss+xml")
    (tmp_path / "twins.opml").write_text(
        "<?xml version='1.0'?><opml version='2.0'><head/><body>"
        f"<outline type='rss' text='Twin' xmlUrl='{first}'/>"
        f"<outline type='rss' text='Twin again' xmlUrl='{mirror}'/></body></opml>")
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await wait_for(pilot, lambda: app.query_one(EmptyLibrary).display)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPromptDialog))
        app.screen.query_one("#prompt-input").value = str(tmp_path / "twins.opml")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportReportDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: messages.notified("1 imported feed unsubscribed again"))
        await ready(pilot, feeds=1)
    conn = connect(paths.database)
    assert [feed.url for feed in list_feeds(conn)] == [first]
    conn.close()
