"""Benchmark: cold import + refresh, and warm refresh, of 200 feeds on loopback.

Run:  .venv/bin/python bench/bench_refresh.py [--feeds 200] [--big 5]

A child process serves the corpus from eight loopback hosts (127.0.0.1-8, as feeds come
from many hosts in real life); the installed ``podterm`` command imports an OPML of
them and refreshes, exactly as a user would. Reported: wall times, MB/s of feed XML
on the cold run, and the peak RSS of the largest podterm process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.feedgen import rss, show  # noqa: E402
from tui.demo.server import LoopbackServer  # noqa: E402

HOSTS = [f"127.0.0.{n}" for n in range(1, 9)]


def corpus_sizes(feeds: int, big: int, seed: int = 7) -> list[int]:
    rng = random.Random(seed)
    return [5000] * big + [rng.randint(50, 300) for _ in range(feeds - big)]


def serve(sizes: list[int], ready: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    servers = [LoopbackServer(host).start() for host in HOSTS]
    urls, total = [], 0
    for n, count in enumerate(sizes):
        body = rss(show(f"Bench show {n}", count))
        total += len(body)
        urls.append(servers[n % len(servers)].add(f"/feed{n}.xml", body, "application/rss+xml",
                                                  gzip=True))
    ready.put((urls, total))
    stop.wait()
    for server in servers:
        server.close()


def podterm(data_dir: Path, *args: str) -> tuple[float, float, dict | list]:
    """Run the CLI; returns (wall seconds, peak RSS in MB, parsed JSON output)."""
    exe = Path(sys.executable).parent / "podterm"
    env = {**os.environ, "PODTERM_DATA_DIR": str(data_dir),
           "PODTERM_CONFIG": str(data_dir / "none.toml")}
    start = time.perf_counter()
    with subprocess.Popen([str(exe), *args, "--json"], stdout=subprocess.PIPE, env=env) as proc:
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"podterm {' '.join(args)} failed with {proc.returncode}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--big", type=int, default=5, help="feeds with 5,000 episodes")
    args = parser.parse_args()
    sizes = corpus_sizes(args.feeds, args.big)
    ready, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(sizes, ready, stop), daemon=True)
    server.start()
    urls, total_bytes = ready.get(timeout=300)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            opml = data / "subs.opml"
            opml.write_text("<opml version='2.0'><body>" + "".join(
                f'<outline type="rss" text="f{n}" xmlUrl="{url}"/>' for n, url in enumerate(urls)
            ) + "</body></opml>")
            cold, cold_rss, report = podterm(data, "import", str(opml))
            failed = [o for o in report["refresh"] if o["outcome"] != "updated"]
            warm, warm_rss, outcomes = podterm(data, "refresh")
            changed = [o for o in outcomes if o["outcome"] != "not_modified"]
            episodes = sum(sizes)
    finally:
        stop.set()
        server.join(timeout=10)
    mb = total_bytes / 1e6
    print(f"corpus: {len(sizes)} feeds, {episodes:,} episodes, {mb:.1f} MB of feed XML "
          f"(served gzip-compressed from {len(HOSTS)} loopback hosts)")
    print(f"cold import + refresh: {cold:.2f} s  ({mb / cold:.1f} MB/s of feed XML)"
          f"  failed: {len(failed)}")
    print(f"warm refresh, nothing changed: {warm:.2f} s  (not 'not modified': {len(changed)})")
    print(f"peak RSS of podterm: cold {cold_rss:.0f} MB, warm {warm_rss:.0f} MB")


if __name__ == "__main__":
    main()
