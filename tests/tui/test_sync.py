"""Sync in the player, against the real gpodder.net API server (gpodder-fastapi-router
under uvicorn on 127.0.0.1) and the Nextcloud stand-in, with a "phone" shaped like
AntennaPod: at start, on the key, on the timer; the status line; the password and removal
questions; failures that lose nothing; quitting in the middle of a sync."""

from __future__ import annotations

import asyncio
import io
import itertools
import socket
import time
from datetime import datetime

import pytest
from rich.console import Console

from library.episodes import get_episode
from library.feeds import remove_feed
from library.paths import Paths
from library.store import connect
from library.sync.client import open_api
from library.sync.settings import SyncSettings
from tests.feedgen import rss, show
from tests.filesystems import remount, small_tmpfs
from tests.syncservers import GpodderServer, Library, NextcloudStandIn, Phone, utc
from tests.tui.conftest import (
    main, playable_show, quiet_config, ready, screen_text, shows, subscribe, wait_for,
)
from tests.tui.fakes import ScriptedEngine
from tests.tui.test_library_states import paths_in
from player import PlayerState
from tui.app import build_app
from tui.demo.demo import run_demo
from tui.screens.sync import PasswordDialog, RemovalDialog
from tui.state import UiState, save_state

pytestmark = pytest.mark.filterwarnings("ignore:\\s*on_event is deprecated:DeprecationWarning")

PASSWORD = "correcthorse42"
DEVICE = "podterm-laptop"
_users = itertools.count(1)


@pytest.fixture(scope="module")
def gpodder(tmp_path_factory):
    with GpodderServer(tmp_path_factory.mktemp("gpodder") / "server.sqlite3") as running:
        yield running


@pytest.fixture
def user(gpodder) -> str:
    """A fresh account on the server."""
    name = f"tui{next(_users)}"
    gpodder.register(name, PASSWORD)
    gpodder.faults.rules.clear()
    return name


def sync_config(gpodder, user: str, **sync):
    config = quiet_config()
    config["sync"].update(server=gpodder.url, username=user, password=PASSWORD, device=DEVICE)
    config["sync"].update(sync)
    return config


def scripted():
    engine = ScriptedEngine()
    return engine, (lambda settings, log_dir: engine)


def linked_phone(gpodder, user: str) -> Phone:
    """A phone whose subscriptions the laptop shares (what `sync login` offers)."""
    phone = Phone(gpodder.url, user, PASSWORD)
    settings = SyncSettings(server=gpodder.url, username=user, password=PASSWORD,
                            device=DEVICE).checked()
    with open_api(settings) as api:
        api.start()
        api.link([phone.device])
    return phone


def requests_from(gpodder, user: str, path: str = "") -> int:
    """podterm's requests for ``user`` so far (those whose path has ``path``)."""
    return sum(1 for seen in gpodder.faults.seen
               if seen.headers.get("user-agent", "").startswith("podterm/")
               and f"/{user}" in seen.path and path in seen.path)


def stored(paths, guid: str):
    conn = connect(paths.database)
    try:
        row = conn.execute("SELECT id FROM episodes WHERE guid = ?", (guid,)).fetchone()
        return get_episode(conn, row[0])
    finally:
        conn.close()


def outbox_rows(paths) -> list[tuple[str, str, float | None]]:
    conn = connect(paths.database)
    try:
        return [(row["action"], row["guid"], row["position"])
                for row in conn.execute("SELECT action, guid, position FROM sync_outbox")]
    finally:
        conn.close()


def first_sync(paths, gpodder, user: str) -> set[str]:
    """The library's first sync with the account (it merges: nothing is removed)."""
    library = Library(paths.database, gpodder.url, user, PASSWORD, DEVICE)
    try:
        assert library.sync().ok
        return library.feeds()
    finally:
        library.close()


def desk_unsubscribes_from_all(database, gpodder, user: str) -> None:
    """Another podterm, linked with the laptop, gets every feed and unsubscribes."""
    desk = Library(database, gpodder.url, user, PASSWORD, "podterm-desk")
    try:
        with open_api(desk.settings.checked()) as api:
            api.start()
            api.link([DEVICE])
        assert desk.sync().ok and desk.feeds()
        for (feed_id,) in desk.conn.execute("SELECT id FROM feeds").fetchall():
            remove_feed(desk.conn, feed_id)
        assert desk.sync().ok
    finally:
        desk.close()


def desk_feeds(database, gpodder, user: str) -> set[str]:
    desk = Library(database, gpodder.url, user, PASSWORD, "podterm-desk")
    try:
        assert desk.sync().ok
        return desk.feeds()
    finally:
        desk.close()


def by_guid(screen, guid: str):
    return next((e for e in screen.episodes.values() if e.guid == guid), None)


