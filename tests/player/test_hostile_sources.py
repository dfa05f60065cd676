"""Remote episodes never open anything but http(s) on the network (real libVLC).

Whether libVLC opened a file is watched with inotify on that file (through ctypes: no
mock, no extra package): the kernel reports every open of it, by any thread.
"""

from __future__ import annotations

import ctypes
import os
import re
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from player import Ended, PlaybackError, PlayerState, StateChanged
from tests.player.conftest import EventLog, make_player
from tests.player.media_tools import silent_wav
from tui.demo.server import Reply

IN_ACCESS, IN_OPEN = 0x1, 0x20
_RANGE = re.compile(r"bytes=(\d+)-")


class OpenWatch:
    """Counts opens and reads of one file by anyone (inotify)."""

    def __init__(self, path: Path) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, str(path).encode(),
                                                 IN_OPEN | IN_ACCESS) < 0:
            pytest.skip(f"inotify is not available: {os.strerror(ctypes.get_errno())}")

    def events(self) -> int:
        count = 0
        while True:
            try:
                data = os.read(self.fd, 4096)
            except BlockingIOError:
                return count
            offset = 0
            while offset < len(data):
                *_fields, name_length = struct.unpack_from("iIII", data, offset)
                offset += 16 + name_length
                count += 1

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def canary(tmp_path: Path, media):
    """A real audio file that nothing may open, and a watch on it. At the end the watch
    is shown to work: opening the file ourselves is seen."""
    path = tmp_path / "canary.wav"
    path.write_bytes(media["wav"].read_bytes())
    watch = OpenWatch(path)
    yield path, watch
    path.read_bytes()
    assert watch.events() > 0, "the inotify watch saw nothing: the test proves nothing"
    watch.close()


def ranged(body: bytes, content_type: str):
    """A reply with Range support, as a route (libVLC seeks with Range requests)."""
    def reply(req) -> Reply:
        match = _RANGE.match(req.headers.get("range", ""))
        start = int(match.group(1)) if match else 0
        headers = {"Content-Type": content_type, "Accept-Ranges": "bytes"}
        if not match:
            return Reply(200, body, headers)
        headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        return Reply(206, body[start:], headers)
    return reply


def wait_for_end_of_play(events: EventLog):
    return events.wait_for(StateChanged, lambda e: e.state in (
        PlayerState.PLAYING, PlayerState.ERROR, PlayerState.ENDED))


def test_a_redirect_to_a_local_file_is_never_opened(player, events, loopback, canary):
    path, watch = canary
    url = loopback.route("/local.wav", lambda req: Reply(302, b"", {"Location": path.as_uri()}))
    player.play(url)
    error = events.wait_for(PlaybackError)
    assert "never local files" in error.reason and error.source == url
    assert player.status().state is PlayerState.ERROR
    assert watch.events() == 0


@pytest.mark.parametrize("first", ["audio", "redirect to audio"])
def test_a_server_that_redirects_differently_later_cannot_open_a_file(
        libvlc, tmp_path, loopback, media, canary, first):
    """The first request gets audio; every later one (libVLC's own, or its seek) is sent
    to the local file. Checking redirects once and handing libVLC the address would open
    it on the second request."""
    path, watch = canary
    # Long enough (26 MB) that libVLC cannot have read ahead to the seek's target.
    audio = silent_wav(tmp_path / "long.wav", 600.0).read_bytes()
    loopback.route("/real.wav", ranged(audio, "audio/wav"))
    hits = []

    def fickle(req) -> Reply:
        hits.append(req.headers.get("range"))
        if len(hits) == 1:
            return ranged(audio, "audio/wav")(req) if first == "audio" else \
                Reply(302, b"", {"Location": "/real.wav"})
        return Reply(302, b"", {"Location": path.as_uri()})

    url = loopback.route(f"/fickle-{first[:5]}.wav", fickle)
    with make_player(tmp_path) as player:
        events = EventLog()
        player.subscribe(events)
        player.play(url)
        events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING)
        player.seek(590.0)
        error = events.wait_for(PlaybackError)  # not the end: the episode is not finished
    assert "never local files" in error.reason and events.of(Ended) == []
    assert len(hits) >= 2 and watch.events() == 0


def test_a_redirect_to_dev_zero_fails_at_once_instead_of_hanging(libvlc, tmp_path, loopback):
    url = loopback.route("/zero.mp3", lambda req: Reply(302, b"", {"Location": "file:///dev/zero"}))
    # A long open timeout: only the refusal can end this.
    with make_player(tmp_path, open_timeout_s=600) as player:
        events = EventLog()
        player.subscribe(events)
        player.play(url)
        error = events.wait_for(PlaybackError)
    assert "never local files" in error.reason


