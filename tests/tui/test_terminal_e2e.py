"""The installed ``podterm`` command in a real terminal (tmux): import an OPML file of
loopback feeds, see durations, play, pause, quit, start again where we left off and
resume with space; and the demo's archived show, searched for and moved to its new
home."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from library.paths import Paths
from tests.feedgen import rss
from tests.tui.conftest import playable_show, subscribe_now

# setup.sh installs both; without them this test fails rather than skips.
PODTERM = shutil.which("podterm", path=str(Path(sys.executable).parent)) or "podterm"
ELAPSED = re.compile(r"(\d+):(\d\d) / \d+:\d\d")

SERVERS = itertools.count()  # tmux server names, one each


class Terminal:
    """One tmux session running one command; the pane is read like a screen."""

    def __init__(self, name: str, command: str, env: dict[str, str]) -> None:
        self.name = name
        # A tmux server of its own, never used again: when the last session of a server
        # closes, the server exits, and a new-session connecting meanwhile fails.
        self.tmux = ["tmux", "-L", f"{name}-{next(SERVERS)}"]
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # pytest sets COLUMNS and LINES, which would override the pane's real size.
        script = f"env -u COLUMNS -u LINES {exports} {command}; echo EXITED $?; sleep 600"
        started = subprocess.run([*self.tmux, "new-session", "-d", "-s", name, "-x", "120",
                                  "-y", "36", script], capture_output=True, text=True)
        assert started.returncode == 0, f"tmux did not start: {started.stderr}"

    def screen(self) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *(["-l"] if literal else []),
                        *keys], check=True)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> str:
        """Wait until ``pattern`` (a regex) is on screen; the timeout only guards a hang."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if re.search(pattern, screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never appeared; the screen:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


def elapsed_seconds(screen: str) -> int:
    minutes, seconds = ELAPSED.search(screen).groups()
    return int(minutes) * 60 + int(seconds)


def test_import_play_pause_quit_and_resume_in_a_real_terminal(server, tmp_path):
    urls = [server.add(f"/feeds/{n}.xml", rss(playable_show(server, title, 2)),
                       "application/rss+xml")
            for n, title in enumerate(("Terminal Radio", "Pane Talk"))]
    opml = tmp_path / "subscriptions.opml"
    opml.write_text("<?xml version='1.0'?><opml version='2.0'><head/><body>" + "".join(
        f"<outline type='rss' text='Feed {n}' xmlUrl='{url}'/>" for n, url in enumerate(urls))
        + "</body></opml>")
    env = {"PODTERM_DATA_DIR": str(tmp_path / "data"),
           "PODTERM_CONFIG": str(tmp_path / "config.toml"),
           "PODTERM_VLC_ARGS": "--aout=dummy", "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", "")}
    session = f"podterm-e2e-{os.getpid()}"

    first = Terminal(session, PODTERM, env)
    try:
        first.wait_for("No subscriptions yet")
        first.keys("i")
        first.wait_for("Import subscriptions")
        first.keys(str(opml), literal=True)
        first.keys("Enter")
        first.wait_for("2 added, 0 already subscribed, 0 skipped")
        first.keys("Escape")
        # The first entry of the file stays selected once the feeds have their titles.
        first.wait_for(r"Pane Talk\s+2 │")  # both feeds fetched
        first.wait_for(r"Terminal Radio episode 2\s+1:00")
        first.keys("Tab", "Enter")
        first.wait_for(r"Playing\s+Terminal Radio — Terminal Radio episode 2")
        first.keys("Right")
        screen = first.wait_for(r"0:3\d / 1:00")
        first.keys("Space")
        screen = first.wait_for(r"Paused")
        paused_at = elapsed_seconds(screen)
        assert "[0000" not in screen and "ALSA" not in screen  # libVLC kept off the screen
        first.keys("q")
        first.wait_for("EXITED 0")
    finally:
        first.close()

    second = Terminal(session, PODTERM, env)
    try:
        # It reopens where we left off: the same show, its episode cued at the saved place.
        second.wait_for(r"Paused\s+Terminal Radio — Terminal Radio episode 2")
        second.wait_for(r"Terminal Radio episode 2\s+1:00\s+\d+%")  # in progress
        second.keys("Space")
        second.wait_for(r"Playing\s+Terminal Radio")
        resumed_at = elapsed_seconds(second.wait_for(ELAPSED.pattern))
        # The engine starts rewind_on_resume_s (5 s) before the saved position.
        assert paused_at - 7 <= resumed_at <= paused_at + 5, (paused_at, resumed_at)
        second.keys("q")
        second.wait_for("EXITED 0")
    finally:
        second.close()