async def synced(pilot) -> None:
    await shows(pilot, "✓ Synced just now")


async def test_the_player_syncs_at_start_and_the_phones_changes_appear(
        make_app, paths, server, gpodder, user):
    await subscribe(paths, server, show("Laptop Show", 2))
    phone = await asyncio.to_thread(linked_phone, gpodder, user)
    theirs = show("Phone Show", 3)
    url = server.add("/phone.xml", rss(theirs), "application/rss+xml")
    heard = theirs.items[1]  # "Phone Show-1"
    await asyncio.to_thread(phone.subscribe, [url])
    await asyncio.to_thread(phone.upload, [phone.play(url, heard.enclosure, heard.guid, 321,
                                                      1800, int(time.time()))])
    app = make_app(sync_config(gpodder, user), scripted()[1])
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main(app)
        # Fetched by a refresh process that yields the CPU to the UI: slow on a busy machine.
        await wait_for(pilot, lambda: len(screen.feeds) == 2, timeout=90,
                       what="the phone's feed")
        await synced(pilot)
        assert "Phone Show" in screen_text(app)
        await pilot.press("j")  # the phone's feed, fetched, with where the phone stopped
        await wait_for(pilot, lambda: by_guid(screen, "Phone Show-1") is not None
                       and by_guid(screen, "Phone Show-1").position_s == 321,
                       what="the phone's position in the list")
        await pilot.press("q")
    laptop_url = next(f.url for f in screen.feeds if f.title == "Laptop Show")
    assert await asyncio.to_thread(phone.subscriptions) == {laptop_url, url}


async def test_sync_now_and_a_cued_episode_resumes_where_the_phone_stopped(
        make_app, paths, server, gpodder, user, messages):
    [feed_id] = await subscribe(paths, server, show("Resume Show", 2))
    episode = await asyncio.to_thread(stored, paths, "Resume Show-1")
    # podterm was closed while this episode played: it opens cued (paused, position 0).
    save_state(paths.data_dir, UiState(feed_id, episode.id, episode.id))
    phone = await asyncio.to_thread(linked_phone, gpodder, user)
    engine, factory = scripted()
    app = make_app(sync_config(gpodder, user), factory)
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: screen.playback.episode is not None, what="cued")
        await synced(pilot)
        feed_url = screen.feeds[0].url
        await asyncio.to_thread(phone.upload, [phone.play(
            feed_url, episode.enclosure_url, episode.guid, 777, 1800, int(time.time()))])
        logins = requests_from(gpodder, user, "login")
        await pilot.press("Y")
        await wait_for(pilot, lambda: stored(paths, "Resume Show-1").position_s == 777,
                       what="the phone's position applied")
        await synced(pilot)
        assert requests_from(gpodder, user, "login") == logins + 1
        await messages.shown(pilot, "From other devices: 1 episode updated")
        await pilot.press("space")  # plays the cued episode: from the phone's position
        await wait_for(pilot, lambda: engine.played, what="play")
        assert engine.played[-1] == (episode.enclosure_url, 777)
        await pilot.press("q")


async def test_the_timer_syncs_while_the_player_is_open(make_app, paths, server, gpodder, user):
    await subscribe(paths, server, show("Timer Show", 2))
    phone = await asyncio.to_thread(linked_phone, gpodder, user)
    app = make_app(sync_config(gpodder, user, interval_min=0.002), scripted()[1])
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: screen.sync.view().last_success_at, what="synced")
        episode = by_guid(screen, "Timer Show-0")
        await asyncio.to_thread(phone.upload, [phone.play(
            screen.feeds[0].url, episode.enclosure_url, episode.guid, 1800, 1800,
            int(time.time()))])  # finished on the phone
        await wait_for(pilot, lambda: by_guid(screen, "Timer Show-0").played,
                       what="played, with no key pressed")
        await pilot.press("q")


async def test_a_failing_server_shows_the_reason_and_loses_nothing(
        make_app, paths, server, gpodder, user, messages):
    await subscribe(paths, server, show("Fragile Show", 2))
    phone = await asyncio.to_thread(linked_phone, gpodder, user)
    app = make_app(sync_config(gpodder, user), scripted()[1])
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        screen = await ready(pilot, feeds=1)
        await synced(pilot)
        await pilot.press("tab", "m")  # mark the first episode played
        await wait_for(pilot, lambda: outbox_rows(paths), what="the change recorded")
        [(_, guid, _)] = outbox_rows(paths)
        # Every attempt at uploading episode actions fails, as a proxy whose backend died.
        gpodder.faults.fail("POST", "/api/2/episodes/", status=502, times=3)
        await pilot.press("Y")
        await shows(pilot, "✗ Sync failed: the sync server failed: HTTP 502")
        retry_at = screen.sync.view().retry_at
        assert retry_at is not None and retry_at > time.time()
        await shows(pilot, f"— retrying at {datetime.fromtimestamp(retry_at):%H:%M}")
        await messages.shown(pilot, "Sync failed: • the sync server failed: HTTP 502")
        assert [(action, g) for action, g, _ in outbox_rows(paths)] == [("play", guid)]
        assert by_guid(screen, guid).played  # still played here
        assert not [a for a in await asyncio.to_thread(phone.actions) if a.get("guid") == guid]
        await pilot.press("Y")  # the server works again
        await synced(pilot)
        assert outbox_rows(paths) == []
        await pilot.press("q")
    [action] = [a for a in await asyncio.to_thread(phone.actions) if a.get("guid") == guid]
    assert action["position"] == action["total"]  # played, as AntennaPod reads it


