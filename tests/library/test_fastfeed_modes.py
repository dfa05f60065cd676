"""The fast path reads a short document as one tree and a long one item by item as it
is parsed (library.fastfeed.WHOLE_TREE_UP_TO): both ways must read the same, decline
the same documents and fail the same cut-off ones."""

from __future__ import annotations

import pytest

from library import fastfeed
from tests.feedgen import realistic_feed
from tests.library.test_fastfeed import FEEDPARSER_ONLY, FEEDS, corpus


def outcome(body: bytes) -> object:
    """What read_feed gives, or the kind of exception it raises."""
    try:
        return fastfeed.read_feed(body)
    except (fastfeed.Unsupported, fastfeed.Truncated) as exc:
        return type(exc)


def both_ways(body: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    monkeypatch.setattr(fastfeed, "WHOLE_TREE_UP_TO", len(body))
    whole = outcome(body)
    monkeypatch.setattr(fastfeed, "WHOLE_TREE_UP_TO", len(body) - 1)
    return whole, outcome(body)


def documents() -> list[tuple[str, bytes]]:
    found = corpus() + [(name, (FEEDS / name).read_bytes()) for name in sorted(FEEDPARSER_ONLY)]
    long = realistic_feed(2, 300, seed=9)  # several of the streaming path's chunks
    found.append(("long", long))
    for cut in (0.5, 0.999):
        found.append((f"cut at {cut}", long[:int(len(long) * cut)]))
    found.append(("unclosed CDATA", long.replace(b"</rss>", b"<![CDATA[ </rss>")))
    found.append(("broken item", long.replace(b"</item>", b"</itme>", 1)))
    return found


@pytest.mark.parametrize("name, body", documents(), ids=[name for name, _ in documents()])
def test_whole_and_streaming_reads_agree(name, body, monkeypatch):
    whole, streaming = both_ways(body, monkeypatch)
    assert whole == streaming
    if name in ("long", "realistic 0") or name.startswith("feedgen"):
        assert isinstance(whole, tuple) and whole[1]  # a feed that was read, not declined


def test_a_cut_off_document_is_truncated_both_ways(monkeypatch):
    long = realistic_feed(2, 300, seed=9)
    assert both_ways(long[:len(long) // 2], monkeypatch) == (fastfeed.Truncated,) * 2
