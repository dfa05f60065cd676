"""Benchmark: 20 downloads of 20 MB each on loopback, with the default limits.

Run:  .venv/bin/python bench/bench_downloads.py [--count 20] [--mb 20]

A child process serves the files from four loopback hosts (127.0.0.1-4, five files
each), so the default limits apply as in real life: 3 downloads at once, at most 2 per
host. Reported:

1. the installed ``podterm download ID... --json`` command, as a user runs it: wall
   time from start to exit and total throughput;
2. the library's Downloader on its thread inside a process whose main thread runs an
   asyncio loop that ticks every 10 ms: how late the ticks came (the stall a UI loop
   sharing the process would feel; until the TUI drives downloads, this is the proxy).
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

from library.config import load_config  # noqa: E402
from library.downloader import Downloader  # noqa: E402
from library.downloads import DownloadSettings  # noqa: E402
from library.paths import resolve_paths  # noqa: E402
from tests.downloads.conftest import audio  # noqa: E402
from tests.downloads.media_server import MediaServer  # noqa: E402
from tests.feedgen import Channel, Item, rss  # noqa: E402

HOSTS = [f"127.0.0.{n}" for n in range(1, 5)]
TICK_S = 0.010


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--mb", type=int, default=20)
    args = parser.parse_args()
    size = args.mb * 1_000_000
    ready, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.count, size, ready, stop),
                                     daemon=True)
    server.start()
    feed = ready.get(timeout=120)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cli_data, lib_data = Path(tmp, "cli"), Path(tmp, "lib")
            for data in (cli_data, lib_data):
                podterm(data, "add", feed)
            ids = [e["id"] for e in json.loads(podterm(cli_data, "episodes", "--json")[1])]
            wall, out = podterm(cli_data, "download", *map(str, ids), "--json")
            failed = [r for r in json.loads(out) if r["state"] != "done"]
            lib_wall, late = with_loop_stall(lib_data, ids)
    finally:
        stop.set()
        server.join(timeout=10)
    total_mb = args.count * size / 1e6
    print(f"{args.count} downloads of {args.mb} MB from {len(HOSTS)} loopback hosts, "
          f"concurrency 3, per host 2")
    print(f"podterm download (CLI, start to exit): {wall:.2f} s, {total_mb / wall:.0f} MB/s, "
          f"failed: {len(failed)}")
    late.sort()
    p99 = late[int(len(late) * 0.99) - 1] if late else 0.0
    print(f"Downloader thread + asyncio loop in the same process: {lib_wall:.2f} s, "
          f"{total_mb / lib_wall:.0f} MB/s; 10 ms ticks late by median "
          f"{statistics.median(late):.1f} ms, p99 {p99:.1f} ms, max {late[-1]:.1f} ms "
          f"({len(late)} ticks)")


if __name__ == "__main__":
    main()
