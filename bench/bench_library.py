"""Benchmark: listing 200 feeds with their counts, on libraries of 100,000 and 500,000
episodes, from the kept totals (schema 8, feed_totals) and by adding up the episodes.

Run:  .venv/bin/python bench/bench_library.py [--episodes 100000 500000] [--runs 7]

`list_feeds` (podterm feeds, the TUI's subscription list) shows every feed's episodes,
unplayed episodes and total duration. It reads them from feed_totals, one row a feed.
"adding up" runs the query it replaced, which counted every feed's episodes from an index
covering (feed_id, played, duration_s), made here for it. Reported: the median and the
best of ``--runs`` calls, warm page cache.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from library.episodes import upsert_episodes  # noqa: E402
from library.feeds import add_feed, get_feed, list_feeds  # noqa: E402
from library.parse import ParsedEpisode  # noqa: E402
from library.store import connect, transaction  # noqa: E402

FEEDS = 200

# What list_feeds ran before the totals were kept (one feed: with "WHERE feed_id = ?").
_ADDING_UP = """
    SELECT f.*, t.* FROM feeds f LEFT JOIN (
        SELECT feed_id, COUNT(*), SUM(played = 0), SUM(duration_s)
        FROM episodes GROUP BY feed_id) t ON t.feed_id = f.id
    ORDER BY lower(f.title), f.url
"""
_ADDING_UP_ONE = """
    SELECT f.*, COUNT(e.id), SUM(e.played = 0), SUM(e.duration_s)
    FROM feeds f LEFT JOIN episodes e ON e.feed_id = f.id WHERE f.id = ?
"""


def fill(database: Path, episodes: int) -> None:
    conn = connect(database)
    per_feed = episodes // FEEDS
    notes = "<p>Show notes with <b>HTML</b>, as feeds write them.</p>" * 15
    with transaction(conn):
        for f in range(FEEDS):
            feed_id, _ = add_feed(conn, f"https://feeds{f % 20}.example.org/show/{f}.xml",
                                  f"Show number {f:03d}")
            upsert_episodes(conn, feed_id, (ParsedEpisode(
                identity=f"guid:{f}-{n}", guid=f"{f}-{n}", title=f"Show {f} episode {n}",
                published_at=1_600_000_000 + n * 86_400, duration_s=600 + n * 37 % 5400,
                enclosure_url=f"https://cdn.example.org/{f}/{n}.mp3",
                enclosure_type="audio/mpeg", enclosure_length=30_000_000, notes="",
                link=f"https://example.org/{f}/{n}", chapters_url=None, transcript_url=None,
                notes_html=notes) for n in range(per_feed)))
        conn.execute("UPDATE episodes SET played = 1 WHERE id % 3 = 0")
    conn.execute("ANALYZE")
    conn.close()


def timed(call, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, nargs="+", default=[100_000, 500_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("| episodes | totals | list_feeds (200 feeds) | get_feed (one feed) |")
    print("|---:|---|---:|---:|")
    for episodes in args.episodes:
        with tempfile.TemporaryDirectory() as tmp:
            database = Path(tmp) / "library.sqlite3"
            fill(database, episodes)
            conn = connect(database)
            conn.execute("CREATE INDEX added_up ON episodes (feed_id, played, duration_s)")
            for label, lister, getter in (
                    ("kept", lambda: list_feeds(conn), lambda: get_feed(conn, FEEDS // 2)),
                    ("adding up", lambda: conn.execute(_ADDING_UP).fetchall(),
                     lambda: conn.execute(_ADDING_UP_ONE, (FEEDS // 2,)).fetchall())):
                lists = timed(lister, args.runs)
                gets = timed(getter, args.runs)
                print(f"| {episodes:,} | {label} | {lists[0]:.0f} ms (best {lists[1]:.0f}) "
                      f"| {gets[0]:.1f} ms (best {gets[1]:.1f}) |", flush=True)
            conn.close()


if __name__ == "__main__":
    main()
