"""What leaves the engine: decoded audio, the volume libVLC is given, fd 2, threads."""

from __future__ import annotations

import array
import os
import subprocess
import sys
import threading
import wave
from pathlib import Path

import pytest

from player import STDERR_LOG_NAME, Ended, Player, PlayerSettings, PlayerState, StateChanged
from player.stderr_log import StderrToFile
from tests.player.conftest import EventLog, make_player, wait_until
from tests.player.media_tools import tone_wav


def test_real_decoded_audio_has_the_tone_duration_and_frequency(libvlc, tmp_path):
    """libVLC's afile output writes what it decoded: 2 s of 440 Hz must come out."""
    source = tone_wav(tmp_path / "a440.wav", 2.0, freq=440.0)
    out = tmp_path / "out.wav"
    settings = PlayerSettings(["--aout=afile", f"--audiofile-file={out}", "--quiet"])
    with Player(settings, tmp_path / "logs") as player:
        events = EventLog()
        player.subscribe(events)
        player.play(source)
        events.wait_for(Ended)
    with wave.open(str(out)) as written:
        rate, channels = written.getframerate(), written.getnchannels()
        assert written.getsampwidth() == 2
        samples = array.array("h", written.readframes(written.getnframes()))[::channels]
    assert len(samples) / rate == pytest.approx(2.0, abs=0.05)
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    assert crossings / 2 / (len(samples) / rate) == pytest.approx(440, abs=5)


def test_volume_is_kept_by_the_engine_and_given_to_each_new_media(player, events, media):
    """libVLC starts every audio output at 100 % and --aout=dummy cannot report the
    volume; libVLC's amem output calls back with each volume it applies, so watch that."""
    import vlc

    applied: list[float] = []
    lock = threading.Lock()

    @vlc.CallbackDecorators.AudioPlayCb
    def play_cb(data, samples, count, pts):  # the samples themselves are not needed
        pass

    @vlc.CallbackDecorators.AudioSetVolumeCb
    def volume_cb(data, volume, mute):
        with lock:
            applied.append(round(volume, 2))

    media_player = player._driver._media_player  # set up before any playback
    media_player.audio_set_callbacks(play_cb, None, None, None, None, None)
    media_player.audio_set_volume_callback(volume_cb)
    media_player.audio_set_format("S16N", 22050, 1)

    assert player.set_volume(40) == 40
    assert player.change_volume(200) == 150 and player.change_volume(-500) == 0
    assert player.set_volume(40) == 40
    for source in (media["wav"], media["mp3"]):
        mark = events.mark()
        with lock:
            applied.clear()
        player.play(source)
        events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING, after=mark)
        wait_until(lambda: applied[-1:] == [0.4])
        assert player.status().volume == 40
        events.wait_for(Ended, after=mark)


FD2_PROBE = """
import os, sys, time
from pathlib import Path
from player import Player, PlayerSettings, Ended
args = sys.argv[2:]
player = Player(PlayerSettings(args), Path(sys.argv[1]))
ended = []
player.subscribe(lambda event: isinstance(event, Ended) and ended.append(event))
os.write(2, b"written to fd 2 while the player runs\\n")
player.play(sys.argv[1] + "/tone.wav")
deadline = time.monotonic() + 20
while not ended and time.monotonic() < deadline:
    time.sleep(0.05)
player.close()
os.write(2, b"after close\\n")
print("ended" if ended else "did not end")
"""


@pytest.mark.parametrize("vlc_args", [[], ["--aout=dummy", "--verbose=2"]],
                         ids=["default audio output", "dummy output, verbose"])
def test_libvlc_and_alsa_never_write_to_the_terminal(libvlc, tmp_path, vlc_args):
    """In a fresh interpreter whose stderr is a pipe: while the player runs, everything
    written to fd 2 (libVLC's messages; ALSA's, when there is no sound card) goes to the
    log; after close() fd 2 is the terminal's again. Nothing else is printed at exit."""
    tone_wav(tmp_path / "tone.wav", 2.0)
    result = subprocess.run([sys.executable, "-c", FD2_PROBE, str(tmp_path), *vlc_args],
                            capture_output=True, text=True, timeout=60)
    assert result.stdout == "ended\n"
    assert result.stderr == "after close\n"
    log = (tmp_path / STDERR_LOG_NAME).read_text()
    assert "written to fd 2 while the player runs" in log
    assert "after close" not in log
    if vlc_args:
        assert "main " in log  # libVLC's own verbose output went to the log too


def test_close_ends_every_thread_and_restores_fd2(libvlc, tmp_path, media, serve):
    fd2_before = os.fstat(2)
    threads_before = set(threading.enumerate())
    player = make_player(tmp_path)
    events = EventLog()
    player.subscribe(events)
    player.play(serve(media["long_wav"]))
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING)
    assert os.fstat(2).st_ino != fd2_before.st_ino
    player.close()
    player.close()  # twice is fine
    assert [e.state for e in events.of(StateChanged)][-1] is PlayerState.IDLE
    # (The loopback server's own connection threads may linger; they are not ours.)
    leftover = [t for t in set(threading.enumerate()) - threads_before
                if t.is_alive() and t.name.startswith("podterm-player")]
    assert leftover == []
    fd2_after = os.fstat(2)
    assert (fd2_after.st_dev, fd2_after.st_ino) == (fd2_before.st_dev, fd2_before.st_ino)


def test_importing_player_loads_neither_textual_nor_library():
    code = ("import sys, player, player.engine, player.driver\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('textual', 'library', 'tui')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_stderr_log_starts_fresh_and_keeps_the_previous_run(tmp_path):
    log = tmp_path / "logs" / STDERR_LOG_NAME
    for run in ("first run\n", "second run\n"):
        redirect = StderrToFile(log)
        redirect.start()
        try:
            os.write(2, run.encode())
        finally:
            redirect.stop()
    assert log.read_text() == "second run\n"
    assert log.with_name(log.name + ".1").read_text() == "first run\n"