async def test_the_password_is_asked_once_kept_for_the_session_and_never_shown(
        make_app, paths, server, gpodder, user, messages):
    await subscribe(paths, server, show("Secret Show", 1))
    app = make_app(sync_config(gpodder, user, password=""), scripted()[1])
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordDialog), what="asked")
        await pilot.press("escape")  # not now: nothing is sent
        await shows(pilot, "Sync paused: no password. Press Y to type the password.")
        assert requests_from(gpodder, user) == 0
        await pilot.press("Y")
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordDialog), what="again")
        await pilot.press(*"wrong1", "enter")
        await shows(pilot, "Sync paused: the server refused the password.")
        await messages.shown(pilot, "refused the user name or password")
        await pilot.press("Y")
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordDialog), what="again")
        await pilot.press(*PASSWORD)
        assert "•" * len(PASSWORD) in screen_text(app) and PASSWORD not in screen_text(app)
        await pilot.press("enter")
        await synced(pilot)
        logins = requests_from(gpodder, user, "login")
        await pilot.press("Y")  # no question this time: the password is remembered
        await wait_for(pilot, lambda: requests_from(gpodder, user, "login") > logins,
                       what="a second sync")
        await synced(pilot)
        assert not isinstance(app.screen, PasswordDialog)
        await pilot.press("q")
    assert PASSWORD.encode() not in b"".join(
        p.read_bytes() for p in paths.data_dir.rglob("*") if p.is_file())


async def test_removals_on_another_device_ask_remove_keep_or_later(
        make_app, paths, server, gpodder, user, tmp_path):
    titles = ("Gone", "Kept", "Later")
    await subscribe(paths, server, *(show(title, 1) for title in titles))
    urls = {title: server.url(f"/feeds/{n}.xml") for n, title in enumerate(titles)}
    assert await asyncio.to_thread(first_sync, paths, gpodder, user) == set(urls.values())
    desk = tmp_path / "desk.sqlite3"
    await asyncio.to_thread(desk_unsubscribes_from_all, desk, gpodder, user)
    answers = {"Gone": "r", "Kept": "k", "Later": "l"}
    app = make_app(sync_config(gpodder, user, interval_min=0.01), scripted()[1])
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main(app)
        asked = []
        while len(asked) < 3:
            await wait_for(pilot, lambda: isinstance(app.screen, RemovalDialog)
                           and app.screen.question.title not in asked, what="a question")
            title = app.screen.question.title
            await shows(pilot, f"{title} was unsubscribed on another device")
            asked.append(title)
            await pilot.press(answers[title])
        assert sorted(asked) == ["Gone", "Kept", "Later"]
        await shows(pilot, "1 feed unsubscribed on another device waits for your answer "
                           "(Y asks)")
        # The list reloads after the answers were carried out.
        await wait_for(pilot, lambda: sorted(f.title for f in screen.feeds)
                       == ["Kept", "Later"], what="Gone removed from the list")
        # The timer's syncs go on without asking again ...
        logins = requests_from(gpodder, user, "login")
        await wait_for(pilot, lambda: requests_from(gpodder, user, "login") >= logins + 2,
                       what="two more syncs")
        assert not isinstance(app.screen, RemovalDialog)
        # ... the one you start asks.
        await pilot.press("Y")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalDialog), what="asked")
        assert app.screen.question.title == "Later"
        await pilot.press("r")
        await wait_for(pilot, lambda: [f.title for f in screen.feeds] == ["Kept"],
                       what="removed here")
        await pilot.press("q")
    # "Keep" subscribed again everywhere: the desk has it back.
    assert await asyncio.to_thread(desk_feeds, desk, gpodder, user) == {urls["Kept"]}


