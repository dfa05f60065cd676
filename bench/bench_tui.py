"""Benchmark the TUI: first-screen time on a large library, and the longest event-loop
stall while 200 feeds refresh.

Run:  .venv/bin/python bench/bench_tui.py [--feeds 200] [--episodes 100000] [--runs 3]
      [--verbose]

1. First screen: a library of ``--feeds`` feeds and ``--episodes`` episodes (written
   with the library's own upsert); the time from building the app to the subscriptions
   and the first feed's episodes being on screen (headless, 120x36).
2. Refresh stall: ``--feeds`` feeds served by a child process on loopback (as remote
   servers would be: not competing for this process's GIL); the app refreshes them all
   (the R key) while a 5 ms timer on the app's loop records how late it fires. Reported:
   the longest lateness (the longest time the UI could not answer a key) and the p99.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from library.config import default_config  # noqa: E402
from library.episodes import upsert_episodes  # noqa: E402
from library.feeds import add_feed  # noqa: E402
from library.parse import ParsedEpisode  # noqa: E402
from library.paths import Paths  # noqa: E402
from library.store import connect, transaction  # noqa: E402
from tests.feedgen import rss, show  # noqa: E402
from tests.tui.fakes import ScriptedEngine  # noqa: E402
from tui.app import build_app  # noqa: E402
from tui.demo.server import LoopbackServer  # noqa: E402

TICK_S = 0.005


def fill_library(database: Path, feeds: int, episodes: int) -> None:
    conn = connect(database)
    per_feed = episodes // feeds
    with transaction(conn):
        for f in range(feeds):
            feed_id, _ = add_feed(conn, f"https://feeds{f % 20}.example.org/show/{f}.xml",
                                  f"Show number {f:03d}")
            upsert_episodes(conn, feed_id, (ParsedEpisode(
                identity=f"{f}-{n}", guid=f"{f}-{n}", title=f"Show {f} episode {n}",
                published_at=1_600_000_000 + n * 86_400, duration_s=600 + n * 37 % 5400,
                enclosure_url=f"https://cdn.example.org/{f}/{n}.mp3",
                enclosure_type="audio/mpeg", enclosure_length=30_000_000,
                notes="Show notes. " * 40, link=f"https://example.org/{f}/{n}",
                chapters_url=None, transcript_url=None) for n in range(per_feed)))
    conn.close()


async def first_screen(paths: Paths, feeds: int) -> float:
    start = time.perf_counter()
    app = build_app(paths, default_config(), lambda settings, log_dir: ScriptedEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        while not (len(app.feeds) == feeds and app.episodes
                   and app.query_one("#episodes").row_count):
            await pilot.pause(0.001)
        elapsed = time.perf_counter() - start
        await pilot.press("q")
    return elapsed


def serve(feeds: int, episodes_per_feed: int, urls: multiprocessing.Queue,
          stop: multiprocessing.Event) -> None:
    with LoopbackServer() as server:
        urls.put([server.add(f"/feed/{n}.xml", rss(show(f"Loopback {n:03d}",
                                                          episodes_per_feed)),
                             "application/rss+xml", gzip=True) for n in range(feeds)])
        stop.wait()


async def refresh_stall(paths: Paths, urls: list[str], verbose: bool
                        ) -> tuple[float, float, float]:
    conn = connect(paths.database)
    for url in urls:
        add_feed(conn, url)
    conn.close()
    app = build_app(paths, default_config(), lambda settings, log_dir: ScriptedEngine())
    lateness: list[float] = []
    marks: list[tuple[float, float]] = []  # (loop time, lateness)
    async with app.run_test(size=(120, 36)) as pilot:
        while len(app.feeds) != len(urls):
            await pilot.pause(0.01)
        loop = asyncio.get_running_loop()
        due = [loop.time() + TICK_S]

        def tick() -> None:
            now = loop.time()
            lateness.append(now - due[0])
            marks.append((now, now - due[0]))
            due[0] = now + TICK_S
            loop.call_later(TICK_S, tick)

        loop.call_later(TICK_S, tick)
        start = time.perf_counter()
        await pilot.press("R")
        while not app.subscriptions.refreshing:
            await pilot.pause(0.01)
        while app.subscriptions.refreshing:
            await pilot.pause(0.05)
        took = time.perf_counter() - start
        if verbose:
            worst_ticks = sorted(((late, at - marks[0][0]) for at, late in marks), reverse=True)
            print("longest stalls (ms, at s):", ", ".join(
                f"{late * 1000:.0f} at {at:.2f}" for late, at in worst_ticks[:8]))
        failed = [f for f in app.feeds if f.consecutive_failures]
        assert not failed, f"{len(failed)} feeds failed"
        await pilot.press("q")
    lateness.sort()
    return max(lateness), lateness[int(len(lateness) * 0.99)], took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--refresh-episodes", type=int, default=100,
                        help="episodes per served feed in the refresh run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--verbose", action="store_true", help="list the longest stalls")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="podterm-bench-") as folder:
        root = Path(folder)
        paths = Paths(root / "big", root / "config.toml", root / "logs")
        started = time.perf_counter()
        fill_library(paths.database, args.feeds, args.episodes)
        print(f"library: {args.feeds} feeds, {args.episodes} episodes "
              f"(written in {time.perf_counter() - started:.1f} s)")
        times = [asyncio.run(first_screen(paths, args.feeds)) for _ in range(args.runs)]
        print(f"first screen: median {statistics.median(times) * 1000:.0f} ms, "
              f"worst {max(times) * 1000:.0f} ms over {args.runs} runs")

        context = multiprocessing.get_context("spawn")
        urls_queue, stop = context.Queue(), context.Event()
        child = context.Process(target=serve, args=(args.feeds, args.refresh_episodes,
                                                    urls_queue, stop), daemon=True)
        child.start()
        try:
            urls = urls_queue.get(timeout=120)
            refresh_paths = replace(paths, data_dir=root / "refresh")
            worst, p99, took = asyncio.run(refresh_stall(refresh_paths, urls, args.verbose))
        finally:
            stop.set()
            child.join(10)
        print(f"refresh of {len(urls)} feeds ({args.refresh_episodes} episodes each) took "
              f"{took:.1f} s; event-loop stall: longest {worst * 1000:.1f} ms, "
              f"p99 {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
