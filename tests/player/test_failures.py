"""Failures reported honestly: a reason the user can act on, never a silent stop."""

from __future__ import annotations

import ctypes.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from player import (
    Ended, PlaybackError, Player, PlayerError, PlayerSettings, PlayerState, StateChanged,
)

HTML = b"<!doctype html><html><body>" + b"<p>Not the episode you want.</p>" * 50 + b"</body></html>"


def closed_port() -> int:
    """A loopback port nobody listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("case", ["http 404", "refused", "unknown host", "html as mp3",
                                  "missing file", "no audio file", "ftp"])
def test_failures_come_with_a_reason(player, events, loopback, tmp_path, case):
    text_file = tmp_path / "notes.mp3"
    text_file.write_text("just some text, not audio\n" * 100)
    source, expected = {
        "http 404": (loopback.url("/gone.mp3"), "HTTP 404 Not Found"),
        "refused": (f"http://127.0.0.1:{closed_port()}/a.mp3", "Connection refused"),
        "unknown host": ("http://no-such-host.invalid/a.mp3", "Cannot find the server"),
        "html as mp3": (loopback.add("/page.mp3", HTML, "audio/mpeg"),
                        "This address did not return audio (got an HTML page?)"),
        "missing file": (str(tmp_path / "nowhere.mp3"), "File not found"),
        "no audio file": (str(text_file), "contains no audio"),
        "ftp": ("ftp://example.org/a.mp3", "only http, https and files"),
    }[case]
    player.play(source)
    error = events.wait_for(PlaybackError)
    assert expected in error.reason and error.source == source
    failed = events.wait_for(StateChanged, lambda e: e.state is PlayerState.ERROR)
    assert events.events.index(error) < events.events.index(failed)
    assert player.status().error == error.reason
    # libVLC "plays" an HTML page for 0 s; that must never look like playing or an end.
    assert PlayerState.PLAYING not in [e.state for e in events.of(StateChanged)]
    assert events.of(Ended) == []


def test_the_engine_plays_again_after_a_failure(player, events, loopback, media, serve):
    player.play(loopback.url("/gone.mp3"))
    events.wait_for(PlaybackError)
    player.play(serve(media["wav"]))
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING)
    assert player.status().error is None


def test_vlc_options_libvlc_rejects_raise_player_error(libvlc, tmp_path):
    fd2_before = os.fstat(2)
    with pytest.raises(PlayerError, match="--no-such-option"):
        Player(PlayerSettings(["--no-such-option"]), tmp_path / "logs")
    fd2_after = os.fstat(2)  # fd 2 is given back even when start-up fails
    assert (fd2_after.st_dev, fd2_after.st_ino) == (fd2_before.st_dev, fd2_before.st_ino)


PROBE = """
from pathlib import Path
from player import LibVLCMissing, Player, PlayerSettings
try:
    Player(PlayerSettings(["--aout=dummy"]), Path({log_dir!r}))
except LibVLCMissing as exc:
    print(exc)
else:
    print("libVLC loaded")
"""


@pytest.mark.parametrize("lib_path", [
    "/nonexistent/libvlc.so.5",           # python-vlc calls sys.exit(1) during import
    ctypes.util.find_library("c") or "",  # loads, but has no libvlc_* (the NameError path)
], ids=["unloadable", "not libvlc"])
def test_missing_libvlc_says_how_to_install_it(tmp_path, lib_path):
    """python-vlc honours PYTHON_VLC_LIB_PATH; point it at nothing, or at a library that
    is not libVLC, in a fresh interpreter. Needs no libVLC itself."""
    env = {**os.environ, "PYTHON_VLC_LIB_PATH": lib_path}
    result = subprocess.run([sys.executable, "-c", PROBE.format(log_dir=str(tmp_path))],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "sudo apt install libvlc5 vlc-plugin-base libvlc-bin" in result.stdout
    for platform in ("Fedora", "Arch", "macOS", "Windows"):
        assert platform in result.stdout
    assert not Path(tmp_path, "libvlc-stderr.log").exists()  # failed before touching fd 2
