"""Benchmark: 20 downloads of 20 MB each on loopback, with the default limits.

Run:  .venv/bin/python bench/bench_downloads.py [--count 20] [--mb 20]

A child process serves the files from four loopback hosts (127.0.0.1-4, five files
each), so the default limits apply as in real life: 3 downloads at once, at most 2 per
host. Reported:

1. the installed ``podterm download ID... --json`` command, as a user runs it: wall
   time from start to exit and total throughput;
2. the library's Downloader on its thread inside a process whose main thread runs an
   asyncio loop that ticks every 10 ms: how late the ticks came;
3. the TUI itself (headless, 120x36, the real app with a scripted player engine and
   ``auto_newest`` = the count): r refreshes the show and the library's rules queue
   every episode; the app downloads them while its episode list marks each row's
   progress and the status line shows the total. A 5 ms timer on the app's event loop
   records how late it fires from the queueing to the last download done: the longest
   event-loop stall (the UI budget is < 50 ms) and the p99; the same for the idle app
   just before, which is what the machine's own load costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from library.config import default_config, load_config  # noqa: E402
from library.downloader import Downloader  # noqa: E402
from library.downloads import DownloadSettings  # noqa: E402
from library.paths import Paths, resolve_paths  # noqa: E402
from tests.downloads.conftest import audio  # noqa: E402
from tests.downloads.media_server import MediaServer  # noqa: E402
from tests.feedgen import Channel, Item, rss  # noqa: E402
from tests.tui.fakes import ScriptedEngine  # noqa: E402
from tui.app import build_app  # noqa: E402

HOSTS = [f"127.0.0.{n}" for n in range(1, 5)]
TICK_S = 0.010
UI_TICK_S = 0.005
IDLE_S = 3.0


def serve(count: int, size: int, ready: multiprocessing.Queue,
          stop: multiprocessing.Event) -> None:
    body = audio(size, 1)          # one body behind every address: 20 MB of memory, not 400
    servers = [MediaServer(host).__enter__() for host in HOSTS]
    items = [Item(f"Episode {n}", guid=str(n), published=1_700_000_000 - n,
                  enclosure=servers[n % len(servers)].add(f"/{n}.mp3", body))
             for n in range(count)]
    feed = rss(Channel("Bench show", items))
    ready.put(servers[0].route("/feed.xml", lambda h: (200, {"Content-Type": "text/xml"}, feed)))
    stop.wait()
    for server in servers:
        server.__exit__()


def podterm(data: Path, *args: str) -> tuple[float, str]:
    """Run the installed CLI; returns (wall seconds, its output)."""
    exe = Path(sys.executable).parent / "podterm"
    env = {**os.environ, "PODTERM_DATA_DIR": str(data), "PODTERM_CONFIG": str(data / "none")}
    start = time.perf_counter()
    result = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env)
    if result.returncode:
        raise SystemExit(f"podterm {' '.join(args)} failed: {result.stderr}")
    return time.perf_counter() - start, result.stdout


def with_loop_stall(data: Path, ids: list[int]) -> tuple[float, list[float]]:
    """Download ``ids`` on the Downloader's thread while this thread's asyncio loop
    ticks; returns (wall seconds, lateness of each tick in ms)."""
    paths = resolve_paths(str(data), str(data / "none"))
    settings = DownloadSettings.from_config(load_config(None)["downloads"], paths)

    async def measure() -> tuple[float, list[float]]:
        late: list[float] = []
        start = time.perf_counter()
        with Downloader(paths.database, settings) as downloader:
            downloader.add(ids)
            while not downloader.wait(0):
                before = time.perf_counter()
                await asyncio.sleep(TICK_S)
                late.append((time.perf_counter() - before - TICK_S) * 1000)
        return time.perf_counter() - start, late

    return asyncio.run(measure())


class Ticker:
    """A timer on the running loop firing every UI_TICK_S; ``late`` is how late each
    tick came (ms): the longest is the longest time the UI could not answer a key.
    ``busy`` is the CPU time (ms) the loop's thread used between two ticks: on a machine
    loaded by others a tick is also late while the thread waits for a CPU, this is not."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.late: list[float] = []
        self.busy: list[float] = []
        self.due = self.loop.time() + UI_TICK_S
        self.cpu = time.thread_time()
        self.handle = self.loop.call_later(UI_TICK_S, self._tick)

    def _tick(self) -> None:
        now, cpu = self.loop.time(), time.thread_time()
        self.late.append((now - self.due) * 1000)
        self.busy.append((cpu - self.cpu) * 1000)
        self.due, self.cpu = now + UI_TICK_S, cpu
        self.handle = self.loop.call_later(UI_TICK_S, self._tick)

    def stop(self) -> "Ticker":
        self.handle.cancel()
        return self


