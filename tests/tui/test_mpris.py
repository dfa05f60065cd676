"""Media keys over MPRIS, against a real D-Bus: each test starts its own private
``dbus-daemon --session``, points the app at it, plays generated audio through the real
engine (libVLC, dummy audio) and drives podterm from a second connection, as playerctl
or a desktop's media keys do. Skipped only where dbus-daemon is not installed (setup.sh
installs it)."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from dbus_fast import Variant
from dbus_fast.aio import MessageBus

from library.episodes import get_episode
from library.store import connect
from player import PlayerState
from tests.feedgen import Channel
from tests.tui.conftest import main, playable_show, quiet_config, ready, shows, subscribe, \
    wait_for
from tui.mpris import BUS_NAME, OBJECT_PATH, session_bus_address, web_address
from tui.widgets.panes import EpisodesTable

PLAYER = "org.mpris.MediaPlayer2.Player"
US = 1_000_000
ART = "https://img.example.net/night/cover.jpg"


@pytest.fixture
def session_bus(monkeypatch):
    """A private session bus for this test; the app finds it in DBUS_SESSION_BUS_ADDRESS."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (Debian: apt install dbus; setup.sh does)")
    folder = Path(tempfile.mkdtemp(prefix="podterm-bus-"))  # short: socket paths are
    process = subprocess.Popen(                               # limited to 108 bytes
        [daemon, "--session", "--nofork", "--print-address",
         f"--address=unix:path={folder / 'bus'}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        address = process.stdout.readline().strip()  # printed once it listens
        if not address:
            pytest.fail(f"dbus-daemon did not start: {process.stderr.read()}")
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


class Remote:
    """A second connection to the bus: what playerctl or the desktop would send."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus
        self.changes: list[dict[str, Any]] = []
        self.seeks: list[int] = []

    @classmethod
    async def connect(cls, address: str) -> "Remote":
        return cls(await MessageBus(bus_address=address).connect())

    async def names(self) -> list[str]:
        bus = self.bus.get_proxy_object("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        await self.bus.introspect("org.freedesktop.DBus",
                                                                  "/org/freedesktop/DBus"))
        return await bus.get_interface("org.freedesktop.DBus").call_list_names()

    async def attach(self):
        """The player's interfaces; PropertiesChanged and Seeked are recorded."""
        proxy = self.bus.get_proxy_object(BUS_NAME, OBJECT_PATH,
                                          await self.bus.introspect(BUS_NAME, OBJECT_PATH))
        player = proxy.get_interface(PLAYER)
        proxy.get_interface("org.freedesktop.DBus.Properties").on_properties_changed(
            lambda interface, changed, _invalidated: self.changes.append(
                {name: plain(value) for name, value in changed.items()})
            if interface == PLAYER else None)
        player.on_seeked(self.seeks.append)
        return proxy.get_interface("org.mpris.MediaPlayer2"), player

    def announced(self, name: str, value: Any) -> bool:
        return any(change.get(name) == value for change in self.changes)


def plain(value: Any) -> Any:
    """A Variant's value, with nested Variants unwrapped too (Metadata)."""
    value = value.value if isinstance(value, Variant) else value
    return {k: plain(v) for k, v in value.items()} if isinstance(value, dict) else value


def status(app):
    return main(app).playback.engine.status()


async def playing(pilot, app) -> None:
    await pilot.press("tab", "enter")
    await wait_for(pilot, lambda: main(app).playback.engine is not None
                   and status(app).state is PlayerState.PLAYING, what="playing")


def night_show(server, count: int = 2) -> Channel:
    channel = playable_show(server, "Night", count, seconds=600)
    channel.extra = f'<itunes:image href="{ART}"/>\n'
    return channel


async def test_media_keys_drive_the_engine_and_signal_changes(make_app, paths, server,
                                                                session_bus):
    await subscribe(paths, server, night_show(server))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: screen.mpris.name == BUS_NAME, what="on the bus")
        remote = await Remote.connect(session_bus)
        assert BUS_NAME in await remote.names()
        root, player = await remote.attach()
        assert await root.get_identity() == "podterm"
        assert await root.get_can_quit() and not await root.get_can_raise()
        assert await player.get_playback_status() == "Stopped"
        assert await player.get_can_control()

        await playing(pilot, app)
        episode = screen.playback.episode
        await wait_for(pilot, lambda: remote.announced("PlaybackStatus", "Playing"),
                       what="PropertiesChanged: Playing")
        metadata = plain(await player.get_metadata())
        assert metadata["mpris:trackid"] == f"/org/podterm/episode/{episode.id}"
        assert metadata["xesam:title"] == "Night episode 2"
        assert metadata["xesam:album"] == "Night"
        assert metadata["mpris:artUrl"] == ART
        assert abs(metadata["mpris:length"] - 600 * US) < US

        await player.call_pause()
        await wait_for(pilot, lambda: status(app).state is PlayerState.PAUSED, what="paused")
        await wait_for(pilot, lambda: remote.announced("PlaybackStatus", "Paused"),
                       what="PropertiesChanged: Paused")
        await player.call_play()
        await wait_for(pilot, lambda: status(app).state is PlayerState.PLAYING)
        await player.call_play_pause()
        await wait_for(pilot, lambda: status(app).state is PlayerState.PAUSED)
        await player.call_play_pause()
        await wait_for(pilot, lambda: status(app).state is PlayerState.PLAYING)

        await player.call_set_position(f"/org/podterm/episode/{episode.id}", 300 * US)
        await wait_for(pilot, lambda: 300 <= status(app).position < 320, what="at 5:00")
        await wait_for(pilot, lambda: any(300 * US <= s < 320 * US for s in remote.seeks),
                       what="Seeked at 5:00")
        await player.call_set_position("/org/podterm/episode/999999", 10 * US)  # stale
        await player.call_seek(60 * US)
        await wait_for(pilot, lambda: 360 <= status(app).position < 380, what="+60 s")
        assert 360 * US <= await player.get_position() < 380 * US
        await player.call_seek(-1000 * US)
        await wait_for(pilot, lambda: status(app).position < 20, what="back to the start")

        await player.set_rate(1.5)
        await wait_for(pilot, lambda: status(app).rate == 1.5, what="rate")
        await player.set_volume(0.5)
        await wait_for(pilot, lambda: status(app).volume == 50, what="volume")
        await shows(pilot, "1.5×  vol 50%")
        await wait_for(pilot, lambda: remote.announced("Rate", 1.5)
                       and remote.announced("Volume", 0.5), what="rate and volume signals")
        await pilot.press("equals_sign")  # a key changes it: the bus hears of it too
        await wait_for(pilot, lambda: remote.announced("Volume", 0.55), what="key volume")

        await player.call_stop()
        await wait_for(pilot, lambda: status(app).state is PlayerState.IDLE, what="stopped")
        await wait_for(pilot, lambda: remote.announced("PlaybackStatus", "Stopped"))
        await pilot.press("q")
    assert BUS_NAME not in await remote.names()  # gone with the app
    remote.bus.disconnect()


async def test_next_and_previous_move_through_the_episodes(make_app, paths, server,
                                                           session_bus):
    await subscribe(paths, server, night_show(server, 3))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: screen.mpris.name == BUS_NAME, what="on the bus")
        remote = await Remote.connect(session_bus)
        _root, player = await remote.attach()
        await playing(pilot, app)
        rows = [episode.id for episode in app.query_one(EpisodesTable).items]
        assert screen.playback.episode.id == rows[0]

        def now_playing(episode_id: int) -> bool:
            episode = screen.playback.episode
            return episode is not None and episode.id == episode_id and \
                status(app).state is PlayerState.PLAYING

        await player.call_next()
        await wait_for(pilot, lambda: now_playing(rows[1]), what="the next episode")
        await wait_for(pilot, lambda: any(
            change.get("Metadata", {}).get("xesam:title") == "Night episode 2"
            for change in remote.changes), what="Metadata changed")
        await player.call_next()
        await wait_for(pilot, lambda: now_playing(rows[2]), what="the one after")
        await player.call_previous()
        await wait_for(pilot, lambda: now_playing(rows[1]), what="back one")
        await player.call_previous()
        await wait_for(pilot, lambda: now_playing(rows[0]), what="back to the first")
        assert plain(await player.get_metadata())["xesam:title"] == "Night episode 3"
        await pilot.press("q")
    remote.bus.disconnect()


