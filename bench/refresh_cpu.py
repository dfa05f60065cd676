"""Where a refresh's CPU goes: per process and per thread, from /proc.

Run:  .venv/bin/python bench/refresh_cpu.py [--feeds 200]

Serves bench_peers.py's corpus the same way (gzip, validators, eight loopback hosts),
imports its OPML into a fresh data directory, then runs ``podterm refresh --json`` cold
and warm while reading every thread's CPU time (utime + stime) and every process's peak
RSS (VmHWM) in its process tree every 50 ms. Python does not name its threads for the
kernel, so the main process's threads are told apart by the order they start in: the
SQLite writer first, then (only if a feed changed) the parse pool's threads, which send
bodies to the parser processes and read their answers. (A cold refresh starts the parser
processes themselves before either, from the command's first look at the library.)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_peers import TreeMemory, corpus_sizes, opml, served_corpus  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of ``pid`` (empty once it has gone)."""
    found = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            found[int(tid)] = (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        pass
    return found


def profile(command: list[str], env: dict[str, str]) -> None:
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    memory = TreeMemory(proc.pid)
    cpu: dict[int, dict[int, float]] = {}
    while proc.poll() is None:
        for pid in {proc.pid, *memory.peaks.copy()}:  # (copy: another thread adds)
            cpu.setdefault(pid, {}).update(thread_cpu(pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    peak, processes = memory.stop()
    print(f"  wall {wall:.2f} s, CPU {sum(sum(t.values()) for t in cpu.values()):.2f} s, "
          f"peak RSS {peak:.0f} MB in {processes} processes")
    for pid, threads in sorted(cpu.items()):
        tids = sorted(threads)
        if pid == proc.pid:
            names = ["main thread", "SQLite writer", *["parse pool"] * (len(tids) - 2)]
            label = "podterm"
        else:
            names, label = ["all threads"] * len(tids), "parser process"
        total = sum(threads.values())
        rss = memory.peaks.get(pid, 0) / 1024
        print(f"    {label} {pid}: {total:.2f} s CPU, peak {rss:.0f} MB")
        if pid == proc.pid:
            for tid, name in zip(tids, names):
                if threads[tid] >= 0.01:
                    print(f"      {name}: {threads[tid]:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    args = parser.parse_args()
    exe = str(Path(sys.executable).parent / "podterm")
    with served_corpus(corpus_sizes(args.feeds)) as (urls, _total), \
            tempfile.TemporaryDirectory() as work:
        env = {key: value for key, value in os.environ.items()
               if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(PODTERM_DATA_DIR=f"{work}/data", PODTERM_CONFIG=f"{work}/none.toml")
        subs = Path(work) / "subs.opml"
        subs.write_text(opml(urls))
        subprocess.run([exe, "import", str(subs), "--no-refresh", "--json"], check=True,
                       env=env, stdout=subprocess.DEVNULL)
        for kind in ("cold", "warm"):
            print(f"{kind} refresh of {len(urls)} feeds:")
            profile([exe, "refresh", "--json"], env)

if __name__ == "__main__":
    main()