async def tui_stall(data: Path, count: int) -> tuple[float, Ticker, Ticker]:
    """The TUI downloads ``count`` episodes: auto-download of the newest ``count`` after
    the r key's refresh. Returns the seconds from their queueing to the last one done,
    the ticks meanwhile, and the same app's ticks while idle for IDLE_S before (what
    the machine's own load costs)."""
    config = default_config()
    config["refresh"].update(on_start=False, interval_min=0)
    config["downloads"]["auto_newest"] = count
    app = build_app(Paths(data, data / "none.toml", data / "logs"), config,
                    lambda settings, log_dir: ScriptedEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.main
        while len(screen.episodes) != count:
            await pilot.pause(0.01)
        await pilot.press("tab")  # the episode list, with its marks, has the focus
        ticker = Ticker()
        await pilot.pause(IDLE_S)
        idle = ticker.stop()
        await pilot.press("r")
        while screen.downloads.view() is None:
            await pilot.pause(0.002)
        start, ticker = time.perf_counter(), Ticker()

        def all_done() -> bool:
            known = screen.downloads.known
            return all(i in known and known[i].state == "done" for i in screen.episodes)

        while not all_done():
            failed = [s for s in screen.downloads.known.values() if s.state == "failed"]
            if failed:
                raise SystemExit(f"a download failed in the TUI: {failed[0].error}")
            await pilot.pause(0.01)
        took, running = time.perf_counter() - start, ticker.stop()
        await pilot.press("q")
    return took, running, idle


def stall(late: list[float]) -> str:
    """The longest and the p99 of ``late`` (ms)."""
    late = sorted(late)
    return f"longest {late[-1]:.1f} ms, p99 {late[int(len(late) * 0.99)]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--only", choices=["cli", "library", "tui"], nargs="+",
                        default=["cli", "library", "tui"], help="which measurements to run")
    args = parser.parse_args()
    size = args.mb * 1_000_000
    total_mb = args.count * size / 1e6
    ready, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.count, size, ready, stop),
                                     daemon=True)
    server.start()
    feed = ready.get(timeout=120)
    print(f"{args.count} downloads of {args.mb} MB from {len(HOSTS)} loopback hosts, "
          f"concurrency 3, per host 2")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name in args.only:
                podterm(Path(tmp, name), "add", feed)
            if "cli" in args.only:
                data = Path(tmp, "cli")
                ids = [e["id"] for e in json.loads(podterm(data, "episodes", "--json")[1])]
                wall, out = podterm(data, "download", *map(str, ids), "--json")
                failed = [r for r in json.loads(out) if r["state"] != "done"]
                print(f"podterm download (CLI, start to exit): {wall:.2f} s, "
                      f"{total_mb / wall:.0f} MB/s, failed: {len(failed)}")
            if "library" in args.only:
                data = Path(tmp, "library")
                ids = [e["id"] for e in json.loads(podterm(data, "episodes", "--json")[1])]
                lib_wall, late = with_loop_stall(data, ids)
                late.sort()
                p99 = late[int(len(late) * 0.99) - 1] if late else 0.0
                print(f"Downloader thread + asyncio loop in the same process: {lib_wall:.2f} s, "
                      f"{total_mb / lib_wall:.0f} MB/s; 10 ms ticks late by median "
                      f"{statistics.median(late):.1f} ms, p99 {p99:.1f} ms, max "
                      f"{late[-1]:.1f} ms ({len(late)} ticks)")
            if "tui" in args.only:
                took, running, idle = asyncio.run(tui_stall(Path(tmp, "tui"), args.count))
                print(f"TUI, auto-download after r (list marks and status line drawn): "
                      f"{took:.2f} s, {total_mb / took:.0f} MB/s")
                print(f"  event loop while they ran: late {stall(running.late)}; its own CPU "
                      f"work between ticks {stall(running.busy)} ({len(running.late)} ticks)")
                print(f"  the same app idle for {IDLE_S:g} s before: late {stall(idle.late)}; "
                      f"CPU work {stall(idle.busy)}")
    finally:
        stop.set()
        server.join(timeout=10)
    print("load average (1, 5, 15 min): " + ", ".join(f"{n:.1f}" for n in os.getloadavg())
          + f" on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