async def test_quit_from_the_bus_saves_and_leaves(make_app, paths, server, session_bus):
    await subscribe(paths, server, night_show(server, 1))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: screen.mpris.name == BUS_NAME, what="on the bus")
        remote = await Remote.connect(session_bus)
        root, player = await remote.attach()
        await playing(pilot, app)
        await player.call_seek(120 * US)
        await wait_for(pilot, lambda: status(app).position >= 120, what="at 2:00")
        episode_id = screen.playback.episode.id
        await root.call_quit()
        await wait_for(pilot, lambda: not app.is_running, what="the app quit")
    assert BUS_NAME not in await remote.names()
    remote.bus.disconnect()
    conn = connect(paths.database)
    assert get_episode(conn, episode_id).position_s >= 120
    conn.close()


async def test_a_second_podterm_takes_an_instance_name(make_app, paths, server, session_bus):
    await subscribe(paths, server, night_show(server, 1))
    squatter = await MessageBus(bus_address=session_bus).connect()
    await squatter.request_name(BUS_NAME)  # as if another podterm were running
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: screen.mpris.name is not None, what="on the bus")
        assert screen.mpris.name.startswith(f"{BUS_NAME}.instance")
        remote = await Remote.connect(session_bus)
        assert screen.mpris.name in await remote.names()
        await pilot.press("q")
    remote.bus.disconnect()
    squatter.disconnect()


