"""Downloads in the TUI: the real downloader against a loopback media host with Range
(tests/downloads/media_server.py), the real library, and the real player (libVLC with
--aout=dummy). Keys drive everything; assertions are on the screen, the notifications,
the files and the library, and on what the media host was asked for."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from library.config import default_config
from library.downloader import Downloader
from library.downloads import INTERRUPTED, DownloadSettings, get_download
from library.episodes import save_position, set_played
from library.store import connect
from player import PlayerState
from tests.downloads.conftest import audio
from tests.downloads.media_server import MediaServer
from tests.feedgen import BASE_TIME, Channel, Item
from tests.filesystems import fill, small_tmpfs
from tests.tui.conftest import main, quiet_config, ready, screen_text, shows, subscribe, \
    wait_for
from tui.demo.demo import tones_wav
from tui.screens.dialogs import ConfirmDialog
from tui.screens.remove_feed import RemoveFeedDialog
from tui.widgets.panes import EpisodesTable

SIZE = (120, 36)


@pytest.fixture
def media() -> Iterator[MediaServer]:
    with MediaServer("127.0.0.1") as server:
        yield server


def channel(title: str, *enclosures: str, kind: str = "audio/mpeg") -> Channel:
    """A show whose episode n (newest first: the last enclosure is episode 1) plays
    ``enclosures[-n]``."""
    count = len(enclosures)
    return Channel(title, [Item(f"{title} episode {count - i}", guid=f"{title}-{count - i}",
                                duration="1:00", enclosure=url, enclosure_type=kind,
                                published=BASE_TIME + (count - i) * 86_400)
                           for i, url in enumerate(enclosures)])


def episode_ids(paths) -> list[int]:
    """Every episode's id, newest first (as the list shows them)."""
    conn = connect(paths.database)
    try:
        return [row[0] for row in conn.execute(
            "SELECT id FROM episodes ORDER BY published_at DESC")]
    finally:
        conn.close()


def download_of(paths, episode_id: int):
    conn = connect(paths.database)
    try:
        return get_download(conn, episode_id)
    finally:
        conn.close()


def part_size(paths, episode_id: int) -> int:
    """The size of the episode's .part file (-1: there is none)."""
    download = download_of(paths, episode_id)
    part = Path(download.path + ".part") if download else None
    return part.stat().st_size if part and part.exists() else -1


def mark(app, episode_id: int) -> str:
    """The episode's download mark, as its row shows it."""
    return app.query_one(EpisodesTable).get_cell(episode_id, "download").plain


def bar_shown(app) -> bool:
    return app.query_one("#downloads-status").display


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_D_downloads_the_episode_and_its_row_and_the_status_line_show_it(
        make_app, paths, server, media, messages):
    body = audio(300_000)
    gate = threading.Event()  # the host answers only when the test says so

    def held(_headers):
        gate.wait(30)
        return 200, {"Content-Type": "audio/mpeg"}, body

    await subscribe(paths, server, channel("Offline", media.route("/ep.mp3", held)))
    [episode_id] = episode_ids(paths)
    app = make_app()
    try:
        async with app.run_test(size=SIZE, message_hook=messages) as pilot:
            await ready(pilot, feeds=1)
            assert mark(app, episode_id) == ""
            await pilot.press("tab", "D")
            await shows(pilot, "↓ Downloads 0 of 1 done")
            await wait_for(pilot, lambda: mark(app, episode_id) == "↓…", what="queued")
            gate.set()
            await wait_for(pilot, lambda: mark(app, episode_id) == "↓", what="downloaded")
            await wait_for(pilot, lambda: messages.notified("Downloaded Offline episode 1"))
            await wait_for(pilot, lambda: not bar_shown(app), what="status line gone")
            await pilot.press("D")  # once downloaded, D says so and fetches nothing
            await wait_for(pilot, lambda: messages.notified(
                "Download: not now, it is downloaded already."))
            await pilot.press("q")
    finally:
        gate.set()
    download = download_of(paths, episode_id)
    assert download.state == "done"
    assert sha(Path(download.path).read_bytes()) == sha(body)
    assert len(media.hits_for("/ep.mp3")) == 1


