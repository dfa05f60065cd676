"""Episodes come back from the parser processes as rows (named tuples of a ParsedEpisode's
values): they must carry the same values, and be stored exactly as ParsedEpisodes are."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from pathlib import Path

from library import episodes
from library.episodes import list_episodes, upsert_episodes
from library.feeds import add_feed
from library.parse import FeedParseError, ParsedEpisode, episode_values, parse_feed
from library.parsepool import ParseBudget, submit_parse
from library.parsewire import answer_frame, read_answer
from library.store import connect, transaction
from tests.feedgen import realistic_feed, rss, show

GENEROUS = ParseBudget(timeout_s=300, max_episodes=10_000, memory_mb=300)
STORED = ("guid", "identity", "title", "published_at", "duration_s", "enclosure_url",
          "enclosure_type", "enclosure_length", "notes", "link", "chapters_url",
          "transcript_url", "played", "position_s", "notes_html")


def test_a_pooled_parse_gives_the_same_show_and_episode_values_as_parsing_here():
    body = realistic_feed(3, 40)
    here = parse_feed(body)
    pooled = submit_parse(body, GENEROUS).result(timeout=300)
    assert [tuple(row) for row in pooled.episodes] == list(map(episode_values, here.episodes))
    assert pooled.episodes[0].title == here.episodes[0].title  # (read by name, as elsewhere)
    here.episodes = pooled.episodes = []
    here.body_hash = pooled.body_hash  # (the worker hashes the body; parse_feed does not)
    assert pooled == here


class _Title(str):
    """A string of a kind marshal does not write."""


def test_answers_marshal_does_not_write_arrive_pickled_with_the_same_values():
    here = parse_feed(realistic_feed(4, 5))
    values = list(map(episode_values, here.episodes))
    odd = parse_feed(realistic_feed(4, 5))
    odd.title = _Title(odd.title)
    kind, arrived = read_answer(bytearray(answer_frame("ok", odd)))
    assert kind == "ok" and arrived.title == here.title
    assert list(map(episode_values, arrived.episodes)) == values
    kind, error = read_answer(bytearray(answer_frame("error", FeedParseError(
        "not_a_feed", "not a feed: no RSS or Atom document found"))))
    assert (kind, error.kind, str(error)) == (
        "error", "not_a_feed", "not a feed: no RSS or Atom document found")


def test_the_writer_takes_rows_in_a_parsed_episodes_field_order():
    assert episodes._ROW_FIELDS == tuple(f.name for f in fields(ParsedEpisode))


def _stored(conn: sqlite3.Connection, feed_id: int) -> list[tuple]:
    return [tuple(getattr(e, name) for name in STORED) for e in list_episodes(conn, feed_id)]


def test_rows_and_parsed_episodes_are_stored_alike(tmp_path: Path):
    body = rss(show("Twice", 150))  # more than one full statement of rows, and the rest
    parsed = parse_feed(body)
    rows = submit_parse(body, GENEROUS).result(timeout=300).episodes
    conn = connect(tmp_path / "lib.sqlite3")
    as_objects = add_feed(conn, "https://example.org/a.xml")[0]
    as_rows = add_feed(conn, "https://example.org/b.xml")[0]
    with transaction(conn):
        new = (upsert_episodes(conn, as_objects, parsed.episodes),
               upsert_episodes(conn, as_rows, rows))
    assert new == (150, 150)
    assert len(_stored(conn, as_rows)) == 150
    assert _stored(conn, as_rows) == _stored(conn, as_objects)
    with transaction(conn):  # again: nothing new, the same rows
        assert upsert_episodes(conn, as_rows, rows) == 0
    assert _stored(conn, as_rows) == _stored(conn, as_objects)


def _episode(n: int, **fields) -> ParsedEpisode:
    values = dict(identity=f"id-{n}", guid=None, title="Same title", published_at=1.7e9,
                  duration_s=60, enclosure_url=None, enclosure_type="audio/mpeg",
                  enclosure_length=1000, notes="", link=None, chapters_url=None,
                  transcript_url=None, notes_html="<p>Same notes</p>")
    return ParsedEpisode(**{**values, **fields})


def test_values_shared_by_all_episodes_but_one_are_stored_row_by_row(tmp_path: Path):
    conn = connect(tmp_path / "lib.sqlite3")
    documents = {  # 70 episodes: statements of 64, 4 and 2 rows
        "all alike": [_episode(n) for n in range(70)],
        "one differs in the middle": [_episode(n, **({"link": "https://example.org/e",
                                                      "title": "Other", "duration_s": None,
                                                      "published_at": 1.5e9}
                                                     if n == 40 else {}))
                                      for n in range(70)],
        "the last differs": [_episode(n, **({"enclosure_length": 999, "notes": "x"}
                                            if n == 69 else {})) for n in range(70)],
    }
    for name, document in documents.items():
        feed_id = add_feed(conn, f"https://example.org/{name.replace(' ', '-')}.xml")[0]
        with transaction(conn):
            assert upsert_episodes(conn, feed_id, document) == 70
        stored = conn.execute(
            "SELECT identity, guid, title, published_at, duration_s, enclosure_url, "
            "enclosure_type, enclosure_length, notes, link, chapters_url, transcript_url, "
            "notes_html FROM episodes WHERE feed_id = ? ORDER BY id", (feed_id,)).fetchall()
        assert list(map(tuple, stored)) == list(map(episode_values, document)), name
