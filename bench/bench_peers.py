"""Side by side: podterm, a stdlib floor and castero refreshing the same 200 feeds.

Run:  bench/install_peers.sh            # once: castero into bench/peers/ (optional)
      .venv/bin/python bench/bench_peers.py [--rounds 3] [--feeds 200]

A separate process serves a generated corpus (realistic podcast feeds, see
tests/feedgen.realistic_feed: about 50,000 episodes, 86 MB of XML with HTML notes,
gzip-compressed, ETag and Last-Modified) from eight loopback hosts. Each round runs every
client once, in a rotating order, each in a fresh data directory:

- floor: bench/floor.py, 16 threads with http.client and ElementTree, no storage;
- podterm: the installed ``podterm`` command, ``refresh --json`` after an untimed
  ``import --no-refresh`` of the corpus's OPML;
- castero 0.9.5: ``castero --import`` (fetches and stores every feed; skipped with a
  message unless bench/install_peers.sh installed it).

A cold refresh fetches everything; a warm one right after it finds nothing changed
(every server answers 304). Times are wall clock from process start to exit, so the
interpreter's start is included. Peak RSS is the sum of each process's peak in the
client's process tree. The machine is shared and noisy: compare
the ratios of one run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from tests.feedgen import realistic_feed  # noqa: E402

HOSTS = [f"127.0.0.{n}" for n in range(1, 9)]
CASTERO = BENCH / "peers" / "castero" / "bin" / "castero"
# podterm from whichever tree is first on sys.path, entered as the console script enters
# it (tui.main.console; a tree from before it existed has only main()).
PODTERM_CODE = "import sys, tui.main as m; sys.exit(getattr(m, 'console', m.main)())"


def corpus_sizes(feeds: int, seed: int = 7) -> list[int]:
    """Episodes per feed: most shows have a few hundred, a few have thousands."""
    rng = random.Random(seed)
    return [max(5, min(3000, int(rng.lognormvariate(5.05, 1.05)))) for _ in range(feeds)]


# --- the server process ----------------------------------------------------------------

def serve(sizes: list[int], ready: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    """Serve the corpus (pre-compressed: the server must not compete for the CPU)."""
    last_modified = formatdate(1_700_000_000, usegmt=True)
    resources: dict[str, tuple[bytes, bytes, str]] = {}
    total = 0
    for n, count in enumerate(sizes):
        body = realistic_feed(n, count)
        total += len(body)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        resources[f"/feed{n}.xml"] = (body, gzip.compress(body, 6), etag)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            resource = resources.get(self.path)
            if resource is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, zipped, etag = resource
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", last_modified)
                self.end_headers()
                return
            use_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
            payload = zipped if use_gzip else body
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            if use_gzip:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    servers = [ThreadingHTTPServer((host, 0), Handler) for host in HOSTS]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
    urls = [f"http://{HOSTS[n % len(HOSTS)]}:{servers[n % len(HOSTS)].server_address[1]}"
            f"/feed{n}.xml" for n in range(len(sizes))]
    ready.put((urls, total))
    stop.wait()
    for server in servers:
        server.shutdown()


# --- measuring a client -------------------------------------------------------------------

class TreeMemory:
    """Peak RSS of a process and all its descendants: the sum of each one's VmHWM (its
    high-water mark, so a sample now and then catches the peak).

    Finding the descendants reads every process's /proc entry: done every 0.25 s, it
    costs the machine little; reading the known ones' VmHWM every 20 ms even less."""

    def __init__(self, root: int) -> None:
        self.root, self.peaks = root, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tree, scanned = [self.root], 0.0
        while not self._stop.is_set():
            if time.monotonic() - scanned > 0.25:
                tree, scanned = self._tree(), time.monotonic()
            for pid in tree:
                try:
                    with open(f"/proc/{pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                self.peaks[pid] = max(self.peaks.get(pid, 0),
                                                      int(line.split()[1]))
                except OSError:
                    pass
            self._stop.wait(0.02)

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    pass
        tree, frontier = {self.root}, [self.root]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid not in tree:
                    tree.add(pid)
                    frontier.append(pid)
        return list(tree)

    def stop(self) -> tuple[float, int]:
        """(sum of peaks in MB, number of processes seen)."""
        self._stop.set()
        self._thread.join()
        return sum(self.peaks.values()) / 1024, len(self.peaks)



