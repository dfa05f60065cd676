"""The CPU time of a cold refresh, two source trees interleaved: for a loaded machine.

Run:  .venv/bin/python bench/cold_cpu.py --compare-with CHECKOUT [--rounds 6]

Serves bench_peers.py's corpus the same way, and in each round runs ``refresh --json``
cold (after an untimed ``import --no-refresh`` into a fresh data directory) with this
tree and with CHECKOUT (e.g. `git archive main`), in alternating order, each as
``python -P -c`` with PYTHONPATH set to its tree (as bench_peers.py runs "before"). It
prints each run's CPU time (user + system of podterm and its parser processes, which it
waits for) and wall time, then the medians. On a machine that other work keeps busy the
wall time says little; the CPU time moves much less with the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_peers import PODTERM_CODE, corpus_sizes, opml, served_corpus  # noqa: E402


def cold_refresh(tree: Path, urls: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one cold refresh with ``tree``."""
    with tempfile.TemporaryDirectory() as work:
        env = {key: value for key, value in os.environ.items()
               if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(PODTERM_DATA_DIR=f"{work}/data", PODTERM_CONFIG=f"{work}/none.toml",
                   PYTHONPATH=str(tree))
        exe = [sys.executable, "-P", "-c", PODTERM_CODE]
        subs = Path(work) / "subs.opml"
        subs.write_text(opml(urls))
        subprocess.run([*exe, "import", str(subs), "--no-refresh", "--json"], check=True,
                       env=env, stdout=subprocess.DEVNULL)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([*exe, "refresh", "--json"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare-with", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    trees = [BENCH.parent, args.compare_with.resolve()]
    for tree in trees:  # (byte-code for every module, as an installed package has)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "library"),
                        str(tree / "tui")], check=True, stdout=subprocess.DEVNULL)
    found: dict[Path, list[tuple[float, float]]] = {tree: [] for tree in trees}
    with served_corpus(corpus_sizes(200)) as (urls, _total):
        for round_ in range(args.rounds):
            for tree in trees if round_ % 2 == 0 else trees[::-1]:
                cpu, wall = cold_refresh(tree, urls)
                found[tree].append((cpu, wall))
                print(f"  round {round_ + 1}: {tree}: CPU {cpu:.2f} s, wall {wall:.2f} s",
                      flush=True)
    for tree, runs in found.items():
        print(f"{tree}: median CPU {statistics.median(c for c, _ in runs):.2f} s, "
              f"median wall {statistics.median(w for _, w in runs):.2f} s")


if __name__ == "__main__":
    main()