def test_up_next_plays_three_queued_episodes_one_after_another(server, tmp_path):
    """Queue three 3-second episodes out of the list's order, play the first from Up
    Next: when it ends the second starts, then the third; each leaves the queue."""
    data = tmp_path / "data"
    subscribe_now(Paths(data_dir=data, config_file=tmp_path / "config.toml",
                        log_dir=data / "logs"),
                  server, playable_show(server, "Queue Radio", 4, seconds=3))
    env = {"PODTERM_DATA_DIR": str(data), "PODTERM_CONFIG": str(tmp_path / "config.toml"),
           "PODTERM_VLC_ARGS": "--aout=dummy", "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", "")}
    term = Terminal(f"podterm-queue-{os.getpid()}", PODTERM, env)
    try:
        term.wait_for(r"Queue Radio episode 1\s+0:03")
        term.keys("Tab", "j", "j", "j")                  # episode 1 (the list is newest first)
        term.keys("+", literal=True)
        term.keys("k", "k")                              # episode 3
        term.keys("+", literal=True)
        term.keys("j")                                   # episode 2
        term.keys("+", literal=True)
        term.wait_for(r"Up Next\s+3 │")
        term.keys("BTab", "Home")
        term.wait_for(r"Up Next  3 episodes, 0:09 left")
        screen = term.screen()
        assert screen.index("episode 1") < screen.index("episode 3") < screen.index("episode 2")
        term.keys("Tab", "Enter")
        term.wait_for(r"Playing\s+Queue Radio — Queue Radio episode 1")
        term.wait_for(r"Playing\s+Queue Radio — Queue Radio episode 3")
        term.wait_for(r"Up Next  2 episodes")            # episode 1 finished: it left
        term.wait_for(r"Playing\s+Queue Radio — Queue Radio episode 2")
        term.wait_for(r"Up Next  is empty")
        term.wait_for(r"Nothing playing")
        term.keys("q")
        term.wait_for("EXITED 0")
    finally:
        term.close()


def test_a_bad_config_names_the_line_without_a_traceback(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[playback]\nseek_back_s = = 10\n")
    result = subprocess.run([PODTERM], capture_output=True, text=True, timeout=60, env={
        **os.environ, "PODTERM_DATA_DIR": str(tmp_path / "data"),
        "PODTERM_CONFIG": str(config)})
    assert result.returncode == 1
    assert "line 2" in result.stderr and "Traceback" not in result.stderr


def test_demo_walks_from_an_archived_show_to_its_new_home(tmp_path):
    env = {"PODTERM_DATA_DIR": str(tmp_path / "data"),
           "PODTERM_CONFIG": str(tmp_path / "config.toml"),
           "PODTERM_VLC_ARGS": "--aout=dummy", "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", "")}
    demo = Terminal(f"podterm-demo-{os.getpid()}", f"{PODTERM} demo", env)
    try:
        demo.wait_for(r"⊘ This feed was archived on \d{4}-\d\d-\d\d\.")
        # Its history is what the default archive rule (5 failed checks over 14 days) needs.
        span = r"on 5 checks between (\d{4}-\d\d-\d\d) and(?: |\n.*█ )(\d{4}-\d\d-\d\d)\."
        screen = demo.wait_for(r"The server answered 404 Not Found " + span)  # (it may wrap)
        first, last = (date.fromisoformat(d) for d in re.search(span, screen).groups())
        assert (last - first).days >= 14 and 0 <= (date.today() - last).days <= 1
        demo.keys("f")
        demo.wait_for(r"Field Recordings — The podterm demo\s+✓ likely the same show")
        demo.wait_for(r"none of our 3 episodes appear in it")  # the decoy, listed second
        demo.keys("Enter")
        screen = demo.wait_for(r"We moved to a new host")
        assert "archived on" not in screen and "Field Recordings  4 episodes" in screen
        demo.keys("q")
        demo.wait_for("EXITED 0")
    finally:
        demo.close()
