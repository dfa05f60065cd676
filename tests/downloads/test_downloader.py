"""The background downloader against real misbehaving HTTP servers on loopback."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from library.download_names import part_path
from library.downloads import get_download, list_downloads
from tests.downloads.conftest import WAIT_S, Run, audio


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wait_until(condition, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def part_size(path: str | Path) -> int:
    try:
        return part_path(Path(path)).stat().st_size
    except FileNotFoundError:
        return -1


def test_a_download_lands_complete_under_its_show_and_is_listed(library, media):
    body = audio(3_000_000)
    feed = library.show("Nonlinear Thoughts")
    ep = library.episode(feed, "Episode 1: the beginning", media.add("/one.mp3", body))
    final = library.download([ep])
    assert final[ep].state == "done" and final[ep].bytes == len(body)
    path = Path(final[ep].path)
    assert path == library.downloads_dir / "Nonlinear Thoughts" / f"Episode 1_ the beginning [{ep}].mp3"
    assert sha(path.read_bytes()) == sha(body) and not part_path(path).exists()
    [row] = list_downloads(library.conn)
    assert row.to_json() == {"episode_id": ep, "feed_id": feed,
                             "title": "Episode 1: the beginning", "state": "done",
                             "path": str(path), "bytes": len(body), "total_bytes": len(body),
                             "error": None}
    again = library.download([ep])  # already complete: nothing is fetched again
    assert again[ep].state == "done" and len(media.hits_for("/one.mp3")) == 1


def test_parallel_downloads_keep_to_the_overall_and_per_host_limits(library, two_hosts):
    a, b = two_hosts
    a.tracker.gate_size = 3   # the first requests wait until three are in flight
    feed = library.show("Show")
    ids = [library.episode(feed, f"{server.host} {n}",
                           server.add(f"/{n}.mp3", audio(300_000, n), rate=3_000_000))
           for server in (a, b) for n in range(6)]  # all of host a's episodes come first
    final = library.download(ids, concurrency=3, per_host=2)
    assert [final[i].state for i in ids] == ["done"] * 12
    # Seen by the servers: three at once overall, never more; two at once from host a
    # (whose episodes were queued first), yet host b was not kept waiting behind them.
    assert a.tracker.max_total == 3
    assert a.tracker.max_per_host["127.0.0.1"] == 2
    assert 1 <= a.tracker.max_per_host["127.0.0.2"] <= 2
    assert len(a.hits) == len(b.hits) == 6


def interrupted(library, media, body: bytes, held: int, **behaviour) -> int:
    """An episode whose download was cancelled after ``held`` bytes; returns its id."""
    ep = library.episode(library.show("Show"), "Ep",
                         media.add("/ep.mp3", body, hold_after=held, **behaviour))
    with Run(library) as run:
        run.downloader.add([ep])
        path = run.wait_for(lambda e: e.state == "downloading").path
        wait_until(lambda: part_size(path) == held)
        run.downloader.cancel(ep)
        cancelled = run.wait_for(lambda e: e.state == "cancelled")
    assert cancelled.bytes == held and part_size(path) == held
    row = get_download(library.conn, ep)
    assert (row.state, row.bytes) == ("cancelled", held)
    media.release()
    media.media["/ep.mp3"].hold_after = None
    return ep


def test_a_cancelled_download_resumes_with_range_and_if_range(library, media):
    body = audio(2_000_000, 1)
    ep = interrupted(library, media, body, 700_000)
    final = library.download([ep])
    assert final[ep].state == "done" and sha(Path(final[ep].path).read_bytes()) == sha(body)
    first, second = media.hits_for("/ep.mp3")
    assert first.range is None and first.status == 200
    assert second.range == "bytes=700000-" and second.status == 206
    assert second.if_range == media.media["/ep.mp3"].etag
    assert media.sent["/ep.mp3"] == len(body)  # every byte crossed the network once


def test_a_file_changed_on_the_server_restarts_cleanly(library, media):
    ep = interrupted(library, media, audio(1_000_000, 1), 400_000)
    new = audio(1_200_000, 2)
    media.add("/ep.mp3", new)  # a new ETag: If-Range no longer matches
    final = library.download([ep])
    assert final[ep].state == "done" and sha(Path(final[ep].path).read_bytes()) == sha(new)
    last = media.hits_for("/ep.mp3")[-1]
    assert last.range == "bytes=400000-" and last.status == 200


def test_a_server_that_ignores_range_restarts_cleanly(library, media):
    body = audio(1_000_000, 3)
    ep = interrupted(library, media, body, 300_000, ignore_range=True)
    final = library.download([ep])
    assert final[ep].state == "done" and sha(Path(final[ep].path).read_bytes()) == sha(body)
    assert media.hits_for("/ep.mp3")[-1].status == 200


def test_a_part_that_has_every_byte_is_finished_without_fetching_it_again(library, media):
    body = audio(600_000, 4)
    ep = interrupted(library, media, body, 200_000)
    with open(part_path(get_download(library.conn, ep).file), "ab") as part:
        part.write(body[200_000:])   # every byte arrived, but podterm stopped before the rename
    final = library.download([ep])
    assert final[ep].state == "done" and Path(final[ep].path).read_bytes() == body
    last = media.hits_for("/ep.mp3")[-1]
    assert (last.range, last.status) == ("bytes=600000-", 416)


def redirect(target: str):
    return lambda headers: (302, {"Location": target}, b"")


def test_each_failure_is_reported_honestly_and_never_stops_the_others(library, media):
    feed = library.show("Show")
    html = b"<!DOCTYPE html><html><body>Please log in</body></html>" + b" " * 500
    cases = {
        "missing": (media.url("/gone.mp3"), "HTTP 404 Not Found"),
        "server error": (media.route("/err.mp3", lambda h: (500, {}, b"oops")),
                         "HTTP 500 Internal Server Error"),
        "html by type": (media.add("/page.mp3", html, "text/html; charset=utf-8"),
                         "not audio: the server sent text/html (a web page)"),
        "html by bytes": (media.add("/sneaky.mp3", html, "audio/mpeg"),
                          "not audio: the server sent a web page"),
        "json": (media.add("/api.mp3", b'{"error": "nope"}' + b" " * 100, "audio/mpeg"),
                 "not audio: the server sent a text document"),
        "unknown bytes": (media.add("/blob", b"\x00\x01garbage" * 100,
                                    "application/octet-stream"),
                          "not audio: the file is in no known audio format"),
        "too large": (media.add("/huge.mp3", audio(1_500_000)), "too large: over 1 MB"),
        "local file": (media.route("/local.mp3", redirect("file:///etc/passwd")),
                       "does not fetch: only http and https addresses are fetched, not "
                       "'file:' addresses: file:///etc/passwd"),
        "loop": (media.route("/loop.mp3", redirect("/loop.mp3")), "more than 5 redirects"),
        "cut short": (media.add("/cut.mp3", audio(900_000), cut_after=300_000),
                      "0.3 MB of 0.9 MB; download again to resume"),
        "no enclosure": (None, "the episode has no audio file (no enclosure)"),
        "empty": (media.add("/empty.mp3", b""), "the server sent an empty file"),
    }
    ids = {name: library.episode(feed, name, url) for name, (url, _) in cases.items()}
    good_body = audio(500_000, 9)
    good = library.episode(feed, "good", media.add("/good.mp3", good_body))
    final = library.download([*ids.values(), good], max_episode_mb=1)
    assert final[good].state == "done"
    assert sha(Path(final[good].path).read_bytes()) == sha(good_body)
    for name, episode_id in ids.items():
        status = final[episode_id]
        assert status.state == "failed", name
        assert cases[name][1] in status.error, (name, status.error)
    # A cut-short download keeps its bytes for a resume; the refused ones leave nothing.
    assert part_size(final[ids["cut short"]].path) == 300_000
    leftovers = sorted(p.name for p in library.downloads_dir.rglob("*") if p.is_file())
    assert leftovers == sorted([Path(final[good].path).name,
                                part_path(Path(final[ids["cut short"]].path)).name])
    assert not any(hit.path.startswith("/etc") for hit in media.hits)


HLS = b"#EXTM3U\n#EXTINF:3.0,\nhttp://127.0.0.1:9/segment.ts\n#EXT-X-ENDLIST\n"
MPD = (b'<?xml version="1.0"?><!-- c --><MPD xmlns="urn:mpeg:dash:schema:mpd:2011">'
       b"<Period/></MPD>")
ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x14" + bytes(20)  # an empty 20-byte tag


@pytest.mark.parametrize("body", [HLS, ID3 + HLS, MPD, ID3 + MPD,
                                  b"\xff\xfe" + MPD.decode().encode("utf-16-le")],
                         ids=["hls", "hls behind a tag", "dash", "dash behind a tag", "utf-16"])
def test_a_streaming_playlist_is_never_stored_as_an_episode(library, media, body):
    """A downloaded episode is played from the file, where libVLC would fetch what the
    playlist lists itself: it is refused like a web page, whatever its type says."""
    ep = library.episode(library.show("Show"), "Ep", media.add("/ep.mp3", body, "audio/mpeg"))
    final = library.download([ep])
    assert final[ep].state == "failed"
    assert final[ep].error == ("not audio: the server sent a streaming playlist (podterm plays "
                               "and downloads files only)")
    assert not any(p.is_file() for p in library.downloads_dir.rglob("*"))


def test_audio_behind_a_large_tag_downloads(library, media):
    big_tag = b"ID3\x04\x00\x00\x00\x08\x00\x00" + bytes(131_072)  # 128 KiB of cover art
    body = big_tag + audio(200_000)[10:]
    ep = library.episode(library.show("Show"), "Ep", media.add("/ep.mp3", body))
    final = library.download([ep])
    assert final[ep].state == "done" and Path(final[ep].path).read_bytes() == body


def test_a_server_that_stops_sending_times_out(library, media):
    ep = library.episode(library.show("Show"), "Stalls",
                         media.add("/stall.mp3", audio(500_000), hold_after=100_000))
    final = library.download([ep], timeout_s=1.0)
    assert final[ep].state == "failed" and final[ep].error.startswith("timed out")
    assert part_size(final[ep].path) == 100_000


def test_a_public_feed_never_leads_into_the_private_network(library, media):
    public = library.show("Public show", url="http://93.184.215.14/feed.xml")
    ep = library.episode(public, "Points home", media.add("/private.mp3", audio(1000)))
    final = library.download([ep])
    assert final[ep].state == "failed"
    assert final[ep].error == ("refused: the public server 93.184.215.14 sent podterm to "
                               "127.0.0.1, an address in your private network")
    assert media.hits == []


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:9/a.mp3", "http://10.1.2.3/a.mp3", "http://192.168.0.10/a.mp3",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/a.mp3", "http://[fd00::1]/a.mp3",
    "http://localhost:9/a.mp3", "http://100.64.0.1/a.mp3",  # carrier-grade NAT, VPN meshes
])
def test_a_public_host_cannot_redirect_a_download_into_the_private_network(
        library, public_origin, target):
    """The same rule and the same list as for feeds (library/netpolicy.py): 100.64/10 was
    public for the downloader's own copy of the rule."""
    feed = library.show("Public show", url=public_origin.url("/feed.xml"))
    ep = library.episode(feed, "Points home", public_origin.redirecting_to(target) + "/")
    final = library.download([ep], timeout_s=5.0)
    assert final[ep].state == "failed"
    assert final[ep].error.startswith(f"refused: the public server {public_origin.address} "
                                      "sent podterm to ")
    assert final[ep].error.endswith("an address in your private network")