async def test_no_session_bus_means_no_mpris_and_no_error(make_app, paths, server, messages,
                                                          monkeypatch, tmp_path, caplog):
    await subscribe(paths, server, night_show(server, 1))
    for address in (f"unix:path={tmp_path / 'no-bus'}", None):  # unreachable, then unset
        if address is None:
            monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
            monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no "bus" socket there
        else:
            monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        caplog.clear()
        app = make_app()
        with caplog.at_level(logging.INFO, logger="tui.mpris"):
            async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
                screen = await ready(pilot, feeds=1)
                await wait_for(pilot, lambda: "no MPRIS" in caplog.text, what="logged")
                await playing(pilot, app)
                await shows(pilot, "Playing", "Night episode 1")
                assert screen.mpris.name is None
                await pilot.press("q")
        assert not [n for n in messages.notifications() if "wrong" in n or "rror" in n]


async def test_turned_off_in_the_config_it_stays_off_the_bus(make_app, paths, server,
                                                            session_bus, caplog):
    await subscribe(paths, server, night_show(server, 1))
    config = quiet_config()
    config["mpris"]["enabled"] = False
    app = make_app(config)
    remote = await Remote.connect(session_bus)
    with caplog.at_level(logging.INFO, logger="tui.mpris"):
        async with app.run_test(size=(120, 36)) as pilot:
            await ready(pilot, feeds=1)
            await playing(pilot, app)
            assert "MPRIS is off" in caplog.text
            names = await remote.names()
            assert not [name for name in names if name.startswith(BUS_NAME)]
            await pilot.press("q")
    remote.bus.disconnect()


def test_where_the_session_bus_is(tmp_path):
    assert session_bus_address({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}) == "unix:path=/x"
    assert session_bus_address({"XDG_RUNTIME_DIR": str(tmp_path)}) is None
    assert session_bus_address({}) is None
    with socket.socket(socket.AF_UNIX) as listener:
        short = Path(tempfile.mkdtemp(prefix="podterm-rt-"))
        listener.bind(str(short / "bus"))
        assert session_bus_address({"XDG_RUNTIME_DIR": str(short)}) == \
            f"unix:path={short / 'bus'}"
        shutil.rmtree(short)


def test_only_web_artwork_reaches_the_desktop():
    assert web_address("https://img.example.net/a.jpg") == "https://img.example.net/a.jpg"
    assert web_address("file:///etc/passwd") == ""
    assert web_address(None) == ""
