"""The order parses are taken in: the largest pending body first, so that a refresh's
parser processes end together (a big feed taken last kept one core busy alone)."""

from __future__ import annotations

from concurrent.futures import Future

from library import parsepool
from library.parsepool import ParseBudget, ParseJob
from tests.feedgen import rss, show

GENEROUS = ParseBudget(timeout_s=300, max_episodes=10_000, memory_mb=300)


def test_the_largest_pending_parse_is_taken_first():
    """One worker; while it parses a first feed, a small one and then a large one are
    queued (in the pool's own thread, as the first is answered: both are pending before
    it takes the next). The large one is parsed first."""
    pool = parsepool._Pool(1)
    finished: list[str] = []
    queued: Future[list[Future]] = Future()

    def queue_two_more(_first: Future) -> None:
        later = [pool.submit(rss(show(title, count)), GENEROUS, ParseJob())
                 for title, count in (("Small", 2), ("Large", 40))]
        for future in later:
            future.add_done_callback(lambda done: finished.append(done.result().title))
        queued.set_result(later)

    try:
        first = pool.submit(rss(show("First", 1)), GENEROUS, ParseJob())
        first.add_done_callback(queue_two_more)
        assert first.result(timeout=300).title == "First"
        for future in queued.result(timeout=300):
            future.result(timeout=300)
    finally:
        pool.shutdown()
    assert finished == ["Large", "Small"]