def test_a_public_feed_s_files_on_a_public_host_download(library, public_origin):
    feed = library.show("Public show", url=public_origin.url("/feed.xml"))
    ep = library.episode(feed, "Out there", public_origin.add("out-there.mp3", audio(3000)))
    assert library.download([ep])[ep].state == "done"


def test_a_lan_feed_may_keep_its_files_on_the_lan(library, media):
    feed = library.show("LAN show", url=media.url("/feed.xml"))
    ep = library.episode(feed, "Here", media.route("/hop.mp3", redirect("/here.mp3")))
    media.add("/here.mp3", audio(2000))
    assert library.download([ep])[ep].state == "done"


@pytest.mark.parametrize("location, reason", [
    ("/a\x9b2J.mp3", "control or bidirectional-text characters"),
    ("/a\x85b.mp3", "control or bidirectional-text characters"),
    ("ftp://example.org/a.mp3", "only http and https"),
    ("http://[x/a.mp3", "not a valid address"),
])
def test_each_redirect_is_checked_like_a_typed_address(library, media, location, reason):
    ep = library.episode(library.show("Show"), "Ep", media.route("/r.mp3", redirect(location)))
    final = library.download([ep])
    assert final[ep].state == "failed" and reason in final[ep].error
    assert final[ep].error.isprintable() and [hit.path for hit in media.hits] == ["/r.mp3"]


def test_a_listener_that_raises_does_not_stop_downloads(library, media):
    ep = library.episode(library.show("Show"), "Ep", media.add("/ep.mp3", audio(200_000)))

    def broken(event):
        raise RuntimeError("listener bug")

    from library.downloader import Downloader

    with Downloader(library.db, library.settings, broken) as downloader:
        downloader.add([ep])
        assert downloader.wait(WAIT_S)
    assert get_download(library.conn, ep).state == "done"
