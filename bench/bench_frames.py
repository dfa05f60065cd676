"""Benchmark the frames of everyday moves, without a refresh beside them: the CPU time of
the Textual frames (layout and drawing) that show another episode (its notes, the
keys) and another feed (its list, header and notes), and how many were layouts.

Run:  .venv/bin/python bench/bench_frames.py [--moves 40] [--source CHECKOUT]

The app runs headless in this process (120x36) on a library of 20 feeds of 60 episodes
with ~1 KB of notes each, some of them long (3-12 KB) so that the notes' scrollbar comes
and goes. ``--source`` runs another checkout's tui/ and library/ (e.g. ``git archive
main``) the same way, for a ratio measured in the same run. CPU time is the loop
thread's own (time.thread_time), which waiting for a CPU on a loaded machine does not
inflate; compare within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r'''
import asyncio, sys, time
from pathlib import Path
sys.path.insert(0, SOURCE)
sys.path.insert(1, BENCH)
from bench.frameclock import FrameClock
from library.config import default_config
from library.episodes import upsert_episodes
from library.feeds import add_feed
from library.parse import ParsedEpisode
from library.paths import Paths
from library.store import connect, transaction
from tests.tui.fakes import ScriptedEngine
from tui.app import build_app

def fill(database):
    conn = connect(database)
    with transaction(conn):
        for f in range(20):
            feed_id, _ = add_feed(conn, f"https://feeds.example.org/{f}.xml", f"Show {f:02d}")
            upsert_episodes(conn, feed_id, (ParsedEpisode(
                identity=f"{f}-{n}", guid=f"{f}-{n}", title=f"Show {f} episode {n}",
                published_at=1_600_000_000 + n * 86_400, duration_s=600 + n * 37,
                enclosure_url=f"https://cdn.example.org/{f}/{n}.mp3",
                enclosure_type="audio/mpeg", enclosure_length=30_000_000,
                notes=("Show notes, a sentence of them. " * (40 if n % 3 else 400)),
                link=f"https://example.org/{f}/{n}", chapters_url=None,
                transcript_url=None) for n in range(60)))
    conn.close()

async def measure(root, moves):
    paths = Paths(root, root / "none.toml", root / "logs")
    fill(paths.database)
    config = default_config()
    config["refresh"].update(on_start=False, interval_min=0)
    app = build_app(paths, config, lambda settings, log_dir: ScriptedEngine())
    results = {}
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.main
        while len(screen.feeds) != 20 or not screen.episodes:
            await pilot.pause(0.01)
        await pilot.pause(0.5)
        for what, focus, key in (("another episode (j in the list)", "tab", "j"),
                                 ("another feed (j in the feeds)", "shift+tab", "j")):
            await pilot.press(focus)
            await pilot.pause(0.2)
            clock = FrameClock()
            with clock.timing(screen):
                for _ in range(moves):
                    await pilot.press(key)
                    await pilot.pause(0.05)
                await pilot.pause(0.3)
            results[what] = clock.frames
        await pilot.press("q")
    return results

import tempfile
with tempfile.TemporaryDirectory() as folder:
    results = asyncio.run(measure(Path(folder), MOVES))
for what, frames in results.items():
    cpu = sorted(f.cpu_ms for f in frames)
    print(f"{what}|{sum(cpu):.1f}|{cpu[-1]:.1f}|{cpu[len(cpu) // 2]:.2f}|{len(frames)}|"
          f"{sum(f.layout for f in frames)}")
'''


def run(source: Path, moves: int) -> dict[str, list[float]]:
    code = (MEASURE.replace("SOURCE", repr(str(source))).replace("BENCH", repr(str(ROOT)))
            .replace("MOVES", str(moves)))
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True,
                         text=True, check=True, cwd=source).stdout
    rows = [line.split("|") for line in out.splitlines() if line.count("|") == 5]
    return {what: [float(v) for v in values] for what, *values in rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--source", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    trees = [("this tree", ROOT)] + ([("--source", args.source.resolve())]
                                      if args.source else [])
    runs: dict[tuple[str, str], list[list[float]]] = {}
    for _ in range(args.rounds):
        for name, tree in trees:
            for what, values in run(tree, args.moves).items():
                runs.setdefault((name, what), []).append(values)
    print(f"frames while moving {args.moves} times (median of {args.rounds} rounds; "
          f"CPU of the loop thread):")
    for (name, what), values in runs.items():
        total, longest, median, frames, layouts = (statistics.median(v[i] for v in values)
                                                   for i in range(5))
        print(f"  {name:10s} {what:32s} all frames {total:6.1f} ms, longest {longest:5.1f} "
              f"ms, median {median:4.2f} ms; {frames:.0f} frames, {layouts:.0f} layouts")


if __name__ == "__main__":
    main()
