"""Benchmark the TUI: its first screen next to a bare Textual app, its memory, and the
longest event-loop stall while 200 feeds refresh.

Run:  .venv/bin/python bench/bench_tui.py [--rounds 5] [--load 2] [--feeds 200]
      [--episodes 100000 500000] [--refresh-episodes 100] [--explain]

1. First screen, in a real pseudo-terminal of 120x36: from process start to the
   subscriptions and the first feed's newest episode written to the terminal, for
   libraries of ``--feeds`` feeds and each of ``--episodes`` episodes (written with the
   library's own upsert), next to a bare Textual app (bench/tui_hello.py) to "Hello".
   Both are started the same way (a fresh interpreter of this venv; podterm by its
   console script, without refresh at start), in rounds of rotating order; medians
   and their ratio to the bare app, also of the CPU time each process had used by
   then (on a machine shared with others, time also counts waiting for a CPU). Then
   the end key moves to the last feed and, a second later, podterm's peak RSS is read.
2. Stalls: ``--feeds`` feeds served by a child process on loopback; the app (headless,
   in this process) refreshes them all (the R key), and again in a fresh library
   with ``[refresh] on_start`` (from the first screen on), while ``--load`` busy loops
   run beside it. A 5 ms timer on the app's loop records how late it fires: the
   longest lateness is the longest time the UI could not answer a key; and the CPU
   time the loop's thread used between two ticks, its own work (a tick is also late
   while that thread waits for a CPU that other processes hold). ``--explain`` prints
   where the loop was during the longest stalls; ``--frames`` times each Textual frame
   (layout and drawing) during the refresh and lists the longest with the widgets drawn.

The machine is shared: compare the ratios within one run, not times across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.frameclock import FrameClock  # noqa: E402
from bench.ttyclock import BusyLoops, StallClock, first_screen, summary  # noqa: E402
from library.config import default_config  # noqa: E402
from library.episodes import upsert_episodes  # noqa: E402
from library.feeds import add_feed  # noqa: E402
from library.parse import ParsedEpisode  # noqa: E402
from library.paths import Paths  # noqa: E402
from library.store import connect, transaction  # noqa: E402
from tests.feedgen import rss, show  # noqa: E402
from tests.tui.fakes import ScriptedEngine  # noqa: E402
from tui import heap  # noqa: E402
from tui.app import build_app  # noqa: E402
from tui.demo.server import LoopbackServer  # noqa: E402

QUIET = "[refresh]\non_start = false\ninterval_min = 0\n"
END_KEY = b"\x1b[F"


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


def terminal_env(**extra: str) -> dict[str, str]:
    """This environment, as a user's terminal has it: compiled modules are used (an
    installed podterm has them; PYTHONDONTWRITEBYTECODE would make podterm compile its
    own at every start), the terminal's size comes from the terminal."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "COLUMNS", "LINES")}
    return {**env, "TERM": "xterm-256color", **extra}


def first_screens(root: Path, feeds: int, sizes: list[int], rounds: int) -> None:
    for package in ("library", "tui", "player"):
        compileall.compile_dir(ROOT / package, quiet=1)
    config = root / "quiet.toml"
    config.write_text(QUIET)
    bin_dir = Path(sys.executable).parent
    runners = [("bare Textual app", [sys.executable, str(ROOT / "bench" / "tui_hello.py")],
                [b"Hello from a bare Textual app"], terminal_env())]
    for size in sizes:
        data = root / f"library-{size}"
        started = time.perf_counter()
        fill_library(data / "library.sqlite3", feeds, size)
        print(f"library of {feeds} feeds, {size:,} episodes written in "
              f"{time.perf_counter() - started:.1f} s")
        newest = f"Show 0 episode {size // feeds - 1}".encode()
        runners.append((f"podterm, {size:,} episodes", [str(bin_dir / "podterm")],
                        [b"Show number 000", newest],
                        terminal_env(PODTERM_DATA_DIR=str(data), PODTERM_CONFIG=str(config),
                                     PODTERM_VLC_ARGS="--aout=dummy")))
    times: dict[str, list[float]] = {name: [] for name, *_ in runners}
    cpu: dict[str, list[float]] = {name: [] for name, *_ in runners}
    rss: dict[str, list[float]] = {name: [] for name, *_ in runners}
    for round_ in range(rounds):
        shift = round_ % len(runners)
        for name, argv, needles, env in runners[shift:] + runners[:shift]:
            shown = first_screen(argv, needles, env, then=END_KEY, settle_s=1.0)
            times[name].append(shown.seconds)
            cpu[name].append(shown.cpu_seconds)
            rss[name].append(shown.peak_rss_mb)
    base = statistics.median(times[runners[0][0]])
    base_cpu = statistics.median(cpu[runners[0][0]])
    print(f"\nfirst screen, process start to drawn (120x36, median of {rounds} rounds, "
          f"range); the CPU time the process used until then (all its threads; "
          f"fairer than time on a loaded machine); peak RSS after moving to the last feed:")
    for name, values in times.items():
        median, median_cpu = statistics.median(values), statistics.median(cpu[name])
        print(f"  {name:28s} {median * 1000:5.0f} ms ({min(values) * 1000:.0f}-"
              f"{max(values) * 1000:.0f})  {median / base:4.2f}x  CPU {median_cpu * 1000:4.0f} "
              f"ms {median_cpu / base_cpu:4.2f}x  RSS {max(rss[name]):5.1f} MB")


