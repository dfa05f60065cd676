"""`podterm refresh` starts its parser processes before any answer comes when a feed was
never checked (its answer will be parsed), and none for a refresh that finds nothing
changed."""

from __future__ import annotations

import json
import os
import subprocess
import threading

from tests.feedgen import rss, show
from tests.library.test_cli import PODTERM, podterm
from tests.processes import descendants, need_proc, wait_for
from tui.demo.server import Reply


def parsers(pid: int) -> list:
    return [p for p in descendants(pid) if "library.parseworker" in p.cmdline]


def test_parsers_start_before_the_answers_of_new_feeds_and_not_for_unchanged_ones(
        server, tmp_path):
    need_proc()
    body = rss(show("Held", 3))
    asked, release = threading.Semaphore(0), threading.Semaphore(0)

    def held_answer(request) -> Reply:  # each answer waits until the test lets it go
        asked.release()
        release.acquire(timeout=300)
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, b"", {"ETag": '"v1"'})
        return Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    url = server.route("/held.xml", held_answer)
    podterm("add", "--no-refresh", url, data_dir=tmp_path)
    env = {**os.environ, "PODTERM_DATA_DIR": str(tmp_path),
           "PODTERM_CONFIG": str(tmp_path / "config.toml")}
    for run, outcome in (("cold", "updated"), ("warm", "not_modified")):
        refreshing = subprocess.Popen([PODTERM, "refresh", "--json"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            assert asked.acquire(timeout=60), f"the {run} refresh asked for the feed"
            if run == "cold":
                wait_for(lambda: len(parsers(refreshing.pid)) > 0,
                         "parser processes running before the feed answered")
            else:
                assert parsers(refreshing.pid) == []
        finally:
            release.release()
        try:
            out, _ = refreshing.communicate(timeout=120)
        finally:
            refreshing.kill()
        assert [o["outcome"] for o in json.loads(out)] == [outcome]