async def test_playing_a_downloaded_episode_plays_the_file_from_the_saved_position(
        make_app, paths, server, media):
    url = media.add("/tone.wav", tones_wav(60), "audio/wav")
    await subscribe(paths, server, channel("Local", url, kind="audio/wav"))
    [episode_id] = episode_ids(paths)
    conn = connect(paths.database)
    save_position(conn, episode_id, 30.0)
    conn.close()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "D")
        await wait_for(pilot, lambda: mark(app, episode_id) == "↓", what="downloaded")
        local = download_of(paths, episode_id).path
        asked = len(media.hits)
        await pilot.press("enter")
        engine = main(app).playback.engine

        def playing_from_file() -> bool:
            status = engine.status()
            return status.state is PlayerState.PLAYING and status.position > 0

        await wait_for(pilot, playing_from_file, what="playing")
        status = engine.status()
        assert status.source == local
        # From the saved 30 s, less the engine's rewind_on_resume_s (5 s).
        assert 24 <= status.position <= 35
        assert len(media.hits) == asked  # nothing was fetched to play it
        await pilot.press("q")


async def test_stopping_keeps_the_part_file_and_downloading_again_resumes(
        make_app, paths, server, media, messages):
    body = audio(2_000_000, seed=3)
    held = 512 * 1024
    media.add("/long.mp3", body, hold_after=held)  # sends this much, then waits
    await subscribe(paths, server, channel("Resume", media.url("/long.mp3")))
    [episode_id] = episode_ids(paths)
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "D")
        await wait_for(pilot, lambda: part_size(paths, episode_id) == held,
                       what="half downloaded")
        await wait_for(pilot, lambda: re.fullmatch(r"↓ ?\d+%", mark(app, episode_id)),
                       what="a percent in the row")
        await wait_for(pilot, lambda: re.search(r"↓ Downloads 0 of 1 done · .* │ Resume "
                                                r"episode 1 \d+%", screen_text(app)),
                       what="the status line")
        await pilot.press("C")
        await wait_for(pilot, lambda: mark(app, episode_id) == "↓‖", what="stopped")
        assert download_of(paths, episode_id).state == "cancelled"
        assert part_size(paths, episode_id) == held
        assert not messages.notified("Download failed")

        media.media["/long.mp3"].hold_after = None  # now the host sends the rest
        await pilot.press("D")
        await wait_for(pilot, lambda: mark(app, episode_id) == "↓", what="downloaded")
        await pilot.press("q")
    hits = media.hits_for("/long.mp3")
    assert [hit.range for hit in hits] == [None, f"bytes={held}-"]
    assert hits[1].status == 206
    assert sha(Path(download_of(paths, episode_id).path).read_bytes()) == sha(body)


async def test_failures_are_notified_with_the_reason_and_marked(
        make_app, paths, server, media, messages):
    page = media.add("/page.mp3", b"<!DOCTYPE html><html><body>Moved</body></html>",
                     "text/html")
    good = media.add("/good.mp3", audio(50_000))
    await subscribe(paths, server, channel("Broken", media.url("/gone.mp3"), page, good))
    gone_id, page_id, good_id = episode_ids(paths)  # the rows, top to bottom
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "D")
        await wait_for(pilot, lambda: messages.notified("Broken episode 3: HTTP 404 Not Found"))
        await wait_for(pilot, lambda: mark(app, gone_id) == "↓✗", what="marked failed")
        await pilot.press("j", "D")
        await wait_for(pilot, lambda: messages.notified(
            "Broken episode 2: not audio: the server sent text/html (a web page)"))
        await wait_for(pilot, lambda: mark(app, page_id) == "↓✗", what="marked failed")
        await pilot.press("j", "D")  # one failure stops no other download
        await wait_for(pilot, lambda: mark(app, good_id) == "↓", what="downloaded")
        media.add("/gone.mp3", audio(40_000))  # it is back: D tries again
        await pilot.press("k", "k", "D")
        await wait_for(pilot, lambda: mark(app, gone_id) == "↓", what="retried")
        await pilot.press("q")
    assert [n for n in messages.notifications() if n.startswith("Download failed")] == [
        "Download failed: Broken episode 3: HTTP 404 Not Found\nD tries again.",
        "Download failed: Broken episode 2: not audio: the server sent text/html (a web "
        "page)\nD tries again."]
    assert download_of(paths, page_id).state == "failed"


