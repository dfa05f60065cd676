"""Whether a body starts like an audio or video file, by its first bytes.

libVLC picks what to do with bytes by looking at them, whatever the server calls them:
a body that is a streaming playlist (HLS ``#EXTM3U``, DASH ``<MPD>``, Smooth Streaming
``<SmoothStreamingMedia>``) makes it fetch the parts the playlist lists, itself, from
anywhere. Looking for those words is not enough (XML comments, UTF-16, an ID3 tag in
front: libVLC skips leading ID3 tags before it looks), so the rule is the other way
round: after any leading ID3v2 tags, the body must start like a known media format,
which no text document does. Formats: MP3 and AAC (ADTS) frames, Ogg, FLAC, WAV, AIFF,
MP4/M4A, WebM/Matroska, ASF/WMA, AMR, AU.

This module exists twice, as ``player/mediasniff.py`` and ``library/mediasniff.py``
(the two packages never import each other; the player checks what it streams, the
downloader what it stores, which is later played from the file). tests/test_boundaries.py
checks that the two files are identical.
"""

from __future__ import annotations

MEDIA, PLAYLIST, NOT_MEDIA = "media", "playlist", "not_media"
LOOK_AHEAD = 8 * 1024            # bytes after the tags read before deciding
MAX_TAGS = 32 * 1024 * 1024      # leading tags (cover art) longer than this: refused
_SIGNATURES = (b"OggS", b"fLaC", b"\x1a\x45\xdf\xa3", b"#!AMR", b".snd",
               b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c")
_PLAYLIST_WORDS = (b"#extm3u", b"<mpd", b"<smoothstreamingmedia", b"[playlist]", b"<asx",
                   b"<playlist", b"<?wpl", b"<smil")


def sniff(head: bytes, *, complete: bool) -> str | None:
    """:data:`MEDIA`, :data:`PLAYLIST` (a streaming or other playlist), :data:`NOT_MEDIA`,
    or None when more bytes are needed to say. ``head`` is the start of the body;
    ``complete`` says the body has no more bytes than that."""
    start = _after_tags(head)
    if start is None:
        return NOT_MEDIA if complete else None
    if start > MAX_TAGS:
        return NOT_MEDIA
    if len(head) < start + LOOK_AHEAD and not complete:
        return None
    body = bytes(head[start:start + LOOK_AHEAD])
    if _starts_like_media(body):
        return MEDIA
    text = body.replace(b"\x00", b"").lower()
    return PLAYLIST if any(word in text for word in _PLAYLIST_WORDS) else NOT_MEDIA


def _after_tags(head: bytes) -> int | None:
    """Where the bytes after the leading ID3v2 tags start (None: a tag's header is not
    all there yet). Invalid tag headers end the tags: what follows is judged as it is."""
    offset = 0
    while head[offset:offset + 3] == b"ID3" and offset <= MAX_TAGS:
        header = head[offset:offset + 10]
        if len(header) < 10:
            return None
        if any(byte >= 0x80 for byte in header[6:10]):
            return offset  # not a valid tag size: judged below (and refused)
        size = header[6] << 21 | header[7] << 14 | header[8] << 7 | header[9]  # syncsafe
        offset += 10 + size + (10 if header[5] & 0x10 else 0)  # footer flag (v2.4)
    return offset


def _starts_like_media(head: bytes) -> bool:
    if head.startswith(_SIGNATURES):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return True
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return True
    if head[4:8] == b"ftyp":  # MP4/M4A: a first box of a real box size (no text starts so)
        return 8 <= int.from_bytes(head[:4], "big") <= 1024
    # MPEG audio or ADTS frame sync; FF FE is the UTF-16 byte order mark, never audio here.
    return len(head) >= 4 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] != 0xFE
