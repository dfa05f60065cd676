"""A sync server that misbehaves ends the sync with one line in the report, never a
traceback, and nothing it sends reaches the terminal raw."""

from __future__ import annotations

import pytest

from tests.syncservers import Library
from tui.demo.server import Reply

BASE = "/index.php/apps/gpoddersync"


@pytest.fixture
def library(tmp_path, server):
    made = Library(tmp_path / "library.sqlite3", server.url(""), "alice", "pw", api="nextcloud")
    yield made
    made.close()


@pytest.mark.parametrize("reply, reason", [
    (Reply(200, b"this is not gzip", {"Content-Type": "application/json",
                                      "Content-Encoding": "gzip"}),
     "could not be decoded (its compression is broken)"),
    (Reply(200, b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}),
     "is nested too deeply to read"),
])
def test_an_answer_that_cannot_be_read_ends_the_sync_with_a_reason(library, server, reply,
                                                                  reason):
    server.route(f"{BASE}/subscriptions", lambda req: reply)
    report = library.sync()
    assert report.errors == [f"the sync server's answer to {BASE}/subscriptions {reason}"]