def test_a_streaming_manifest_is_refused_and_its_segments_never_asked(player, events, loopback,
                                                                      canary):
    path, watch = canary
    segment = loopback.route("/segment.ts", lambda req: Reply(302, b"", {"Location": path.as_uri()}))
    manifest = (f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3.0,\n{segment}\n"
                "#EXT-X-ENDLIST\n").encode()
    player.play(loopback.add("/episode.mp3", manifest, "audio/mpeg"))
    error = events.wait_for(PlaybackError)
    assert "streaming playlist" in error.reason
    assert loopback.hits["/segment.ts"] == 0 and watch.events() == 0


def test_local_files_given_as_paths_still_play(player, events, media):
    for source in (media["wav"], media["wav"].as_uri()):
        mark = events.mark()
        player.play(source)
        events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING, after=mark)


def test_an_error_behind_redirects_is_still_named(player, events, loopback):
    loopback.route("/hop", lambda req: Reply(302, b"", {"Location": "/gone.mp3"}))
    player.play(loopback.url("/hop"))
    assert "HTTP 404 Not Found" in events.wait_for(PlaybackError).reason


# --- the private network ----------------------------------------------------------------

def test_a_public_server_cannot_redirect_the_player_into_the_private_network(
        player, events, loopback, public_origin, media):
    public = public_origin.add("tone.wav", media["wav"].read_bytes())
    player.play(public)  # the control: the public address plays
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING)
    loopback.add("/inside.wav", media["wav"].read_bytes(), "audio/wav")
    url = public_origin.redirecting_to(loopback.url("")) + "/inside.wav"
    player.play(url)
    error = events.wait_for(PlaybackError, lambda e: e.source == url)
    assert f"the public server {public_origin.address} redirected to 127.0.0.1" in error.reason
    assert "private network" in error.reason and loopback.hits["/inside.wav"] == 0


def test_a_public_feed_cannot_point_the_player_into_the_private_network(
        player, events, loopback, public_origin, media):
    """The first request counts too: an episode address named by a feed on a public
    server may not be private, though the same address passed with no feed (or by a feed
    on the user's own machine) plays."""
    inside = loopback.add("/hop0.wav", media["wav"].read_bytes(), "audio/wav")
    public_feed = public_origin.url("/feed.xml")
    player.play(inside, origin=public_feed)
    error = events.wait_for(PlaybackError, lambda e: e.source == inside)
    assert (f"a feed on the public server {public_origin.address} points to 127.0.0.1"
            in error.reason)
    assert "private network" in error.reason and loopback.hits["/hop0.wav"] == 0
    player.play(inside, origin=loopback.url("/feed.xml"))  # a feed on this machine
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING)
    assert loopback.hits["/hop0.wav"] >= 1


def test_a_public_feed_may_name_public_audio(player, events, public_origin, media):
    url = public_origin.add("hop0-public.wav", media["wav"].read_bytes())
    player.play(url, origin=public_origin.url("/feed.xml"))
    events.wait_for(StateChanged, lambda e: e.state is PlayerState.PLAYING)
    assert events.of(PlaybackError) == []


@pytest.fixture
def http10_server(media):
    """An HTTP/1.0 server (every answer closes its connection): /a redirects to /b, the
    audio."""
    audio = media["wav"].read_bytes()

    class Handler(BaseHTTPRequestHandler):  # protocol_version stays "HTTP/1.0"
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/a.wav":
                self.send_response(302)
                self.send_header("Location", "/b.wav")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(audio)))
            self.end_headers()
            self.wfile.write(audio)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_a_private_server_that_closes_each_connection_may_redirect_to_itself(
        player, events, http10_server):
    """Which address answered is known from the connection, not from the socket, which a
    'Connection: close' answer takes away: a LAN server is not mistaken for a public one."""
    player.play(f"{http10_server}/a.wav")
    events.wait_for(StateChanged, lambda e: e.state in (PlayerState.PLAYING, PlayerState.ERROR))
    assert events.of(PlaybackError) == [] and player.status().state is PlayerState.PLAYING


# --- servers that never answer ------------------------------------------------------------

@pytest.fixture
def silent_server():
    """Accepts connections and never sends a byte."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/episode.mp3"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_server_that_never_answers_times_out_with_a_reason(libvlc, tmp_path, silent_server):
    with make_player(tmp_path, open_timeout_s=1.5) as player:
        events = EventLog()
        player.subscribe(events)
        player.play(silent_server)
        error = events.wait_for(PlaybackError)
        events.wait_for(StateChanged, lambda e: e.state is PlayerState.ERROR)
        assert error.reason == "the server did not send any audio in 1.5 s"
        assert player.status().error == error.reason
