"""A show's own auto-download count, set in its settings dialog (`o`), and what the next
refresh in the player downloads by it: the real downloader against a loopback media host,
the real library; keys drive everything."""

from __future__ import annotations

from library.store import connect
from tests.downloads.conftest import audio
from tests.tui.conftest import quiet_config, ready, shows, subscribe, wait_for
from tests.tui.test_downloads import channel, download_of, media  # noqa: F401 (fixture)
from tests.tui.test_show_settings import fill, overrides
from tui.screens.show_settings import ShowSettingsDialog


def show_ids(paths) -> dict[str, list[int]]:
    """Each show's episode ids, newest first."""
    conn = connect(paths.database)
    try:
        rows = conn.execute("SELECT f.title, e.id FROM episodes e JOIN feeds f "
                            "ON f.id = e.feed_id ORDER BY e.published_at DESC").fetchall()
    finally:
        conn.close()
    ids: dict[str, list[int]] = {}
    for title, episode_id in rows:
        ids.setdefault(title, []).append(episode_id)
    return ids


async def open_settings(pilot) -> ShowSettingsDialog:
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ShowSettingsDialog))
    return pilot.app.screen


async def test_the_dialog_sets_a_shows_auto_download_and_a_refresh_follows_it(
        make_app, paths, server, media, messages):
    """Global auto_newest = 1. "Eager" sets 2 and "Never" sets 0 in the dialog: the
    refresh downloads Eager's newest two and nothing of Never's."""
    eager = [media.add(f"/eager{n}.mp3", audio(30_000, seed=n)) for n in (3, 2, 1)]
    never = [media.add(f"/never{n}.mp3", audio(30_000, seed=10 + n)) for n in (2, 1)]
    feed_ids = await subscribe(paths, server, channel("Eager", *eager), channel("Never", *never))
    config = quiet_config()
    config["downloads"]["auto_newest"] = 1
    app = make_app(config)
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await ready(pilot, feeds=2)
        await open_settings(pilot)
        await shows(pilot, "Settings: Eager", "Download", "default (newest 1)")
        await fill(pilot, auto_download_newest="101")
        await pilot.press("enter")
        await shows(pilot, "auto-download newest must be a whole number from 0 to 100",
                    "Save (enter)")                      # the error fits with the buttons
        assert overrides(paths, feed_ids[0]).auto_download_newest is None
        await fill(pilot, auto_download_newest="2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: messages.notified("Saved the settings of Eager."))
        assert overrides(paths, feed_ids[0]).auto_download_newest == 2

        await pilot.press("j")
        await open_settings(pilot)
        await shows(pilot, "Settings: Never")
        await fill(pilot, auto_download_newest="0")
        await pilot.press("enter")
        await wait_for(pilot, lambda: messages.notified("Saved the settings of Never."))
        assert overrides(paths, feed_ids[1]).auto_download_newest == 0

        await open_settings(pilot)                       # shown as stored
        assert pilot.app.screen.query_one("#setting-auto_download_newest").value == "0"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ShowSettingsDialog))

        ids = show_ids(paths)
        wanted = ids["Eager"][:2]
        await pilot.press("R")
        await wait_for(pilot, lambda: all(
            (d := download_of(paths, i)) is not None and d.state == "done" for i in wanted),
            what="Eager's newest two downloaded")
        # The refresh chose every show's downloads at once: nothing else was asked for.
        assert [download_of(paths, i) for i in ids["Eager"][2:] + ids["Never"]] == [None] * 3
        asked = {hit.path for hit in list(media.hits)}
        assert asked == {"/eager3.mp3", "/eager2.mp3"}
        await pilot.press("q")
