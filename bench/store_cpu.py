"""What the SQLite writer of a cold refresh spends on the bench corpus, in one process.

Run:  .venv/bin/python bench/store_cpu.py [--source CHECKOUT] [--rounds 3]
      valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
          .venv/bin/python bench/store_cpu.py --rounds 1 [--source CHECKOUT] [--skip-store]

bench_peers.py's corpus (200 feeds, about 50,000 episodes) is parsed once, as a parser
process would, and kept pickled in a cache directory (--corpus). Each round then makes a
fresh library with the 200 feeds subscribed and stores every parsed feed the way a
refresh's writer thread does (one transaction per feed, opened like the writer's
connection), and prints the CPU time and the wall time of the storing. Under cachegrind,
the storing's instruction count is the total minus that of a run with ``--skip-store``;
instruction counts do not depend on the machine's load, unlike times. ``--source`` stores
with another checkout's library (e.g. an older commit's `git archive`); the parsed feeds
are those of the checkout that parsed them first, so a comparison stores the same data.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def parsed_corpus(cache: Path) -> list[tuple[str, bytes]]:
    """(url, pickled ParsedFeed) for every feed of the corpus, parsed once into ``cache``.

    Each feed stays pickled until it is stored, as in a refresh (where a feeder thread
    unpickles a parser process's answer): with all 50,000 episodes alive at once, the
    garbage collector's passes would cost several times what they do there."""
    pickled = cache / "store_cpu-parsed.pickle"
    if not pickled.exists():
        sys.path.insert(0, str(BENCH))
        from parse_cpu import corpus
        from library.parseworker import ParseJob, _answer

        found = []
        for n, body in enumerate(corpus(cache)):
            url = f"http://127.0.0.{n % 8 + 1}:8000/feed{n}.xml"
            kind, parsed = _answer((body, ParseJob(10_000, url, "gzip")), 1 << 40)
            assert kind == "ok", (kind, parsed)
            found.append((url, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)))
        pickled.write_bytes(pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
        del sys.path[0]
    return pickle.loads(pickled.read_bytes())


def store_all(directory: Path, feeds: list[tuple[str, bytes]],
              skip: bool) -> tuple[float, float, int]:
    """Subscribe to every feed in a new library in ``directory``, then store each parsed
    feed as a refresh's writer does; the CPU and wall seconds of the storing (unpickling
    not counted), and the number of episodes."""
    from library import health, refresh
    from library.feeds import add_feed
    from library.store import connect, transaction

    path = directory / "library.db"
    conn = connect(path)
    ids = [add_feed(conn, url)[0] for url, _ in feeds]
    conn.close()
    conn = refresh._writer_connection(path)
    cpu = wall = 0.0
    episodes = 0
    for feed_id, (_, pickled) in zip(ids, feeds):
        parsed = pickle.loads(pickled)
        if skip:
            continue
        episodes += len(parsed.episodes)
        cpu, wall = cpu - time.process_time(), wall - time.perf_counter()
        with transaction(conn):
            health.record_update(conn, feed_id, parsed, http_status=200, etag='"e"',
                                 last_modified=None, body_hash=parsed.body_hash or "",
                                 now=1.8e9)
        cpu, wall = cpu + time.process_time(), wall + time.perf_counter()
        del parsed
    cpu, wall = cpu - time.process_time(), wall - time.perf_counter()
    conn.close()  # (the last checkpoint)
    return cpu + time.process_time(), wall + time.perf_counter(), episodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="the checkout whose library stores")
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/podterm-bench-corpus"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-store", action="store_true",
                        help="only start, import, read the corpus and subscribe (the baseline)")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH.parent))
    feeds = parsed_corpus(args.corpus)
    sys.path[0] = str((args.source or BENCH.parent).resolve())
    for name in [name for name in sys.modules if name.split(".")[0] == "library"]:
        del sys.modules[name]  # (parsing imported this checkout's library)
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as work:
            cpu, wall, episodes = store_all(Path(work), feeds, args.skip_store)
        print(f"{len(feeds)} feeds, {episodes:,} episodes stored: {cpu:.2f} s CPU "
              f"({cpu / max(1, episodes) * 1e6:.1f} us an episode), {wall:.2f} s wall")


if __name__ == "__main__":
    main()
