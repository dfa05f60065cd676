"""A separate process editing the queue through the library, as the TUI would.

    python -m tests.library.queue_worker DB ROLE GATE_IDS... -- OWN_IDS...

Before its k-th operation the worker waits until the queue holds a matching share of
GATE_IDS (episodes that other processes add), so its edits interleave with theirs from
first to last.
ROLE ``append`` adds its ids to the end and moves each one up two places; ROLE ``top``
puts each at the top ("play next") and moves another queued episode that nobody
removes; ROLE ``churn`` adds each id and removes it again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from library import upnext
from library.store import connect


def main(argv: list[str]) -> None:
    split = argv.index("--")
    path, role, gate = Path(argv[0]), argv[1], {int(i) for i in argv[2:split]}
    own = [int(i) for i in argv[split + 1:]]
    conn = connect(path)
    for k, episode_id in enumerate(own):
        share = k * len(gate) // (len(own) + 1)
        while len(gate & {e.episode.id for e in upnext.list_queue(conn)}) < share:
            time.sleep(0.01)  # polling a condition other processes make true
        if role == "append":
            upnext.add(conn, [episode_id])
            upnext.move_by(conn, episode_id, -2)
        elif role == "top":
            queue = upnext.play_next(conn, episode_id)
            # The last entry that stays queued: the churn worker may take its own away
            # before this move, and moving an absent episode is (rightly) an error.
            stays = [e.episode.id for e in queue if e.episode.id in gate | set(own)]
            upnext.move_to(conn, stays[-1], k % len(queue) + 1)
        elif role == "churn":
            upnext.add(conn, [episode_id])
            upnext.remove(conn, [episode_id])
    conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])
