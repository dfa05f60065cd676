"""Snapshots (pytest-textual-snapshot) of the main views and dialogs.

Deterministic: fixed feed dates shown in UTC, a scripted engine with a fixed position
(no real clock in the frame), no refresh running, fixed paths in the text. Update the
baselines with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and review them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import Input

from library import upnext
from library.config import default_config
from library.downloader import Downloader
from library.downloads import DownloadSettings, plan_download, record_finished, \
    record_queued, record_started
from library.episodes import save_position, set_played
from library.feeds import add_feed
from library.importer import import_opml
from library.opml import parse_opml
from library.paths import Paths
from library.showsettings import ShowDefaults, update_show_settings
from library.store import connect
from player import LibVLCMissing, PlayerState, PlayerStatus
from tests.downloads.conftest import audio
from tests.feedgen import BASE_TIME, Channel, Item, show
from tests.tui.conftest import archive_now, failing_now, main, publish_new, quiet_config, \
    ready, shows, subscribe_now, wait_for
from tests.tui.fakes import ScriptedEngine
from tui.app import build_app
from tui.demo.directory import FakeDirectory, ListedShow
from tui.screens.opml import ImportReportDialog

SIZE = (120, 36)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def snap_compare(snap_compare):
    """The plugin's snap_compare, with every text field's cursor held still (shown) once
    ``run_before`` is done: it blinks every half second, so on a busy machine a snapshot
    taken later than usual caught it hidden."""
    def compare(app, run_before=None, **kwargs):
        async def steady(pilot):
            if run_before is not None:
                await run_before(pilot)
            for field in pilot.app.screen.query(Input):
                field.cursor_blink = False
            await pilot.pause()
        return snap_compare(app, run_before=steady, **kwargs)
    return compare


@pytest.fixture
def snapshot_paths(data_dir) -> Paths:
    return Paths(data_dir=data_dir, config_file=Path("/home/you/.config/podterm/config.toml"),
                 log_dir=data_dir / "logs")


def app_for(paths: Paths, engine_factory=None, config=None):
    return build_app(paths, config or quiet_config(),
                     engine_factory or (lambda settings, log_dir: ScriptedEngine()))


def two_shows(paths, server) -> None:
    subscribe_now(paths, server, show("Nonlinear Thoughts", 6), Channel(
        "The [bold]Long[/] Show", [Item("A very long conversation", guid="long",
                                        duration="1:02:05", published=1_700_000_000)]))


def test_empty_library(snap_compare, snapshot_paths):
    async def run_before(pilot):
        await shows(pilot, "No subscriptions yet")

    assert snap_compare(app_for(snapshot_paths), terminal_size=SIZE, run_before=run_before)


def test_library_with_episodes(snap_compare, snapshot_paths, server):
    two_shows(snapshot_paths, server)

    async def run_before(pilot):
        await ready(pilot, feeds=2)
        await pilot.press("tab", "j")
        await shows(pilot, "Nonlinear Thoughts #4")

    assert snap_compare(app_for(snapshot_paths), terminal_size=SIZE, run_before=run_before)


def test_playing(snap_compare, snapshot_paths, server):
    two_shows(snapshot_paths, server)
    engine = ScriptedEngine()

    async def run_before(pilot):
        await ready(pilot, feeds=2)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: engine.played, what="play")
        engine.status_now = PlayerStatus(state=PlayerState.PLAYING, source=engine.played[0][0],
                                         position=754.0, duration=2585.0, volume=80, rate=1.2,
                                         error=None)
        await shows(pilot, "12:34 / 43:05", "1.2×  vol 80%")

    app = app_for(snapshot_paths, lambda settings, log_dir: engine)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_archived_feed_page(snap_compare, snapshot_paths, server):
    subscribe_now(snapshot_paths, server, show("Nonlinear Thoughts", 2))
    archive_now(snapshot_paths, server, show("Lost [bold]Show[/]", 4))

    async def run_before(pilot):
        await ready(pilot, feeds=2)  # the archived one first, by title
        await shows(pilot, "This feed was archived on 2024-10-03.", "Lost [bold]Show[/] #3")

    assert snap_compare(app_for(snapshot_paths), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, snapshot_paths):
    async def run_before(pilot):
        await shows(pilot, "No subscriptions yet")
        await pilot.press("question_mark")
        await shows(pilot, "play_pause")

    assert snap_compare(app_for(snapshot_paths), terminal_size=(120, 44), run_before=run_before)


def test_opml_import_report(snap_compare, snapshot_paths, server):
    subscribe_now(snapshot_paths, server, show("Already Here", 1))
    document = parse_opml(
        ("<?xml version='1.0'?><opml version='2.0'><head/><body>"
         "<outline text='News'><outline type='rss' text='Daily [red]Brief[/]' "
         "xmlUrl='https://news.example.org/feed'/></outline>"
         "<outline type='rss' text='Weekly Deep Dive' xmlUrl='https://deep.example.org/rss'/>"
         f"<outline type='rss' text='Already Here' xmlUrl='{server.url('/feeds/0.xml')}'/>"
         "<outline type='rss' text='Old Gopher Show' xmlUrl='gopher://old.example.org/'/>"
         "<outline text='A website, not a feed' htmlUrl='https://example.org/'/>"
         "</body></opml>").encode())
    conn = connect(snapshot_paths.database)
    report = import_opml(conn, document)
    conn.close()

    async def run_before(pilot):
        await ready(pilot, feeds=3)
        pilot.app.push_screen(ImportReportDialog(Path("subscriptions.opml"), report))
        await shows(pilot, "Weekly Deep Dive")

    assert snap_compare(app_for(snapshot_paths), terminal_size=SIZE, run_before=run_before)


def test_error_dialog_when_libvlc_is_missing(snap_compare, snapshot_paths, server):
    subscribe_now(snapshot_paths, server, show("Nonlinear Thoughts", 2))

    def no_vlc(settings, log_dir):
        raise LibVLCMissing("NameError: no function 'libvlc_new'")

    async def run_before(pilot):
        await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: main(pilot.app).playback.engine_error is not None)
        await pilot.press("tab", "enter")
        await shows(pilot, "sudo apt install libvlc5")

    assert snap_compare(app_for(snapshot_paths, no_vlc), terminal_size=SIZE,
                        run_before=run_before)


def test_archived_feed_page_at_80x24_keeps_episode_rows(snap_compare, snapshot_paths, server):
    """A small terminal: the notice compacts, five episodes stay visible, and the
    Footer keeps "? Keys" and "q Quit" at its right end."""
    subscribe_now(snapshot_paths, server, show("Nonlinear Thoughts", 2))
    archive_now(snapshot_paths, server, show("Lost Show", 8))

    async def run_before(pilot):
        await ready(pilot, feeds=2)
        await shows(pilot, "Archived on 2024-10-03", "Lost Show #3", "? Keys", "q Quit")

    assert snap_compare(app_for(snapshot_paths), terminal_size=(80, 24), run_before=run_before)


def test_key_conflict_warning(snap_compare, snapshot_paths):
    config = quiet_config()
    config["keys"]["play_pause"] = "q"

    async def run_before(pilot):
        await shows(pilot, "is bound to both")

    assert snap_compare(app_for(snapshot_paths, config=config), terminal_size=(100, 30),
                        run_before=run_before)


DAY = 86_400


def a_day_of_listening(paths, server) -> None:
    """Two shows; three episodes in Up Next (one half heard); three new in the inbox."""
    nonlinear = show("Nonlinear Thoughts", 6)
    long = Channel("The [bold]Long[/] Show", [Item("A very long conversation", guid="long",
                                                   duration="1:02:05", published=BASE_TIME)])
    subscribe_now(paths, server, nonlinear, long)
    publish_new(paths, server, 0, nonlinear, *(
        Item(f"Nonlinear Thoughts #{n}: new and shiny", guid=f"new-{n}", duration="41:10",
             published=BASE_TIME + n * DAY) for n in (9, 8)), subscribed_at=BASE_TIME + 7 * DAY)
    publish_new(paths, server, 1, long, Item("Another [red]long[/] one", guid="long-2",
                                             duration="2:00:00", published=BASE_TIME + 8.5 * DAY),
                subscribed_at=BASE_TIME + 7 * DAY)
    conn = connect(paths.database)
    ids = dict(conn.execute("SELECT guid, id FROM episodes"))
    upnext.add(conn, [ids["Nonlinear Thoughts-4"], ids["long"], ids["Nonlinear Thoughts-1"]])
    save_position(conn, ids["long"], 1800)
    conn.close()


async def open_place(pilot, rows_up: int, *texts: str) -> None:
    await ready(pilot, feeds=2)
    await pilot.press(*["k"] * rows_up)  # from the first subscription up to the entry
    await shows(pilot, *texts)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_up_next(snap_compare, snapshot_paths, server, size):
    a_day_of_listening(snapshot_paths, server)

    async def run_before(pilot):
        await open_place(pilot, 2, "Up Next  3 episodes, 1:25:10 left", "16:37")

    assert snap_compare(app_for(snapshot_paths), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_inbox(snap_compare, snapshot_paths, server, size):
    a_day_of_listening(snapshot_paths, server)

    async def run_before(pilot):
        await open_place(pilot, 1, "Inbox  3 new episodes from 2 shows", "2023-11-23")

    assert snap_compare(app_for(snapshot_paths), terminal_size=size, run_before=run_before)


def test_show_settings_dialog(snap_compare, snapshot_paths, server):
    subscribe_now(snapshot_paths, server, show("Nonlinear Thoughts", 2))
    conn = connect(snapshot_paths.database)
    update_show_settings(conn, 1, {"speed": 1.3, "skip_intro_s": 45}, ShowDefaults())
    conn.close()

    async def run_before(pilot):
        await ready(pilot, feeds=1)
        # The keys behind the dialog follow the highlighted episode a few frames after
        # its list is drawn: wait for them, or the snapshot catches whichever frame.
        await shows(pilot, "⏎ Play")
        await pilot.press("o")
        await shows(pilot, "Settings: Nonlinear Thoughts", "default (none)")
        pilot.app.screen.query_one("#setting-auto_download_newest").value = "200"
        await pilot.press("enter")
        await shows(pilot, "auto-download newest must be a whole number from 0 to 100")

    assert snap_compare(app_for(snapshot_paths), terminal_size=(80, 24), run_before=run_before)


def test_episode_list_with_download_marks(snap_compare, snapshot_paths, server):
    """Downloaded (also played), downloading in another podterm (37 %), failed, stopped
    with a partial file, and not downloaded."""
    body = audio(102_400)
    items = [Item(f"Offline episode {n}", guid=f"off-{n}", duration="42:00",
                  enclosure=server.url(f"/media/{n}.mp3") if n == 3 else
                  server.add(f"/media/{n}.mp3", body, "audio/mpeg"),
                  published=BASE_TIME + n * 86_400) for n in range(6, 0, -1)]
    subscribe_now(snapshot_paths, server, Channel("Offline Show", items))
    conn = connect(snapshot_paths.database)
    ids = {n: conn.execute("SELECT id FROM episodes WHERE guid = ?", (f"off-{n}",)).fetchone()[0]
           for n in range(1, 7)}
    settings = DownloadSettings.from_config(default_config()["downloads"], snapshot_paths)
    with Downloader(snapshot_paths.database, settings) as downloader:
        downloader.add([ids[6], ids[3], ids[1]])  # 3 answers 404
        assert downloader.wait(60)
    set_played(conn, ids[1], True)
    for n, state in ((5, "downloading"), (2, "cancelled")):
        record_queued(conn, plan_download(conn, ids[n], settings.dir))
        record_started(conn, ids[n], 37_000, 100_000, None)
        if state == "cancelled":
            record_finished(conn, ids[n], state, 37_000, 100_000, None)
    conn.commit()
    conn.close()

    async def run_before(pilot):
        await ready(pilot, feeds=1)
        await pilot.press("tab")
        await shows(pilot, "↓37%", "↓✗", "↓‖")

    assert snap_compare(app_for(snapshot_paths), terminal_size=SIZE, run_before=run_before)


def test_failing_feed_page(snap_compare, snapshot_paths, server):
    """Failing but not archived: since when, the last error, when the rule would archive
    it (its date is past here, so only the checks are left), and a key for each way out."""
    subscribe_now(snapshot_paths, server, show("Nonlinear Thoughts", 2))
    failing_now(snapshot_paths, server, show("Lost [bold]Show[/]", 4))

    async def run_before(pilot):
        await ready(pilot, feeds=2)  # the failing one first, by title
        await shows(pilot, "2 checks failed in a row since 2024-10-01", "Lost [bold]Show[/] #3")

    assert snap_compare(app_for(snapshot_paths), terminal_size=SIZE, run_before=run_before)


def test_failing_feed_page_at_80x24_keeps_episode_rows(snap_compare, snapshot_paths, server):
    subscribe_now(snapshot_paths, server, show("Nonlinear Thoughts", 2))
    failing_now(snapshot_paths, server, show("Lost Show", 8))

    async def run_before(pilot):
        await ready(pilot, feeds=2)
        await shows(pilot, "2 failed checks since 2024-10-01", "Lost Show #3", "? Keys")

    assert snap_compare(app_for(snapshot_paths), terminal_size=(80, 24), run_before=run_before)


def test_directory_search_results(snap_compare, snapshot_paths, server):
    """Three shows of one name told apart: author, description, episodes, newest episode,
    directories, address; the one already subscribed is marked."""
    newest = 1_764_000_000  # 2025-11-24 UTC
    conn = connect(snapshot_paths.database)
    add_feed(conn, "http://harbor.example/tidewater.xml")  # https below: the same feed
    conn.close()
    fake = FakeDirectory(server, [
        ListedShow("Tidewater Dispatch", "Harbor Radio", "https://harbor.example/tidewater.xml",
                   111, description="Weekly news from the tidewater towns: ferries, fisheries "
                   "and the council, read by volunteers.", episode_count=412, newest=newest),
        ListedShow("Tidewater Dispatch", "Mara Quinn", "https://mq.example/feed", 222,
                   description="A serialized mystery set on the bay. Season two is out now.",
                   episode_count=24, newest=newest - 400 * 86_400),
        ListedShow("Tidewater [b]Dispatch[/b]", "County Archive", "https://archive.example/td",
                   333, episode_count=7),
    ])
    config = quiet_config()
    config["directory"].update(fake.config_table())

    async def run_before(pilot):
        await ready(pilot, feeds=1)
        await pilot.press("S")
        await pilot.press(*"tidewater", "enter")
        await shows(pilot, "3 shows found", "County Archive")

    assert snap_compare(app_for(snapshot_paths, config=config), terminal_size=SIZE,
                        run_before=run_before)
