"""``podterm download`` / ``downloads`` and the download side of ``refresh`` and ``remove``,
run as a user runs them: the installed console script, in real subprocesses (killed with
SIGKILL, interrupted with SIGINT, or on a pseudo-terminal where podterm asks)."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.downloads.conftest import WAIT_S, audio
from tests.downloads.media_server import MediaServer
from tests.feedgen import Channel, Item, rss

PODTERM = shutil.which("podterm", path=str(Path(sys.executable).parent)) or "podterm"
DOWNLOAD_KEYS = {"episode_id", "feed_id", "title", "state", "path", "bytes", "total_bytes",
                 "error"}


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PODTERM_DATA_DIR": str(data_dir),
            "PODTERM_CONFIG": str(data_dir / "config.toml"), **extra}


def podterm(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([PODTERM, *args], capture_output=True, text=True,
                            env=environment(data_dir), timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def as_json(*args: str, data_dir: Path, check: bool = True):
    return json.loads(podterm(*args, "--json", data_dir=data_dir, check=check).stdout)


def subscribe(media: MediaServer, data_dir: Path, bodies: dict[str, bytes],
              **behaviour) -> dict[str, int]:
    """A show whose episodes (newest first, as given) are served by ``media``; returns
    episode ids by title."""
    items = [Item(title, guid=title, enclosure=media.add(f"/{n}.mp3", body, **behaviour)
                  if body else media.url(f"/missing{n}.mp3"), published=1_700_000_000 - n)
             for n, (title, body) in enumerate(bodies.items())]
    feed = media.route("/feed.xml", lambda headers: (200, {"Content-Type": "text/xml"},
                                                     rss(Channel("Test Show", items))))
    podterm("add", feed, data_dir=data_dir)
    return {e["title"]: e["id"] for e in as_json("episodes", data_dir=data_dir)}


def wait_until(condition, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def part_files(data_dir: Path) -> list[Path]:
    return list((data_dir / "downloads").rglob("*.part"))


@pytest.fixture
def media():
    with MediaServer() as server:
        yield server


def test_download_list_and_delete(media, tmp_path):
    bodies = {"First": audio(400_000, 1), "Second": audio(300_000, 2), "Gone": b""}
    ids = subscribe(media, tmp_path, bodies)
    wanted = [ids["First"], ids["Second"], ids["Gone"]]
    result = podterm("download", *map(str, wanted), "--json", data_dir=tmp_path, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "podterm: 1 of 3 downloads did not finish"
    report = json.loads(result.stdout)
    assert [(r["episode_id"], r["state"]) for r in report] == \
        [(ids["First"], "done"), (ids["Second"], "done"), (ids["Gone"], "failed")]
    assert report[2]["error"] == "HTTP 404 Not Found"
    for row in report[:2]:
        assert Path(row["path"]).read_bytes() == bodies[row["title"]]

    listing = as_json("downloads", data_dir=tmp_path)
    assert all(set(row) == DOWNLOAD_KEYS for row in listing)
    assert {row["title"]: row["state"] for row in listing} == \
        {"First": "done", "Second": "done", "Gone": "failed"}
    human = podterm("downloads", data_dir=tmp_path).stdout
    assert "First" in human and "HTTP 404 Not Found" in human

    first = Path(report[0]["path"])
    deleted = podterm("download", "--delete", str(ids["First"]), data_dir=tmp_path)
    assert "Deleted First" in deleted.stdout and not first.exists()
    assert ids["First"] not in {row["episode_id"] for row in as_json("downloads",
                                                                      data_dir=tmp_path)}
    nothing = podterm("download", "--delete", str(ids["First"]), data_dir=tmp_path, check=False)
    assert nothing.returncode == 1 and "has no download" in nothing.stderr


def start_held_download(media, tmp_path, held: int) -> tuple[int, bytes, subprocess.Popen]:
    body = audio(1_000_000, 7)
    ids = subscribe(media, tmp_path, {"Long": body}, hold_after=held)
    # As from a terminal: a test run started in the background (a CI job, nohup) passes
    # on an ignored SIGINT, and Python keeps ignoring it.
    process = subprocess.Popen([PODTERM, "download", str(ids["Long"])],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=environment(tmp_path),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_until(lambda: [p.stat().st_size for p in part_files(tmp_path)] == [held])
    return ids["Long"], body, process


def finish_and_check_resume(media, tmp_path, episode_id: int, body: bytes, held: int) -> None:
    media.release()
    media.media["/0.mp3"].hold_after = None
    [row] = as_json("download", str(episode_id), data_dir=tmp_path)
    assert row["state"] == "done"
    assert hashlib.sha256(Path(row["path"]).read_bytes()).digest() == \
        hashlib.sha256(body).digest()
    first, second = media.hits_for("/0.mp3")
    assert first.range is None
    assert (second.range, second.status) == (f"bytes={held}-", 206)
    assert second.if_range == media.media["/0.mp3"].etag
    assert part_files(tmp_path) == []


def test_a_killed_download_resumes_where_it_stopped(media, tmp_path):
    episode_id, body, process = start_held_download(media, tmp_path, 400_000)
    process.kill()                                   # SIGKILL: no chance to tidy up
    process.communicate(timeout=WAIT_S)
    [row] = as_json("downloads", data_dir=tmp_path)
    assert row["state"] == "failed" and row["error"].startswith("interrupted")
    finish_and_check_resume(media, tmp_path, episode_id, body, 400_000)


def test_ctrl_c_cancels_cleanly_and_keeps_the_part(media, tmp_path):
    episode_id, body, process = start_held_download(media, tmp_path, 300_000)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=WAIT_S)
    assert process.returncode == 130
    assert "partial files are kept" in err and "Traceback" not in err
    [row] = as_json("downloads", data_dir=tmp_path)
    assert (row["state"], row["bytes"]) == ("cancelled", 300_000)
    finish_and_check_resume(media, tmp_path, episode_id, body, 300_000)


def test_refresh_downloads_the_newest_episodes_when_asked(media, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "config.toml").write_text("[downloads]\nauto_newest = 2\n")
    bodies = {f"Ep {n}": audio(50_000, n) for n in (3, 2, 1)}   # newest first
    subscribe(media, tmp_path, bodies)   # `add` refreshes; auto-download is refresh's
    assert as_json("downloads", data_dir=tmp_path) == []
    outcomes = as_json("refresh", data_dir=tmp_path)
    assert [o["outcome"] for o in outcomes] == ["not_modified"]
    assert sorted((r["title"], r["state"]) for r in as_json("downloads", data_dir=tmp_path)) \
        == [("Ep 2", "done"), ("Ep 3", "done")]
    requests = len(media.hits)
    podterm("refresh", data_dir=tmp_path)
    assert len(media.hits) == requests + 1              # the feed only, no audio again


def test_remove_keeps_or_deletes_the_shows_downloads_as_told(media, tmp_path):
    ids = subscribe(media, tmp_path, {"A": audio(20_000, 1), "B": audio(20_000, 2)})
    [row_a, row_b] = as_json("download", str(ids["A"]), str(ids["B"]), data_dir=tmp_path)
    kept = podterm("remove", "Test Show", "--yes", "--keep-downloads", data_dir=tmp_path).stdout
    assert "Kept its 2 downloaded files" in kept and Path(row_a["path"]).exists()
    assert as_json("downloads", data_dir=tmp_path) == []
    verify = podterm("downloads", "--verify", data_dir=tmp_path, check=False)
    assert verify.returncode == 1 and verify.stdout.count("stray: ") == 2
    fixed = as_json("downloads", "--verify", "--yes", data_dir=tmp_path)
    assert fixed["fixed"] is True and len(fixed["stray"]) == 2
    assert not Path(row_a["path"]).exists() and not Path(row_b["path"]).exists()

    ids = subscribe(media, tmp_path, {"C": audio(20_000, 3)})
    [row_c] = as_json("download", str(ids["C"]), data_dir=tmp_path)
    gone = podterm("remove", "Test Show", "--yes", "--delete-downloads", data_dir=tmp_path).stdout
    assert "Deleted its 1 download " in gone and not Path(row_c["path"]).exists()

    ids = subscribe(media, tmp_path, {"D": audio(20_000, 4)})
    [row_d] = as_json("download", str(ids["D"]), data_dir=tmp_path)
    silent = podterm("remove", "Test Show", "--yes", data_dir=tmp_path).stdout  # no terminal
    assert "Kept its 1 downloaded file " in silent and Path(row_d["path"]).exists()


def in_terminal(args: list[str], data_dir: Path, answers: dict[str, str]) -> tuple[str, int]:
    """Run podterm on a pseudo-terminal, typing each answer once its prompt appears."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([PODTERM, *args], stdin=terminal, stdout=terminal,
                               stderr=terminal, env=environment(
                                   data_dir, TERM="xterm-256color", COLUMNS="160", LINES="40"))
    os.close(terminal)
    seen, pending = b"", dict(answers)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(controller, 65536)
        except OSError:       # the process closed the terminal
            break
        if not data:
            break
        seen += data
        for prompt in [p for p in pending if p.encode() in seen]:
            os.write(controller, pending.pop(prompt).encode() + b"\n")
    os.close(controller)
    return seen.decode("utf-8", "replace"), process.wait(timeout=WAIT_S)


