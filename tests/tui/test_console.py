"""The ``podterm`` command's way out (tui.main.console): quick, and nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PODTERM = Path(sys.executable).with_name("podterm")
# A library object whose teardown says so: Python's usual exit frees it, console() does not.
WITNESS = """
import sys, threading
class Witness:
    def __del__(self):
        print("torn down", file=sys.stderr)
witness = Witness()
"""
HOLD_A_THREAD = """
release = threading.Event()
threading._register_atexit(release.set)  # (Python's exit sets it, then joins the thread)
threading.Thread(target=release.wait).start()
"""


def library_of(tmp_path: Path, feeds: int) -> dict[str, str]:
    from library.feeds import add_feed
    from library.store import connect

    conn = connect(tmp_path / "data" / "library.sqlite3")
    for n in range(feeds):
        add_feed(conn, f"https://example.org/{n}/feed.xml", f"Show number {n}")
    conn.close()
    return {"PODTERM_DATA_DIR": str(tmp_path / "data"),
            "PODTERM_CONFIG": str(tmp_path / "config.toml"), "PATH": "/usr/bin:/bin"}


def run_console(env: dict[str, str], argv: list[str], before: str = "") -> subprocess.CompletedProcess:
    code = f"{WITNESS}{before}\nsys.argv = ['podterm', *{argv!r}]\nimport tui.main\ntui.main.console()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env)


def test_the_output_is_all_there_and_python_is_not_torn_down(tmp_path):
    env = library_of(tmp_path, 400)  # (more output than a pipe holds)
    result = run_console(env, ["feeds", "--json"])
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 400
    assert "torn down" not in result.stderr


def test_a_thread_still_running_gets_the_usual_exit(tmp_path):
    """Python's exit waits for it; so does console(), and then tears down as usual."""
    result = run_console(library_of(tmp_path, 1), ["feeds"], before=HOLD_A_THREAD)
    assert result.returncode == 0, result.stderr
    assert "Show number 0" in result.stdout
    assert "torn down" in result.stderr


def test_the_library_is_closed_as_python_would_close_it(tmp_path):
    """The last connection to close folds SQLite's write-ahead log back into the file and
    removes it: a copy of library.sqlite3 alone holds everything."""
    env = library_of(tmp_path, 1)
    result = run_console(env, ["remove", "no such show"])  # (fails with the library open)
    assert result.returncode == 1 and "podterm:" in result.stderr
    assert "torn down" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if p.is_file()) == [
        "library.sqlite3"]


def test_the_installed_command_keeps_its_exit_codes_and_messages(tmp_path):
    env = library_of(tmp_path, 2)
    listing = subprocess.run([str(PODTERM), "feeds"], capture_output=True, text=True,
                             timeout=60, env=env)
    assert listing.returncode == 0 and "Show number 1" in listing.stdout
    wrong = subprocess.run([str(PODTERM), "no-such-command"], capture_output=True, text=True,
                           timeout=60, env=env)
    assert wrong.returncode == 2
    assert "invalid choice" in wrong.stderr
    missing = subprocess.run([str(PODTERM), "info", "no such show"], capture_output=True,
                             text=True, timeout=60, env=env)
    assert missing.returncode == 1
    assert "podterm:" in missing.stderr