def serve(feeds: int, episodes_per_feed: int, urls: multiprocessing.Queue,
          stop: multiprocessing.Event) -> None:
    with LoopbackServer() as server:
        urls.put([server.add(f"/feed/{n}.xml", rss(show(f"Loopback {n:03d}",
                                                          episodes_per_feed)),
                             "application/rss+xml", gzip=True) for n in range(feeds)])
        stop.wait()


async def refresh_stalls(paths: Paths, urls: list[str], on_start: bool, explain: bool,
                         frames: bool = False
                         ) -> tuple[tuple[float, float], tuple[float, float], float]:
    """((longest stall, p99), (longest work, p99), refresh seconds) from the first
    screen to the refresh's end."""
    conn = connect(paths.database)
    for url in urls:
        add_feed(conn, url)
    conn.close()
    config = default_config()
    config["refresh"].update(on_start=on_start, interval_min=0)
    drawn: list[float] = []  # the player engine starts once the first screen is drawn

    def engine(settings: object, log_dir: Path) -> ScriptedEngine:
        drawn.append(time.monotonic())  # the loop's clock (it may run on another thread)
        return ScriptedEngine()

    heap.pause()  # as the console script does (tui.main): the app resumes it
    app = build_app(paths, config, engine)
    clock = StallClock(explain=explain)
    frame_clock = FrameClock()
    async with app.run_test(size=(120, 36)) as pilot:
        clock.start()
        screen = app.main
        while len(screen.feeds) != len(urls) or not drawn:
            await pilot.pause(0.01)
        shown = drawn[0]
        started = time.perf_counter()
        with frame_clock.timing(screen) if frames else contextlib.nullcontext():
            if not on_start:
                await pilot.press("R")
            # Plain sleeps from here: Pilot.pause() sends a message to every widget, work
            # that a user's app does not do and that would count in the loop's stalls.
            while not screen.subscriptions.refreshing:
                await asyncio.sleep(0.01)
            while screen.subscriptions.refreshing:
                await asyncio.sleep(0.05)
        took = time.perf_counter() - started
        clock.stop()
        failed = [feed for feed in screen.feeds if feed.consecutive_failures]
        assert not failed, f"{len(failed)} feeds failed"
        await pilot.press("q")
    if explain:
        print(clock.report())
    if frames:
        print(frame_clock.report())
    late, work = clock.since(shown)
    print(f"    longest stalls: {clock.longest(shown)}")
    return summary(late), summary(work), took


def stalls(root: Path, feeds: int, episodes: int, load: int, explain: bool,
           frames: bool) -> None:
    context = multiprocessing.get_context("spawn")
    urls_queue, stop = context.Queue(), context.Event()
    child = context.Process(target=serve, args=(feeds, episodes, urls_queue, stop),
                            daemon=True)
    child.start()
    try:
        urls = urls_queue.get(timeout=300)
        print(f"\nevent-loop stalls while {feeds} feeds of {episodes} episodes refresh "
              f"(served by another process), {load} busy loops beside it:")
        with BusyLoops(load):
            for on_start in (False, True):
                paths = Paths(root / f"refresh-{on_start}", root / "none.toml", root / "logs")
                late, work, took = asyncio.run(
                    refresh_stalls(paths, urls, on_start, explain, frames))
                what = "refresh at start" if on_start else "R (refresh all)"
                print(f"  {what:18s} refresh took {took:5.1f} s; stall: longest "
                      f"{late[0]:5.1f} ms, p99 {late[1]:4.1f} ms; the loop's own work "
                      f"between two ticks: longest {work[0]:5.1f} ms, p99 {work[1]:4.1f} ms")
    finally:
        stop.set()
        child.join(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--episodes", type=int, nargs="+", default=[100_000, 500_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--refresh-episodes", type=int, default=100,
                        help="episodes per served feed in the refresh runs")
    parser.add_argument("--load", type=int, default=2, help="busy loops beside the refresh")
    parser.add_argument("--skip-first-screen", action="store_true")
    parser.add_argument("--skip-stalls", action="store_true")
    parser.add_argument("--explain", action="store_true",
                        help="show where the event loop was in the longest stalls")
    parser.add_argument("--frames", action="store_true",
                        help="time each Textual frame and list the longest, with the "
                             "widgets each drew")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="podterm-bench-") as folder:
        root = Path(folder)
        if not args.skip_first_screen:
            first_screens(root, args.feeds, args.episodes, args.rounds)
        if not args.skip_stalls:
            stalls(root, args.feeds, args.refresh_episodes, args.load, args.explain,
                   args.frames)


if __name__ == "__main__":
    main()