async def test_a_full_disk_fails_that_download_and_keeps_its_part(
        make_app, paths, server, media, messages, tmp_path):
    body = audio(3_000_000, seed=5)
    media.add("/big.mp3", body)
    await subscribe(paths, server, channel("Huge", media.url("/big.mp3")))
    [episode_id] = episode_ids(paths)
    with small_tmpfs(tmp_path / "small", "2m") as folder:
        fill(folder, leave_bytes=256 * 1024)
        config = quiet_config()
        config["downloads"]["dir"] = str(folder / "downloads")
        app = make_app(config)
        async with app.run_test(size=SIZE, message_hook=messages) as pilot:
            await ready(pilot, feeds=1)
            await pilot.press("tab", "D")
            await wait_for(pilot, lambda: messages.notified("Huge episode 1: disk full"))
            await wait_for(pilot, lambda: mark(app, episode_id) == "↓✗", what="marked failed")
            await pilot.press("m")  # the library itself still saves
            await wait_for(pilot, lambda: main(app).highlighted_episode.played)
            await pilot.press("q")
        download = download_of(paths, episode_id)
        part = Path(download.path + ".part")
        assert download.state == "failed" and download.error == "disk full"
        assert 0 < part.stat().st_size < len(body)
        assert part.read_bytes() == body[:part.stat().st_size]


@pytest.mark.parametrize("delete", [True, False])
async def test_removing_a_show_asks_about_its_downloads_in_the_same_dialog(
        make_app, paths, server, media, messages, delete):
    media.add("/keep.mp3", audio(100_000))
    await subscribe(paths, server, channel("Goodbye", media.url("/keep.mp3")))
    [episode_id] = episode_ids(paths)
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "D")
        await wait_for(pilot, lambda: mark(app, episode_id) == "↓", what="downloaded")
        path = Path(download_of(paths, episode_id).path)
        await pilot.press("shift+tab", "d")
        await wait_for(pilot, lambda: isinstance(app.screen, RemoveFeedDialog))
        await shows(pilot, "Unsubscribe from Goodbye",
                    "Also delete its 1 downloaded episode (100.0 kB)")
        if delete:
            await pilot.click("#delete-downloads")
        await pilot.press("y")
        await ready(pilot, feeds=0)
        await pilot.press("q")
    assert path.exists() is not delete
    if delete:
        assert messages.notified("Removed Goodbye. Deleted its 1 download (100.0 kB).")
    else:
        assert messages.notified("Removed Goodbye. Kept its 1 downloaded file (100.0 kB)")


async def test_removing_a_show_without_downloads_asks_the_plain_question(
        make_app, paths, server, messages):
    await subscribe(paths, server, channel("Plain", "http://127.0.0.1:9/x.mp3"))
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert not isinstance(app.screen, RemoveFeedDialog)  # no files, no checkbox
        await pilot.press("y")
        await ready(pilot, feeds=0)
    assert messages.notified("Removed Plain.")


async def test_delete_asks_then_deletes_the_file(make_app, paths, server, media, messages):
    media.add("/once.mp3", audio(80_000))
    await subscribe(paths, server, channel("Tidy", media.url("/once.mp3")))
    [episode_id] = episode_ids(paths)
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "D")
        await wait_for(pilot, lambda: mark(app, episode_id) == "↓", what="downloaded")
        path = Path(download_of(paths, episode_id).path)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await shows(pilot, "Delete the downloaded file of Tidy", "(80.0 kB)?",
                    "not played it yet.")
        await pilot.press("n")
        assert path.exists()
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: mark(app, episode_id) == "", what="mark gone")
        await pilot.press("q")
    assert not path.exists() and download_of(paths, episode_id) is None


async def test_quitting_interrupts_running_downloads_so_they_resume(
        make_app, paths, server, media):
    body = audio(1_000_000, seed=7)
    held = 256 * 1024
    media.add("/quit.mp3", body, hold_after=held)
    await subscribe(paths, server, channel("Quit", media.url("/quit.mp3")))
    [episode_id] = episode_ids(paths)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "D")
        await wait_for(pilot, lambda: part_size(paths, episode_id) == held)
        await pilot.press("q")
    download = download_of(paths, episode_id)
    assert (download.state, download.error) == ("failed", INTERRUPTED)
    assert Path(download.path + ".part").stat().st_size > 0


