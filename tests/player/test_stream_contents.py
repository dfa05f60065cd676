"""What the proxy passes on to libVLC: only bodies that start like audio (real libVLC).

A streaming playlist makes libVLC fetch the parts it lists itself, around the proxy, from
anywhere. Each hostile body here names parts on a second server; the proof is that this
second server is never asked for anything, whatever the first one calls its body.
"""

from __future__ import annotations

import socket
import threading
from typing import Iterator

import pytest

from player import PlaybackError, PlayerState, StateChanged
from tests.player.conftest import wait_until
from tests.player.media_tools import tone_wav
from tui.demo.server import LoopbackServer


@pytest.fixture
def elsewhere() -> Iterator[LoopbackServer]:
    """The server a playlist names: it must never be contacted."""
    with LoopbackServer() as server:
        server.add("/dash/init.mp4", b"\x00\x00\x00\x18ftypiso6" + bytes(100), "video/mp4")
        server.add("/seg.ts", bytes(188), "video/mp2t")
        yield server


def hls(server: LoopbackServer) -> bytes:
    return (f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-VERSION:3\n#EXTINF:3.0,\n"
            f"{server.url('/seg.ts')}\n#EXT-X-ENDLIST\n").encode()


def dash(server: LoopbackServer) -> bytes:
    return (f'<?xml version="1.0"?>\n<!-- c -->\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" '
            'type="static" mediaPresentationDuration="PT10S" minBufferTime="PT1S" '
            'profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period>'
            '<AdaptationSet mimeType="audio/mp4"><Representation id="a" bandwidth="64000" '
            f'codecs="mp4a.40.2"><BaseURL>{server.url("/dash/")}</BaseURL>'
            '<SegmentList duration="10"><Initialization sourceURL="init.mp4"/>'
            '<SegmentURL media="s1.m4s"/></SegmentList></Representation></AdaptationSet>'
            '</Period></MPD>').encode()


def smooth(server: LoopbackServer) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<SmoothStreamingMedia MajorVersion="2" '
            'MinorVersion="0" Duration="100000000"><StreamIndex Type="audio" QualityLevels="1" '
            f'Chunks="1" Url="{server.url("/ss/")}QualityLevels({{bitrate}})/'
            'Fragments(audio={start time})"><QualityLevel Index="0" Bitrate="64000" '
            'CodecPrivateData="1190" SamplingRate="44100" Channels="2" BitsPerSample="16" '
            'PacketSize="4" AudioTag="255" FourCC="AACL"/><c d="100000000"/></StreamIndex>'
            '</SmoothStreamingMedia>').encode()


def id3(size: int) -> bytes:
    """An empty ID3v2.4 tag of ``size`` bytes: libVLC skips it before it looks."""
    return b"ID3\x04\x00\x00" + bytes([size >> 21 & 127, size >> 14 & 127, size >> 7 & 127,
                                      size & 127]) + bytes(size)


class SplitServer:
    """Answers every request with ``parts``, each its own HTTP chunk, so a reader gets
    the body in those pieces (the first read returns the first part only)."""

    def __init__(self, parts: list[bytes], content_type: str) -> None:
        self.parts, self.content_type = parts, content_type
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/episode.mp3"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                try:
                    while b"\r\n\r\n" not in conn.recv(65536):
                        pass
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + self.content_type.encode()
                                 + b"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
                    for part in self.parts:
                        conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
                    conn.sendall(b"0\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.listener.close()
        self.thread.join(timeout=5)


def refused(player, events, url: str, elsewhere: LoopbackServer) -> PlaybackError:
    """Play ``url``; once it failed or the second server was contacted, check which."""
    player.play(url)
    wait_until(lambda: elsewhere.hits or events.of(PlaybackError))
    assert dict(elsewhere.hits) == {}, "libVLC fetched what the playlist named itself"
    return events.wait_for(PlaybackError, lambda e: e.source == url)


@pytest.mark.parametrize("body, content_type", [
    (dash, "application/dash+xml"),
    (smooth, "application/vnd.ms-sstr+xml"),
    (lambda s: id3(20) + hls(s), "application/vnd.apple.mpegurl"),
    (lambda s: id3(20) + dash(s), "application/dash+xml"),
    (lambda s: b"\xff\xfe" + dash(s).decode().encode("utf-16-le"), "application/dash+xml"),
], ids=["dash after a comment", "smooth streaming", "hls behind an id3 tag",
        "dash behind an id3 tag", "utf-16 dash"])
def test_a_streaming_playlist_in_any_disguise_is_refused(player, events, loopback, elsewhere,
                                                          body, content_type):
    url = loopback.add(f"/disguised-{len(loopback.hits)}.mp3", body(elsewhere), content_type)
    error = refused(player, events, url, elsewhere)
    assert "streaming playlist" in error.reason


def test_a_playlist_sent_in_pieces_is_refused(player, events, elsewhere):
    body = hls(elsewhere)
    server = SplitServer([body[:1], body[1:]], "application/vnd.apple.mpegurl")
    try:
        error = refused(player, events, server.url, elsewhere)
    finally:
        server.close()
    assert "streaming playlist" in error.reason


def test_audio_behind_a_large_tag_and_sent_in_pieces_still_plays(player, events, tmp_path):
    """The control: real audio, after an ID3 tag bigger than one read, in small pieces."""
    wav = tone_wav(tmp_path / "tone.wav", 3.0).read_bytes()
    body = id3(100_000) + wav
    server = SplitServer([body[i:i + 3000] for i in range(0, len(body), 3000)], "audio/wav")
    try:
        player.play(server.url)
        events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING)
    finally:
        server.close()