async def test_quitting_during_a_sync_ends_it_at_once_and_loses_nothing(
        make_app, paths, server, messages):
    await subscribe(paths, server, show("Patient Show", 1))
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        config = quiet_config()
        config["sync"].update(server=f"http://127.0.0.1:{silent.getsockname()[1]}",
                              username="someone", password=PASSWORD)
        app = make_app(config, scripted()[1])
        async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
            screen = await ready(pilot, feeds=1)
            await pilot.press("tab", "m")
            await wait_for(pilot, lambda: outbox_rows(paths), what="a change to upload")
            await wait_for(pilot, lambda: screen.sync.running, what="syncing")
            await shows(pilot, "⟳ Syncing…")
            await pilot.press("q")
        # The sync's thread ended without waiting for the server's 30 s timeout.
        assert await asyncio.to_thread(screen.sync.idle.wait, 10)
    assert len(outbox_rows(paths)) == 2  # the subscription and the played mark


async def test_nextcloud_syncs_at_start_and_on_the_key(make_app, paths, server):
    [feed_id] = await subscribe(paths, server, show("Cloud Show", 2))
    episode = await asyncio.to_thread(stored, paths, "Cloud Show-1")
    feed_url = server.url("/feeds/0.xml")
    with NextcloudStandIn("alice", "app-password") as nextcloud:
        nextcloud.upload([{"podcast": feed_url, "episode": episode.enclosure_url,
                           "guid": episode.guid, "action": "PLAY",
                           "timestamp": utc(int(time.time())), "started": -1,
                           "position": 444, "total": -1}])
        config = quiet_config()
        config["sync"].update(server=nextcloud.url, api="nextcloud", username="alice",
                              password="app-password")
        app = make_app(config, scripted()[1])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await ready(pilot, feeds=1)
            await wait_for(pilot, lambda: by_guid(screen, "Cloud Show-1").position_s == 444,
                           what="the phone's position")
            await synced(pilot)
            await pilot.press("tab", "j", "m")  # "Cloud Show-0", the older one
            await wait_for(pilot, lambda: outbox_rows(paths), what="recorded")
            await pilot.press("Y")
            await wait_for(pilot, lambda: not outbox_rows(paths), what="uploaded")
            await pilot.press("q")
        played = [row for row in nextcloud.state.actions if row.guid == "Cloud Show-1"]
        assert played and played[0].position == 444
        newest = [row for row in nextcloud.state.actions if row.guid == "Cloud Show-0"]
        assert newest and newest[0].position == newest[0].total > 0


async def test_listening_reaches_the_phone_without_pausing(make_app, paths, server, gpodder,
                                                             user):
    await subscribe(paths, server, playable_show(server, "Live Show", 1))
    phone = await asyncio.to_thread(linked_phone, gpodder, user)
    app = make_app(sync_config(gpodder, user))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await synced(pilot)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: screen.playback.engine is not None and
                       screen.playback.engine.status().state is PlayerState.PLAYING,
                       what="playing")
        # Saved every few seconds while playing, and recorded for the next sync.
        await wait_for(pilot, lambda: any(a == "play" and p and p >= 2
                                          for a, _, p in outbox_rows(paths)),
                       what="the position recorded while playing")
        assert screen.playback.engine.status().state is PlayerState.PLAYING
        before = screen.sync.view().last_success_at
        await pilot.press("Y")
        await wait_for(pilot, lambda: screen.sync.view().last_success_at != before,
                       what="synced")
        await pilot.press("q")
    [action] = [a for a in await asyncio.to_thread(phone.actions)
                if a.get("guid") == "live-show-1"]
    assert action["action"] == "play" and action["position"] >= 2


async def test_a_read_only_library_does_not_sync(tmp_path, server, gpodder, user):
    with small_tmpfs(tmp_path / "mnt") as mounted:
        paths = paths_in(mounted)
        await subscribe(paths, server, show("Frozen Show", 1))
        remount(mounted, "ro")
        try:
            app = build_app(Paths(paths.data_dir, tmp_path / "config.toml", tmp_path / "logs"),
                            sync_config(gpodder, user), scripted()[1])
            async with app.run_test(size=(120, 36)) as pilot:
                await ready(pilot, feeds=1)
                await shows(pilot, "Sync off: the library is read-only.")
                assert not app.screen.active_bindings["Y"].enabled
                await pilot.press("q")
        finally:
            remount(mounted, "rw")
    assert requests_from(gpodder, user) == 0


def test_the_demo_never_syncs_with_your_account(gpodder, user):
    """`podterm demo` uses your config.toml; its made-up feeds must stay out of your
    account."""
    opened = []

    async def look(paths, config) -> None:
        app = build_app(paths, config, scripted()[1])
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: main(app).feeds, what="the demo's feeds")
            opened.append(main(app).sync.view())
            await pilot.press("q")

    config = sync_config(gpodder, user)
    run_demo(config, Console(file=io.StringIO()),
             lambda paths, config, notices: asyncio.run(look(paths, config)))
    assert opened == [None]  # sync is not set up in the demo: no status line, no sync
    assert requests_from(gpodder, user) == 0
