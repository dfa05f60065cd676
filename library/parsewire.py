"""What crosses the pipes between the parser pool (:mod:`library.parsepool`) and its
processes (:mod:`library.parseworker`).

Every message is a frame: an 8-byte big-endian length, then that many bytes.

- A worker first sends an empty frame: it has imported the parser and is ready.
- A request is a 16-byte header (the feed's length, the job's length), the job (a
  :class:`ParseJob` as a marshalled tuple) and the feed's bytes as they came over the
  wire.
- An answer is a frame made by :func:`answer_frame` and read by :func:`read_answer`:
  ``("ok", ParsedFeed)``, ``("unchanged", None)`` (the body's hash was the job's
  ``known_hash``: not parsed), ``("error", exception)`` or ``("memory", None)``.

A parsed feed, by far the most common answer and the largest (a cold refresh sends
50,000 episodes), goes as ``b"M"`` and a marshalled tuple of its values and its
episodes' values: the parser's strings, numbers and None, which marshal writes and
reads with less work than pickle (no class to look up or call per object). The rare
other answers are pickled (a pickle starts with ``b"\\x80"``). Both ends are this
program's own: marshal and pickle are for trusted data only.

The pool's process imports this module without the parser's own modules (hashing,
decoding), which only the workers need.
"""

from __future__ import annotations

import marshal
import struct
from collections import namedtuple
from dataclasses import fields
from itertools import repeat, starmap
from typing import BinaryIO, NamedTuple

from library import parse
from library.parse import ParsedEpisode, ParsedFeed, episode_values

HEADER = struct.Struct(">Q")
REQUEST = struct.Struct(">QQ")
_MARSHALLED = b"M"
_MARSHAL_VERSION = 4  # (Python 3.4's and later: here the cheapest to write and read)


class ParseJob(NamedTuple):
    """What to do with one body besides parsing it."""

    max_episodes: int = 10_000          # only the newest are kept
    base_url: str | None = None         # relative addresses are resolved against it
    content_encoding: str | None = None  # the codings to undo (the response's header)
    max_bytes: int | None = None        # the cap on the decoded body
    known_hash: str | None = None       # the SHA-256 of the body last parsed: skip if same


def job_bytes(job: ParseJob) -> bytes:
    return marshal.dumps(tuple(job), _MARSHAL_VERSION)


def read_job(data: bytes) -> ParseJob:
    return ParseJob(*marshal.loads(data))


# A parsed feed's episodes as they arrive in the pool's process: read-only rows of a
# ParsedEpisode's values in its field order, named like its fields. Making a
# ParsedEpisode of each (a call in Python) and the writer taking the values out of it
# again cost the main process a tenth of a cold refresh's work.
EpisodeRow = namedtuple("EpisodeRow", [f.name for f in fields(ParsedEpisode)])


def answer_frame(kind: str, payload: object) -> bytes:
    """An answer as a worker sends it (``kind`` and ``payload``: see the module's doc).
    A parsed feed's episodes are taken out of it."""
    if kind == "ok":
        assert isinstance(payload, ParsedFeed)
        rows = list(map(episode_values, payload.episodes))
        # The episodes go, so that each value is held by its row alone: marshal writes a
        # value held elsewhere too by reference, after a look-up among those written
        # before (a fifth of its work here).
        payload.episodes = []
        try:
            return _MARSHALLED + marshal.dumps((parse._feed_values(payload), rows),
                                               _MARSHAL_VERSION)
        except ValueError:  # a value of a kind marshal does not write (none is known)
            payload.episodes = list(starmap(ParsedEpisode, rows))
    import pickle  # (here: a parser process needs it for the rare answers only)

    try:
        return pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception that cannot be pickled
        return pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {payload}")))


def read_answer(frame: bytearray) -> tuple[str, object]:
    """``(kind, payload)`` from a worker's answer; a parsed feed's episodes are
    :data:`EpisodeRow` s (or ParsedEpisodes, if it had to be pickled)."""
    if frame[:1] != _MARSHALLED:
        import pickle

        return pickle.loads(frame)
    values, episodes = marshal.loads(memoryview(frame)[1:])
    feed = parse._feed_from_values(values, [])
    feed.episodes = list(map(tuple.__new__, repeat(EpisodeRow), episodes))
    return "ok", feed


def write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()
