"""The player keeps a public feed's episodes out of the private network (real libVLC,
a feed on a public address from tests/netns.py, audio on the loopback server)."""

from __future__ import annotations

import asyncio

from library.config import default_config
from library.feeds import add_feed
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.store import connect
from player import PlayerState
from tests.feedgen import Channel, Item, rss
from tests.tui.conftest import main, ready, wait_for
from tui.demo.demo import tones_wav


def subscribe_at(paths, url: str) -> None:
    conn = connect(paths.database)
    feed_id = add_feed(conn, url)[0]
    conn.close()
    refresh(paths.database, [feed_id], RefreshSettings.from_table(default_config()["refresh"]))


async def test_a_public_feeds_episode_on_a_private_address_is_refused(
        make_app, paths, server, public_origin, messages):
    inside = server.add("/media/inside.wav", tones_wav(60), "audio/wav")
    feed = public_origin.add("hostile.xml", rss(Channel("Hostile", [
        Item("Knocks inside", guid="inside", enclosure=inside)])))
    await asyncio.to_thread(subscribe_at, paths, feed)
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: messages.notified(
            f"a feed on the public server {public_origin.address} points to 127.0.0.1"),
            what="refusal shown")
        assert server.hits["/media/inside.wav"] == 0
        assert main(app).playback.engine.status().state is PlayerState.ERROR


async def test_a_feed_on_this_machine_may_name_audio_on_this_machine(
        make_app, paths, server, messages):
    inside = server.add("/media/local.wav", tones_wav(60), "audio/wav")
    feed = server.add("/feeds/local.xml", rss(Channel("Local", [
        Item("At home", guid="home", enclosure=inside)])), "application/rss+xml")
    await asyncio.to_thread(subscribe_at, paths, feed)
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
        await ready(pilot, feeds=1)
        await pilot.press("tab", "enter")
        engine = lambda: main(app).playback.engine  # noqa: E731
        await wait_for(pilot, lambda: engine() is not None
                       and engine().status().state is PlayerState.PLAYING, what="playing")
