"""The player on a library that cannot be written: it opens read-only and says so, the
keys that would change something are dimmed, browsing works; and the daily backup."""

from __future__ import annotations

from pathlib import Path

import pytest

from library.backups import list_backups
from library.episodes import list_episodes
from library.paths import Paths
from library.store import connect
from tests.feedgen import show
from tests.filesystems import remount, small_tmpfs
from tests.tui.conftest import quiet_config, ready, subscribe, wait_for
from tests.tui.fakes import ScriptedEngine
from tui.app import build_app
from tui.widgets.panes import EpisodesTable


@pytest.fixture
def mounted(tmp_path: Path):
    with small_tmpfs(tmp_path / "mnt") as where:
        yield where


def paths_in(folder: Path) -> Paths:
    return Paths(data_dir=folder / "data", config_file=folder / "config.toml",
                 log_dir=folder / "logs")


async def test_a_read_only_library_is_browsed_and_nothing_pretends_to_save(
        mounted, tmp_path, server, messages):
    paths = paths_in(mounted)
    await subscribe(paths, server, show("Frozen Show", 3))
    remount(mounted, "ro")
    try:
        # The logs go elsewhere: only the library's folder is read-only.
        app = build_app(Paths(paths.data_dir, tmp_path / "config.toml", tmp_path / "logs"),
                        quiet_config(), lambda settings, log_dir: ScriptedEngine())
        async with app.run_test(size=(120, 36), message_hook=messages) as pilot:
            screen = await ready(pilot, feeds=1)
            await wait_for(pilot, lambda: messages.notified("read-only"), what="the warning")
            assert len(screen.episodes) == 3  # browsing works
            bindings = app.screen.active_bindings
            for key in ("m", "a", "i", "r", "d"):
                assert not bindings[key].enabled, key
            await pilot.press("tab", "m")
            assert app.query_one(EpisodesTable).get_row_at(0)[3].plain == ""
            await pilot.press("q")
    finally:
        remount(mounted, "rw")
    conn = connect(paths.database)
    assert not any(episode.played for episode in list_episodes(conn))
    conn.close()


async def test_the_library_is_checked_and_backed_up_when_the_player_opens(
        paths, server, make_app):
    await subscribe(paths, server, show("Kept Show", 2))
    assert list_backups(paths.database) == []
    app = make_app(engine_factory=lambda settings, log_dir: ScriptedEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        await wait_for(pilot, lambda: len(list_backups(paths.database)) == 1, what="a backup")
        await pilot.press("q")
