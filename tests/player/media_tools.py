"""Test media: sine tones written with the wave module, MP3/Ogg made from them by libVLC.

``python -m tests.player.media_tools`` (from the repo root) regenerates the committed
fixtures in tests/player/media/: 3 s of a 440 Hz tone with a little noise (pure tones
make Ogg pages seconds long, unlike real speech or music), mono 22.05 kHz, 16 kbit/s,
encoded by libVLC's own transcoder (shine for MP3, libvorbis for Ogg). The benchmark
uses the same functions to make longer media.
"""

from __future__ import annotations

import array
import math
import random
import time
import wave
from pathlib import Path

MEDIA_DIR = Path(__file__).parent / "media"
RATE = 22050


def tone_wav(path: Path, seconds: float, freq: float = 440.0, noise: float = 0.0,
             rate: int = RATE) -> Path:
    """Write a mono 16-bit WAV: a sine at ``freq`` Hz plus ``noise`` (0-1) of white noise."""
    jitter = random.Random(1)
    samples = array.array("h", (
        int(12000 * math.sin(2 * math.pi * freq * i / rate)
            + noise * 12000 * (jitter.random() * 2 - 1))
        for i in range(int(seconds * rate))
    ))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def silent_wav(path: Path, seconds: float, rate: int = RATE) -> Path:
    """A mono 16-bit WAV of silence: large media made in an instant."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(2 * int(seconds * rate)))
    return path


def transcode(source: Path, target: Path, kbps: int = 16) -> Path:
    """Encode ``source`` to MP3 or Ogg Vorbis (by ``target``'s suffix) with libVLC."""
    import vlc

    codec, mux = {".mp3": ("mp3", "raw"), ".ogg": ("vorb", "ogg")}[target.suffix]
    instance = vlc.Instance("--no-video", "--quiet")
    player = instance.media_player_new()
    media = instance.media_new_path(str(source))
    media.add_option(f":sout=#transcode{{acodec={codec},ab={kbps},channels=1,"
                     f"samplerate={RATE}}}:std{{access=file,mux={mux},dst={target}}}")
    player.set_media(media)
    player.play()
    deadline = time.monotonic() + 60
    while player.get_state() not in (vlc.State.Ended, vlc.State.Error):
        if time.monotonic() > deadline:
            raise TimeoutError(f"transcoding {source} to {target} took over 60 s")
        time.sleep(0.02)
    failed = player.get_state() == vlc.State.Error
    player.release()
    media.release()
    instance.release()
    if failed or not target.exists() or target.stat().st_size == 0:
        raise RuntimeError(f"libVLC could not encode {target.suffix} (missing encoder?)")
    return target


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        wav = tone_wav(Path(tmp) / "tone.wav", 3.0, noise=0.1)
        for suffix in (".mp3", ".ogg"):
            made = transcode(wav, MEDIA_DIR / f"tone{suffix}")
            print(made, made.stat().st_size, "bytes")
