"""``podterm demo``: the player on a throw-away library, with no network needed.

A :class:`~tui.demo.server.LoopbackServer` on 127.0.0.1 serves the bundled feeds in
``feeds/`` and short WAV files generated here; two shows are subscribed and fetched
before the player opens, and an OPML file with more (one of them gone from its server,
one already subscribed, one not a feed) waits in the temporary folder to be imported.
A third show's old host went away: its checks have failed for as long as the archive
rule of the config asks (``[health]``: by default 5 failed checks over 14 days, dated in
the past), so it is archived for the reason its page gives; a
:class:`~tui.demo.directory.FakeDirectory` on the same server (the demo's
``[directory]``) lists its new home, a look-alike decoy and the other demo shows, so
archive -> search -> migrate and the directory search work offline.
The library, logs and OPML file live in a temporary folder deleted on exit: the user's
own library and logs are never touched.
"""

from __future__ import annotations

import io
import math
import re
import tempfile
import time
import wave
from email.utils import parsedate_to_datetime
from importlib import resources
from pathlib import Path
from typing import Callable, Sequence

from rich.console import Console

from library.archive import ArchiveRule
from library.config import Config
from library import upnext
from library.episodes import list_episodes
from library.feeds import add_feed
from library.paths import Paths
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.store import connect
from tui.demo.directory import FakeDirectory, ListedShow
from tui.demo.server import LoopbackServer, Reply

SAMPLE_RATE = 8000
AUDIO_SECONDS = (15, 25, 40, 65, 90)
SUBSCRIBED = ("terminal-tales.xml", "quiet-hours.xml")
MOVED = "field-recordings.xml"      # subscribed at OLD_HOME, which goes away
DECOY = "field-recordings-for-sleep.xml"
SERVED = (*SUBSCRIBED, "byte-sized-history.xml", MOVED, DECOY)
OLD_HOME = f"/old-host/{MOVED}"
OPML_NAME = "demo-subscriptions.opml"
DAY = 86_400


