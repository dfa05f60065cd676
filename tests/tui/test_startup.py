"""Start-up: the library is read while Textual loads; the first screen shows where the
user left off, also deep in a long feed, and needs no HTTP client, feed parser, audio
engine or refresh; the HTML parser loads on a thread once it is drawn; a library podterm
cannot open is a one-line error before the screen."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from library.store import connect
from tests.feedgen import show
from tests.tui.conftest import ready, shows, subscribe, wait_for
from tui import heap
from tui.startup import FIRST_PAGE
from tui.state import UiState, save_state
from tui.widgets.panes import EpisodesTable

ROOT = Path(__file__).resolve().parents[2]
PODTERM = shutil.which("podterm", path=str(Path(sys.executable).parent)) or "podterm"
# What only later work needs: refreshing, importing OPML, searching, playing, syncing,
# media keys.
NOT_FOR_THE_FIRST_SCREEN = ("httpx", "feedparser", "vlc", "defusedxml", "library.refresh",
                            "library.fetch", "library.importer", "player.engine",
                            "library.sync.engine", "dbus_fast")

FIRST_SCREEN = """
import asyncio, json, sys
from pathlib import Path
from library.config import default_config
from library.paths import Paths
from tui.librarian import Librarian
from tui.startup import first_view

data = Path(sys.argv[1])
paths = Paths(data, data / "config.toml", data / "logs")
librarian = Librarian(paths.database)
librarian.begin(first_view, paths.data_dir)   # as `podterm` does, before Textual loads

from tests.tui.fakes import ScriptedEngine
from tui.app import build_app

loaded = []

def engine(settings, log_dir):   # the player starts once the first screen is drawn
    loaded.extend(sys.modules)
    return ScriptedEngine()

config = default_config()
config["refresh"].update(on_start=False, interval_min=0)
app = build_app(paths, config, engine, librarian=librarian)

async def main():
    async with app.run_test(size=(120, 36)) as pilot:
        while not loaded:
            await pilot.pause(0.01)
        titles = [episode.title for episode in app.main.episodes.values()]
        await pilot.press("q")
    print(json.dumps({"modules": loaded, "titles": titles}))

asyncio.run(main())
"""


WARM_UP = """
import asyncio, json, sys, threading, time
from pathlib import Path
from library.config import default_config
from library.paths import Paths
from tests.tui.fakes import ScriptedEngine
from tui.app import build_app

importer = []

def record(event, args):
    if event == "import" and args[0] == "library.htmltext":
        importer.append(threading.current_thread().name)

sys.addaudithook(record)
data = Path(sys.argv[1])
config = default_config()
config["refresh"].update(on_start=False, interval_min=0)
app = build_app(Paths(data, data / "config.toml", data / "logs"), config,
                lambda settings, log_dir: ScriptedEngine())

async def main():
    async with app.run_test(size=(120, 36)) as pilot:
        deadline = time.monotonic() + 60   # only guards a hang
        while not importer and time.monotonic() < deadline:
            await pilot.pause(0.01)
        await pilot.press("q")
    print(json.dumps({"thread": importer and importer[0],
                      "main": threading.main_thread().name}))

asyncio.run(main())
"""


async def test_first_screen_loads_no_network_parser_or_audio_code(paths, server):
    await subscribe(paths, server, show("Quick", 3))
    result = subprocess.run([sys.executable, "-c", FIRST_SCREEN, str(paths.data_dir)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.splitlines()[-1])
    assert "Quick #2: a conversation about things" in shown["titles"]
    assert [name for name in NOT_FOR_THE_FIRST_SCREEN if name in shown["modules"]] == []


def test_the_html_parser_is_imported_off_the_ui_loop_once_the_first_screen_is_drawn(
        tmp_path):
    """The first notes with HTML need it; imported on the UI loop it held the loop for
    ~8 ms in the middle of a new library's first refresh (tui/warmup.py). The
    library here is empty: nothing on screen needs it."""
    result = subprocess.run([sys.executable, "-c", WARM_UP, str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    imported = json.loads(result.stdout.splitlines()[-1])
    assert imported["thread"] not in (None, imported["main"])


async def test_the_garbage_collector_runs_again_once_the_first_screen_is_drawn(
        make_app, paths, server):
    """`podterm` pauses Python's cyclic collector while it starts (tui.heap); if the
    app did not turn it on again, memory held in cycles would never be freed."""
    await subscribe(paths, server, show("Quick", 3))
    heap.pause()  # as tui.main does before the imports
    try:
        assert not gc.isenabled()
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await ready(pilot, feeds=1)
            await wait_for(pilot, gc.isenabled, what="the collector running again")
            assert gc.get_freeze_count() > 0   # what start-up made is left out of it
            await pilot.press("q")
    finally:
        heap.freeze_long_lived()
        heap.thaw()


async def test_reopens_on_its_episode_deep_in_a_long_feed(make_app, paths, server):
    count = FIRST_PAGE + 50
    (feed_id,) = await subscribe(paths, server, show("Deep", count))
    conn = connect(paths.database)
    deep_id = conn.execute("SELECT id FROM episodes WHERE guid = 'Deep-5'").fetchone()[0]
    conn.close()
    save_state(paths.data_dir, UiState(feed_id=feed_id, episode_id=deep_id))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        assert table.highlighted_id == deep_id
        await shows(pilot, "Deep #5: a conversation")   # scrolled to it
        assert screen.highlighted_episode.id == deep_id
        await wait_for(pilot, lambda: table.row_count == count, what="the whole feed")


async def test_a_long_feed_shows_its_newest_first_then_all(make_app, paths, server):
    count = FIRST_PAGE * 3
    await subscribe(paths, server, show("Many", count))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, feeds=1)
        table = app.query_one(EpisodesTable)
        await shows(pilot, f"Many #{count - 1}: a conversation")
        await wait_for(pilot, lambda: table.row_count == count, what="the whole feed")
        await pilot.press("tab", "end")
        await shows(pilot, "Many #0: a conversation")


def test_a_library_podterm_cannot_open_is_one_line_before_the_screen(tmp_path):
    data = tmp_path / "data"
    conn = connect(data / "library.sqlite3")
    conn.execute("PRAGMA user_version = 999")  # written by a newer podterm
    conn.close()
    result = subprocess.run([PODTERM, "--data-dir", str(data)], capture_output=True,
                            text=True, timeout=60,
                            env={**os.environ, "PODTERM_CONFIG": str(tmp_path / "none.toml")})
    assert result.returncode == 1
    assert "newer podterm" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
