"""The first screen does not wait for the dialogs: their modules load when one opens.

Each Textual screen or widget class costs about 2 M instructions to define (Textual
walks every attribute of its bases), and the dialogs were ~36 M of the ~1,370 M
instructions podterm ran before its first screen (bench/bench_tui.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DIALOG_MODULES = ("tui.screens.dialogs", "tui.screens.remove_feed", "tui.screens.show_settings",
                  "tui.screens.sleep", "tui.screens.sync", "textual.widgets._checkbox")

SHOW_FIRST_SCREEN = """
import asyncio, sys
from pathlib import Path
from library.config import default_config
from library.feeds import add_feed
from library.paths import Paths
from library.store import connect
from tests.tui.fakes import ScriptedEngine
from tui.app import build_app

data = Path(sys.argv[1])
conn = connect(data / "library.sqlite3")
add_feed(conn, "https://example.org/feed.xml", "A show")
conn.close()
config = default_config()
config["refresh"].update(on_start=False, interval_min=0)

async def main():
    app = build_app(Paths(data, data / "config.toml", data / "logs"), config,
                    lambda settings, log_dir: ScriptedEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        while not app.main.feeds:
            await pilot.pause(0.01)
        await pilot.pause()
        print("SHOWN", [feed.title for feed in app.main.feeds])
        print("LOADED", sorted(m for m in sys.modules if m.startswith(%r)))

asyncio.run(main())
"""


def test_the_first_screen_is_drawn_without_loading_any_dialog(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SHOW_FIRST_SCREEN % (DIALOG_MODULES,), str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "SHOWN ['A show']" in lines
    assert lines[-1] == "LOADED []"