@contextmanager
def served_corpus(sizes: list[int]) -> Iterator[tuple[list[str], int]]:
    """The corpus of ``sizes`` served by a separate process while the block runs:
    (the feeds' URLs, the bytes of XML they hold)."""
    ready, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(sizes, ready, stop), daemon=True)
    server.start()
    try:
        yield ready.get(timeout=600)
    finally:
        stop.set()
        server.join(timeout=10)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, tuple[float, int], str]:
    """Run ``command``; returns (wall seconds, (peak RSS of its process tree in MB,
    processes in that tree), stdout).

    Python may cache bytecode (as after a normal install, where pip compiles it): an
    environment that forbids it would make podterm's editable install compile its
    modules on every start, and no peer's."""
    env = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    peak = memory.stop()
    if proc.returncode:
        raise SystemExit(f"{command[0]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, peak, out.decode()


def opml(urls: list[str]) -> str:
    return ("<?xml version='1.0'?><opml version='2.0'><head><title>bench</title></head><body>"
            + "".join(f'<outline type="rss" text="f{n}" title="f{n}" xmlUrl="{url}"/>'
                      for n, url in enumerate(urls)) + "</body></opml>")


def run_floor(work: Path, urls: list[str]) -> dict[str, tuple[float, tuple[float, int]]]:
    state = work / "floor.json"
    state.write_text(json.dumps({"urls": urls}))
    command = [sys.executable, str(BENCH / "floor.py"), str(state)]
    cold = timed(command, dict(os.environ))
    assert json.loads(cold[2])["items"] > 0 and json.loads(cold[2])["failed"] == 0, cold[2]
    warm = timed(command, dict(os.environ))
    assert json.loads(warm[2])["not_modified"] == len(urls), warm[2]
    return {"cold": cold[:2], "warm": warm[:2]}


def run_podterm(work: Path, urls: list[str], source: Path | None = None
                ) -> dict[str, tuple[float, tuple[float, int]]]:
    """podterm as installed, or (``source``) the checkout in that directory, run with
    this venv's packages."""
    env = {**os.environ, "PODTERM_DATA_DIR": str(work / "podterm"),
           "PODTERM_CONFIG": str(work / "none.toml")}
    if source is None:
        exe = [str(Path(sys.executable).parent / "podterm")]
    else:
        # -P: without it, ``-c`` puts the current directory first on sys.path, and run
        # from a checkout, "before" imported that checkout's code instead of ``source``.
        exe = [sys.executable, "-P", "-c", PODTERM_CODE]
        env["PYTHONPATH"] = str(source)
    # Byte-code for every module, as an installed package has: with PYTHONDONTWRITEBYTECODE
    # set, the modules only a refresh imports were compiled again on every run.
    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    *(str((source or BENCH.parent) / package)
                      for package in ("library", "tui", "player"))],
                   check=True, stdout=subprocess.DEVNULL)
    subs = work / "subs.opml"
    subs.write_text(opml(urls))
    subprocess.run([*exe, "import", str(subs), "--no-refresh", "--json"], check=True,
                   env={k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"},
                   stdout=subprocess.DEVNULL)
    cold = timed([*exe, "refresh", "--json"], env)
    outcomes = json.loads(cold[2])
    failed = [o for o in outcomes if o["outcome"] != "updated"]
    assert not failed, failed[:3]
    warm = timed([*exe, "refresh", "--json"], env)
    assert all(o["outcome"] == "not_modified" for o in json.loads(warm[2]))
    return {"cold": cold[:2], "warm": warm[:2]}


def run_castero(work: Path, urls: list[str]) -> dict[str, tuple[float, tuple[float, int]]]:
    home = work / "castero-home"
    home.mkdir()
    subs = work / "subs-castero.opml"
    subs.write_text(opml(urls))
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_DATA_HOME": str(home / "data")}
    cold = timed([str(CASTERO), "--import", str(subs)], env)
    assert f"Imported {len(urls)} feeds" in cold[2], cold[2][-500:]
    assert "ERROR" not in cold[2], cold[2][-500:]
    return {"cold": cold[:2]}


# --- the report ---------------------------------------------------------------------------

def median_range(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--only", nargs="*", choices=["floor", "podterm", "castero"],
                        help="run only these clients")
    parser.add_argument("--compare-with", type=Path, metavar="CHECKOUT",
                        help="add podterm from this source tree (e.g. an older commit's "
                             "`git archive`) as another client, \"podterm (before)\"")
    args = parser.parse_args()
    clients = {"floor": run_floor, "podterm": run_podterm}
    if args.compare_with:
        source = args.compare_with.resolve()
        clients["podterm (before)"] = lambda work, urls: run_podterm(work, urls, source)
    if CASTERO.exists():
        clients["castero"] = run_castero
    else:
        print("castero is not installed (run bench/install_peers.sh); skipping it")
    if args.only:
        clients = {name: run for name, run in clients.items()
                   if name.split()[0] in args.only}
    sizes = corpus_sizes(args.feeds)
    results: dict[str, dict[str, list[tuple[float, tuple[float, int]]]]] = {name: {} for name in clients}
    names = list(clients)
    with served_corpus(sizes) as (urls, total_bytes):
        print(f"corpus: {len(sizes)} feeds, {sum(sizes):,} episodes, {total_bytes / 1e6:.1f} MB "
              f"of XML, gzip-compressed from {len(HOSTS)} loopback hosts; "
              f"{args.rounds} interleaved rounds")
        for round_no in range(args.rounds):
            order = names[round_no % len(names):] + names[:round_no % len(names)]
            for name in order:
                with tempfile.TemporaryDirectory() as tmp:
                    for kind, value in clients[name](Path(tmp), urls).items():
                        results[name].setdefault(kind, []).append(value)
                print(f"  round {round_no + 1}: {name} " + ", ".join(
                    f"{kind} {values[-1][0]:.2f} s" for kind, values in results[name].items()),
                    flush=True)
    print()
    print("| client | cold refresh | warm (all 304) | peak RSS, cold (all processes) |")
    print("|---|---:|---:|---:|")
    for name in names:
        cold = [t for t, _ in results[name]["cold"]]
        warm = [t for t, _ in results[name].get("warm", [])]
        rss, processes = max(m for _, m in results[name]["cold"])
        print(f"| {name} | {median_range(cold)} | {median_range(warm) if warm else '—'} "
              f"| {rss:.0f} MB ({processes} process{'es' if processes != 1 else ''}) |")
    med = {name: {kind: statistics.median(t for t, _ in values)
                  for kind, values in results[name].items()} for name in names}
    if "podterm" in med and "floor" in med:
        print(f"\npodterm / floor: cold {med['podterm']['cold'] / med['floor']['cold']:.2f}x, "
              f"warm {med['podterm']['warm'] / med['floor']['warm']:.2f}x")
    if "podterm (before)" in med:
        print(f"podterm / podterm (before): cold "
              f"{med['podterm']['cold'] / med['podterm (before)']['cold']:.2f}x, warm "
              f"{med['podterm']['warm'] / med['podterm (before)']['warm']:.2f}x")
    if "podterm" in med and "castero" in med:
        print(f"podterm / castero import: cold "
              f"{med['podterm']['cold'] / med['castero']['cold']:.2f}x")


if __name__ == "__main__":
    main()