def tones_wav(seconds: int) -> bytes:
    """``seconds`` of 8 kHz mono audio: a soft beep at the start of every second."""
    beeps = []
    for pitch in (440.0, 554.4, 659.3):
        beep = bytes(128 + int(40 * math.sin(2 * math.pi * pitch * n / SAMPLE_RATE)
                               * min(1.0, (SAMPLE_RATE // 5 - n) / 400))
                     for n in range(SAMPLE_RATE // 5))
        beeps.append(beep + bytes([128]) * (SAMPLE_RATE - len(beep)))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(b"".join(beeps[second % 3] for second in range(seconds)))
    return out.getvalue()


def bundled(name: str) -> str:
    return resources.files("tui.demo").joinpath("feeds", name).read_text(encoding="utf-8")


def serve_demo(server: LoopbackServer) -> str:
    """Put the demo feeds and audio on ``server``; returns the OPML document's text."""
    base = server.url("")
    audio = {f"tones-{s}.wav": tones_wav(s) for s in AUDIO_SECONDS}
    for name, body in audio.items():
        server.add(f"/media/{name}", body, "audio/wav")

    def fill(text: str) -> str:
        text = re.sub(r"\{length:([\w.-]+)\}", lambda m: str(len(audio[m.group(1)])), text)
        return text.replace("{media}", f"{base}/media").replace("{base}", base)

    for name in SERVED:
        server.add(f"/feeds/{name}", fill(bundled(name)).encode(), "application/rss+xml")
    # The old host had the show before its newest episode ("We moved to a new host").
    before_the_move = re.sub(r"<item>.*?</item>\s*", "", fill(bundled(MOVED)), count=1,
                             flags=re.DOTALL)
    server.add(OLD_HOME, before_the_move.encode(), "application/rss+xml")
    server.route("/feeds/retired-radio.xml",
                 lambda _request: Reply(410, b"This show has ended.", {"Content-Type": "text/plain"}))
    return fill(bundled(OPML_NAME))


def demo_directory(server: LoopbackServer) -> FakeDirectory:
    """The directory the demo searches: the moved show's new home, a decoy, the rest."""
    author = "The podterm demo"
    return FakeDirectory(server, [
        listed(server, "Field Recordings", author, MOVED, 1_000_004),
        listed(server, "Field Recordings for Sleep", "Drowsy Media", DECOY, 1_000_005),
        listed(server, "Terminal Tales", author, "terminal-tales.xml", 1_000_001),
        listed(server, "The Quiet Hours", author, "quiet-hours.xml", 1_000_002),
        listed(server, "Byte-Sized History", author, "byte-sized-history.xml", 1_000_003),
    ])


def listed(server: LoopbackServer, title: str, author: str, name: str,
           itunes_id: int) -> ListedShow:
    """A bundled show as a directory lists it: its description, episode count and
    newest episode's date, read from the feed itself."""
    feed = bundled(name)
    description = re.search(r"<description>([^<]*)</description>", feed)
    dates = [parsedate_to_datetime(d).timestamp()
             for d in re.findall(r"<pubDate>([^<]*)</pubDate>", feed)]
    return ListedShow(title, author, server.url(f"/feeds/{name}"), itunes_id,
                      description=description.group(1) if description else "",
                      episode_count=feed.count("<item>"), newest=max(dates, default=None))


def prepare_library(paths: Paths, server: LoopbackServer, config: Config) -> None:
    """Subscribe to the first demo shows and fetch them, before the player opens; the
    moved show was fetched at its old host before that host went away, and its checks
    since failed as often and as long as ``[health]`` needs to archive it."""
    conn = connect(paths.database)
    ids = [add_feed(conn, server.url(path))[0]
           for path in (*(f"/feeds/{name}" for name in SUBSCRIBED), OLD_HOME)]
    conn.close()
    settings = RefreshSettings.from_table(config["refresh"])
    rule = ArchiveRule.from_table(config["health"])
    # The failed checks span a minute more than rule.days (a span needs two checks), the
    # last one now.
    checks = max(2 if rule.days else 1, rule.failures)
    span = rule.days * DAY + 60 if rule.days else 0
    step, now = span / max(1, checks - 1), time.time()
    refresh(paths.database, ids[:-1], settings)
    refresh(paths.database, ids[-1:], settings, clock=lambda: now - span - DAY)
    server.remove(OLD_HOME)
    for check in range(checks):
        refresh(paths.database, ids[-1:], settings, rule=rule,
                clock=lambda at=now - span + check * step: at)
    conn = connect(paths.database)  # Up Next: the newest episode of each subscribed show
    upnext.add(conn, [list_episodes(conn, feed_id, limit=1)[0].id
                      for feed_id in ids[:len(SUBSCRIBED)]])
    conn.close()


OpenPlayer = Callable[[Paths, Config, Sequence[str]], None]


def run_demo(config: Config, console: Console, open_player: OpenPlayer) -> None:
    """Prepare the demo library and open the player on it with ``open_player(paths,
    config, notices)`` (the entry point's: it owns the terminal and the logs)."""
    with tempfile.TemporaryDirectory(prefix="podterm-demo-") as folder, \
            LoopbackServer() as server:
        root = Path(folder)
        paths = Paths(data_dir=root / "library", config_file=root / "config.toml",
                      log_dir=root / "logs")
        opml = root / OPML_NAME
        opml.write_text(serve_demo(server), encoding="utf-8")
        console.print(f"Demo library in {root} (deleted on exit); feeds served from "
                      f"{server.url('/')}", markup=False, highlight=False)
        # The demo's directory; and never a sync: it would mix the demo's feeds into
        # the user's account.
        config = Config({**config.tables, "directory": demo_directory(server).config_table(),
                          "sync": {**config["sync"], "server": ""}}, config.path, config.warnings)
        prepare_library(paths, server, config)
        notice = (f"This is the podterm demo. Press enter to play an episode; Up Next "
                  f"(top left) has two queued, + adds more. Field "
                  f"Recordings lost its host and was archived: select it, then press f to "
                  f"find its new home. S searches the demo's directory for more shows; to "
                  f"import some, press i and give this file: {opml}")
        open_player(paths, config, [notice])
