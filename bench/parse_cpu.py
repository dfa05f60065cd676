"""What a parser process spends on the bench corpus: its whole job, in one process.

Run:  .venv/bin/python bench/parse_cpu.py [--source CHECKOUT]
      valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
          .venv/bin/python bench/parse_cpu.py [--source CHECKOUT] [--skip-parse]

For each feed of bench_peers.py's corpus (200 feeds, about 50,000 episodes, gzip as
served) it does what library.parseworker does with a body: undo the gzip, hash, parse,
resolve the addresses, encode the answer. It prints the CPU time this took. Under
cachegrind, the parse's instruction count is the total minus that of a run with
``--skip-parse`` (interpreter start, imports and reading the corpus); instruction counts
do not depend on the machine's load, unlike times. Caveat: valgrind hides the CPU's
SHA extensions, so the hash costs more instructions there than it does for real.
``--source`` runs another checkout's library (e.g. an older commit's `git archive`).
The corpus is generated once into a cache directory (--corpus).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def corpus(directory: Path) -> list[bytes]:
    """The corpus's feeds, gzip-compressed; generated into ``directory`` if missing."""
    sys.path.insert(0, str(BENCH))
    sys.path.insert(0, str(BENCH.parent))
    from bench_peers import corpus_sizes
    from tests.feedgen import realistic_feed

    sizes = corpus_sizes(200)
    paths = [directory / f"feed{n:03d}.xml.gz" for n in range(len(sizes))]
    if not all(path.exists() for path in paths):
        directory.mkdir(parents=True, exist_ok=True)
        for path, (n, count) in zip(paths, enumerate(sizes)):
            path.write_bytes(gzip.compress(realistic_feed(n, count), 6))
    bodies = [path.read_bytes() for path in paths]
    del sys.path[:2]
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="the checkout whose library parses")
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/podterm-bench-corpus"))
    parser.add_argument("--skip-parse", action="store_true",
                        help="only start, import and read the corpus (the baseline)")
    args = parser.parse_args()
    bodies = corpus(args.corpus)
    sys.path.insert(0, str((args.source or BENCH.parent).resolve()))
    from library.parseworker import ParseJob, _answer
    try:
        from library.parsewire import answer_frame as encoded
    except ImportError:  # (an older checkout, whose answers were pickled)
        from library.parseworker import pickled as encoded

    if args.skip_parse:
        return
    start = time.process_time()
    episodes = 0
    for n, body in enumerate(bodies):
        job = ParseJob(10_000, f"http://127.0.0.{n % 8 + 1}:8000/feed{n}.xml", "gzip")
        gc.disable()  # (as library.parseworker.main does while it answers)
        kind, parsed = _answer((body, job), 1 << 40)
        assert kind == "ok", (kind, parsed)
        episodes += len(parsed.episodes)
        encoded(kind, parsed)
        gc.enable()
    print(f"{len(bodies)} feeds, {episodes:,} episodes: "
          f"{time.process_time() - start:.2f} s CPU")


if __name__ == "__main__":
    main()
