"""What a cold refresh of the bench corpus stores, hashed: to show a change stores the same.

Run:  .venv/bin/python bench/stored_digest.py [CHECKOUT ...]

Serves bench_peers.py's corpus (200 feeds, about 50,000 episodes) on loopback, and for
each source tree given (default: this one) imports its OPML into a fresh data directory,
runs ``refresh --json`` cold, then dumps every column of the feeds and episodes tables
in a fixed order and prints a SHA-256 per table. Left out are the row ids and the
columns that record when something happened (``*_at`` but ``published_at``); an
episode's feed is named by its URL. Equal digests mean the same stored results.
Compare trees within one run: the server's ports, which are in the stored addresses,
change from run to run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from bench_peers import PODTERM_CODE, corpus_sizes, opml, served_corpus  # noqa: E402


def kept_columns(db: sqlite3.Connection, table: str) -> list[str]:
    names = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    return [name for name in names if name != "id" and
            (not name.endswith("_at") or name == "published_at")]


def digests(path: Path) -> dict[str, str]:
    """SHA-256 of each table's kept columns, rows in a fixed order."""
    db = sqlite3.connect(path)
    feed_columns = kept_columns(db, "feeds")
    episode_columns = [c for c in kept_columns(db, "episodes") if c != "feed_id"]
    queries = {
        "feeds": f"SELECT {', '.join(feed_columns)} FROM feeds ORDER BY url",
        "episodes": f"SELECT f.url, {', '.join('e.' + c for c in episode_columns)} "
                    "FROM episodes e JOIN feeds f ON f.id = e.feed_id "
                    "ORDER BY f.url, e.identity",
    }
    result = {}
    for table, query in queries.items():
        digest, rows = hashlib.sha256(), 0
        for row in db.execute(query):
            digest.update(repr(row).encode("utf-8") + b"\n")
            rows += 1
        result[table] = f"{rows} rows, sha256 {digest.hexdigest()}"
    db.close()
    return result


def refresh_cold(source: Path, urls: list[str], work: Path) -> dict[str, str]:
    env = {**os.environ, "PODTERM_DATA_DIR": str(work / "data"),
           "PODTERM_CONFIG": str(work / "none.toml"), "PYTHONPATH": str(source)}
    exe = [sys.executable, "-P", "-c", PODTERM_CODE]
    subs = work / "subs.opml"
    subs.write_text(opml(urls))
    subprocess.run([*exe, "import", str(subs), "--no-refresh", "--json"], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    done = subprocess.run([*exe, "refresh", "--json"], check=True, env=env,
                          stdout=subprocess.PIPE)
    failed = [o for o in json.loads(done.stdout) if o["outcome"] != "updated"]
    assert not failed, failed[:3]
    return digests(work / "data" / "library.sqlite3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, default=[BENCH.parent])
    parser.add_argument("--feeds", type=int, default=200)
    args = parser.parse_args()
    with served_corpus(corpus_sizes(args.feeds)) as (urls, _total):
        for source in args.sources:
            with tempfile.TemporaryDirectory() as work:
                for table, digest in refresh_cold(source.resolve(), urls, Path(work)).items():
                    print(f"{source}: {table}: {digest}")

if __name__ == "__main__":
    main()