def test_on_a_terminal_progress_is_drawn_and_remove_asks(media, tmp_path):
    ids = subscribe(media, tmp_path, {"Slow": audio(600_000, 5), "Slower": audio(600_000, 6)},
                    rate=1_000_000)
    screen, status = in_terminal(["download", str(ids["Slow"]), str(ids["Slower"])],
                                 tmp_path, {})
    assert status == 0, screen
    assert "All 2 episodes" in screen and "Slower" in screen
    assert "/s" in screen and "Downloads: 2 of 2 done" in screen   # speed, then the summary
    files = [Path(r["path"]) for r in as_json("downloads", data_dir=tmp_path)]
    screen, status = in_terminal(["remove", "Test Show"], tmp_path,
                                 {"Remove Test Show": "y",
                                  "Also delete the 2 downloaded episodes": "y"})
    assert status == 0, screen
    assert "Deleted its 2 downloads" in screen and not any(f.exists() for f in files)


def test_making_room_under_the_cap_deletes_unplayed_downloads_only_when_told(media, tmp_path):
    ids = subscribe(media, tmp_path, {"New": audio(20_000, 3), "Older": audio(20_000, 2),
                                      "Oldest": audio(20_000, 1)})
    [oldest] = as_json("download", str(ids["Oldest"]), data_dir=tmp_path)
    [older] = as_json("download", str(ids["Older"]), data_dir=tmp_path)
    # The feed announces 12,345,678 bytes per episode: room for one announced episode and
    # 30 kB more, so with "New" coming one of the two unplayed downloads would have to go.
    cap_gb = (12_345_678 + 30_000) / 1024 ** 3
    (tmp_path / "config.toml").write_text(f"[downloads]\nmax_gb = {cap_gb!r}\n")
    [new] = as_json("download", str(ids["New"]), data_dir=tmp_path)   # not asked: kept
    assert new["state"] == "done" and Path(oldest["path"]).exists()
    podterm("download", "--delete", str(ids["New"]), data_dir=tmp_path)
    as_json("download", str(ids["New"]), "--yes", data_dir=tmp_path)
    assert not Path(oldest["path"]).exists() and Path(older["path"]).exists()
    assert {r["title"] for r in as_json("downloads", data_dir=tmp_path)} == {"New", "Older"}
