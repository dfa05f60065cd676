"""How fast playback starts and seeks, per format, over loopback HTTP.

Run from the repository root:  .venv/bin/python bench/bench_player.py [--runs 5]

Media: 60 s of a tone with noise (so compressed pages are realistically sized) as WAV,
MP3 and Ogg Vorbis (64 kbit/s, encoded by libVLC itself), plus a one-hour MP3 (the 60 s
one, 60 times: 29 MB). Each is served by the Range-capable loopback server and played
by one Player, reused as the app does. Per run, from ``play()``:

- playing: the engine's StateChanged(PLAYING) reaching a subscriber;
- first time: libVLC's own first time report above 0 (audio is really moving);

and from ``seek()`` to three quarters in:

- seek: libVLC's next time report after the jump (audio moving at the new place).
  libVLC keeps up to 16 MiB of a stream in memory, so seeks in the 60 s files are served
  from it and only the one-hour file needs a new connection with a Range request;
  "ranges" counts the Range requests other than "bytes=0-" per run (libVLC's Ogg
  demuxer sometimes reads pages near the end itself).

Times reported by libVLC come in steps (about 0.25 s for WAV and MP3, about 0.5 s for
these Ogg pages), which bounds the last two columns from below. Medians over the runs.
Needs no sound card (--aout=dummy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.player.media_tools

from player import Player, PlayerEvent, PlayerSettings, PlayerState, StateChanged, libvlc_version
from tests.player.media_tools import tone_wav, transcode
from tui.demo.server import LoopbackServer

SECONDS = 60.0


class PlayingWatch:
    """A subscriber that notes when the engine says playing."""

    def __init__(self) -> None:
        self.playing = threading.Event()

    def __call__(self, event: PlayerEvent) -> None:
        if isinstance(event, StateChanged) and event.state is PlayerState.PLAYING:
            self.playing.set()


def libvlc_seconds(player: Player) -> float:
    # libVLC's own clock, read from this thread (not a libVLC callback, so safe); the
    # engine's public position is interpolated and would hide the real latency.
    return player._driver._media_player.get_time() / 1000


def wait(condition, timeout: float = 20.0) -> float:
    """Poll ``condition`` every 2 ms; returns the monotonic time it became true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the player did not get there within 20 s")
        time.sleep(0.002)
    return time.monotonic()


def one_run(player: Player, watch: PlayingWatch, url: str,
            seek_to: float) -> tuple[float, float, float]:
    player.stop()
    wait(lambda: player.status().state is PlayerState.IDLE)
    watch.playing.clear()
    asked = time.monotonic()
    player.play(url)
    playing = wait(watch.playing.is_set)
    first_time = wait(lambda: libvlc_seconds(player) > 0)
    asked_seek = time.monotonic()
    player.seek(seek_to)
    landed = wait(lambda: libvlc_seconds(player) > seek_to)  # it says seek_to until it moves
    return playing - asked, first_time - asked, landed - asked_seek


def make_media(folder: Path) -> dict[str, tuple[bytes, str, float]]:
    """name -> (body, content type, seconds)."""
    wav = tone_wav(folder / "bench.wav", SECONDS, noise=0.1)
    mp3 = transcode(wav, folder / "bench.mp3", kbps=64).read_bytes()
    ogg = transcode(wav, folder / "bench.ogg", kbps=64).read_bytes()
    return {
        "wav": (wav.read_bytes(), "audio/wav", SECONDS),
        "mp3": (mp3, "audio/mpeg", SECONDS),
        "ogg": (ogg, "audio/ogg", SECONDS),
        "mp3 1 h": (mp3 * 60, "audio/mpeg", SECONDS * 60),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer() as server:
        folder = Path(tmp)
        media = make_media(folder)
        started = time.monotonic()
        player = Player(PlayerSettings(["--aout=dummy"]), folder / "logs")
        start_ms = (time.monotonic() - started) * 1000
        watch = PlayingWatch()
        player.subscribe(watch)
        print(f"libVLC {libvlc_version()}, loopback HTTP, --aout=dummy, median of {runs} "
              f"runs; Player() took {start_ms:.0f} ms")
        print(f"{'media':<9}{'size':>9}{'play->playing':>14}{'play->first time':>18}"
              f"{'seek 3/4':>12}{'ranges':>8}")
        try:
            for number, (name, (body, content_type, seconds)) in enumerate(media.items()):
                path = f"/bench{number}"
                url = server.add(path, body, content_type)
                results = [one_run(player, watch, url, seconds * 0.75) for _ in range(runs)]
                medians = [statistics.median(column) * 1000 for column in zip(*results)]
                ranges = sum(r.headers.get("range", "bytes=0-") != "bytes=0-"
                             for r in server.requests if r.path == path)
                print(f"{name:<9}{len(body) / 1e6:>6.2f} MB{medians[0]:>11.0f} ms"
                      f"{medians[1]:>15.0f} ms{medians[2]:>9.0f} ms{ranges / runs:>8.1f}")
        finally:
            player.close()


if __name__ == "__main__":
    main()