def download_now(paths, episode_id: int) -> None:
    """Download with the library's own downloader, before the app opens."""
    settings = DownloadSettings.from_config(default_config()["downloads"], paths)
    with Downloader(paths.database, settings) as downloader:
        downloader.add([episode_id])
        assert downloader.wait(60)


async def test_after_the_refresh_at_start_the_rules_apply(make_app, paths, server, media,
                                                          messages):
    """auto_newest = 1: the newest episode is downloaded; a download played two days
    ago is deleted (delete_played_after_days = 1); an unplayed one stays."""
    urls = [media.add(f"/{n}.mp3", audio(60_000, seed=n)) for n in (3, 2, 1)]
    await subscribe(paths, server, channel("Rules", *urls))
    newest, middle, oldest = episode_ids(paths)
    download_now(paths, middle)
    download_now(paths, oldest)
    conn = connect(paths.database)
    set_played(conn, oldest, True)
    conn.execute("UPDATE downloads SET played_at = ? WHERE episode_id = ?",
                 (time.time() - 2 * 86_400, oldest))
    conn.commit()
    conn.close()
    config = quiet_config()
    config["refresh"]["on_start"] = True
    config["downloads"]["auto_newest"] = 1
    app = make_app(config)
    async with app.run_test(size=SIZE, message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: mark(app, newest) == "↓", what="auto-downloaded")
        await wait_for(pilot, lambda: mark(app, oldest) == "", what="played one deleted")
        assert mark(app, middle) == "↓"
        await pilot.press("q")
    assert messages.notified("Deleted 1 download of played episodes (60.0 kB).")
    assert download_of(paths, oldest) is None
    assert download_of(paths, newest).state == "done"


@pytest.mark.parametrize("make_room", [True, False])
async def test_auto_download_asks_before_unplayed_downloads_go_for_room(
        make_app, paths, server, media, messages, make_room):
    """max_gb leaves no room for the newest episode (the feed says 12.3 MB) next to an
    unplayed 2 MB download: the user decides."""
    urls = [media.add(f"/{n}.mp3", audio(2_000_000, seed=n)) for n in (2, 1)]
    await subscribe(paths, server, channel("Room", *urls))
    newest, oldest = episode_ids(paths)
    download_now(paths, oldest)
    config = quiet_config()
    config["refresh"]["on_start"] = True
    config["downloads"].update(auto_newest=1, max_gb=0.0125)  # 13.4 MB
    app = make_app(config)
    async with app.run_test(size=SIZE, message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await shows(pilot, "needs room under max_gb", "Delete 1 unplayed download to make it?")
        await pilot.press("y" if make_room else "n")
        if make_room:
            await wait_for(pilot, lambda: mark(app, newest) == "↓", what="auto-downloaded")
            assert mark(app, oldest) == ""
        else:
            await wait_for(pilot, lambda: messages.notified("Skipped 1 automatic download"))
            assert mark(app, oldest) == "↓" and mark(app, newest) == ""
        await pilot.press("q")
    assert (download_of(paths, oldest) is None) is make_room


async def test_a_download_made_by_another_podterm_is_marked_when_the_list_reloads(
        make_app, paths, server, media):
    """The list reads the library's download marks each time it loads (once the first
    screen is drawn, after a refresh): a mark new since the rows were drawn is drawn,
    though the episodes themselves did not change."""
    media.add("/other.mp3", audio(60_000))
    await subscribe(paths, server, channel("Elsewhere", media.url("/other.mp3")))
    [episode_id] = episode_ids(paths)

    def row() -> str:
        return next(line for line in screen_text(app).splitlines()
                    if "Elsewhere episode 1" in line)

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: "Elsewhere episode 1" in screen_text(app))
        assert "↓" not in row()
        settings = DownloadSettings.from_config(default_config()["downloads"], paths)
        with Downloader(paths.database, settings) as other_podterm:
            other_podterm.add([episode_id])
            assert other_podterm.wait(60)
        screen.load_episodes()
        await wait_for(pilot, lambda: mark(app, episode_id) == "↓", what="the mark read")
        await wait_for(pilot, lambda: "↓" in row(), what="the mark drawn")
        await pilot.press("q")
