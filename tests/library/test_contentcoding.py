"""Undoing Content-Encoding: ISA-L (isal) and zlib must give the same bodies and refusals.

A feed body is inflated by isal where its wheel is installed (podterm depends on it on
x86_64 and ARM) and by zlib elsewhere; every case runs with both.
"""

import gzip
import platform
import zlib

import pytest

from library import contentcoding
from library.contentcoding import DecodingFailed, TooLarge, decode

try:
    from isal import isal_zlib
except ImportError:  # (a machine isal has no wheel for: the test below says if it should)
    isal_zlib = None
DEPENDS_ON_ISAL = platform.machine() in ("x86_64", "AMD64", "aarch64", "arm64")

FEED = (b"<rss><channel><title>Zipped</title>" + b"".join(
    b"<item><title>Episode %d</title></item>" % (n * 7919 % 10007) for n in range(2000))
    + b"</channel></rss>")


@pytest.fixture(params=[isal_zlib, zlib] if isal_zlib else [zlib],
                ids=["isal", "zlib"] if isal_zlib else ["zlib"])
def inflater(request, monkeypatch):
    monkeypatch.setattr(contentcoding, "inflater", lambda: request.param)
    return request.param


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def test_isal_inflates_where_podterm_depends_on_it():
    assert contentcoding.inflater() is (isal_zlib if DEPENDS_ON_ISAL else zlib)


@pytest.mark.parametrize("coding, body", [
    ("gzip", gzip.compress(FEED)),
    ("gzip, identity", gzip.compress(FEED)),
    ("deflate", zlib.compress(FEED)),
    ("deflate", raw_deflate(FEED)),
    ("gzip, gzip", gzip.compress(gzip.compress(FEED))),
    ("identity", FEED),
    (None, FEED),
], ids=["gzip", "gzip-identity", "deflate-zlib", "deflate-raw", "gzip-twice", "identity",
        "none"])
def test_every_coding_is_undone(inflater, coding, body):
    assert decode(body, coding, 1 << 20) == FEED


def test_gzip_reads_its_first_member_and_ignores_what_follows(inflater):
    body = gzip.compress(FEED) + gzip.compress(b"<rss>another</rss>") + b"trailing bytes"
    assert decode(body, "gzip", 1 << 20) == FEED


def test_a_cut_off_body_gives_what_arrived(inflater):
    whole = gzip.compress(FEED)
    body = whole[:len(whole) // 2]
    decoded = decode(body, "gzip", 1 << 20)
    assert decoded and FEED.startswith(decoded) and len(decoded) < len(FEED)


def test_the_cap_counts_decoded_bytes(inflater):
    assert decode(gzip.compress(FEED), "gzip", len(FEED)) == FEED
    with pytest.raises(TooLarge):
        decode(gzip.compress(FEED), "gzip", len(FEED) - 1)
    with pytest.raises(TooLarge):
        decode(gzip.compress(b" " * (8 << 20)), "gzip", 1 << 20)  # 8 MB from 8 KB


@pytest.mark.parametrize("coding, body", [
    ("gzip", b"this is not gzip"),
    ("deflate", b"\xff\xfe neither zlib nor raw deflate"),
], ids=["gzip", "deflate"])
def test_a_body_that_is_not_what_its_coding_says_fails_with_a_reason(inflater, coding, body):
    with pytest.raises(DecodingFailed, match="decompressing the body failed: .+"):
        decode(body, coding, 1 << 20)


def test_a_damaged_gzip_body_fails_its_checksum(inflater):
    damaged = bytearray(gzip.compress(FEED))
    damaged[-6] ^= 1  # (the CRC-32 of the content)
    with pytest.raises(DecodingFailed):
        decode(bytes(damaged), "gzip", 1 << 20)
