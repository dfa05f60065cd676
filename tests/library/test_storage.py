"""A disk that fails podterm: read-only, full, or a data folder that cannot be made.

Reading goes on (and says it is read-only); every write ends with one line saying what
failed and a non-zero exit; the library is never left half-written. Real tmpfs mounts.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from library.episodes import list_episodes, set_played
from library.store import LibraryNotWritable, connect, connect_or_read_only
from tests.feedgen import rss, show
from tests.filesystems import fill, remount, small_tmpfs
from tests.library.test_cli import podterm


@pytest.fixture
def mount(tmp_path: Path):
    with small_tmpfs(tmp_path / "mnt") as where:
        yield where


def one_line_error(result, *expected: str) -> str:
    """The command failed with exactly one line on stderr, containing ``expected``."""
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def subscribed(server, data: Path, title: str = "Alpha", episodes: int = 3) -> str:
    url = server.add(f"/{title}.xml", rss(show(title, episodes)), "application/rss+xml")
    podterm("add", url, data_dir=data)
    return url


def test_a_read_only_library_is_shown_saying_so_and_writes_fail_in_one_line(server, mount):
    data = mount / "data"
    subscribed(server, data)
    other = server.add("/beta.xml", rss(show("Beta", 2)), "application/rss+xml")
    remount(mount, "ro")

    feeds = podterm("feeds", "--json", data_dir=data)
    assert [f["title"] for f in json.loads(feeds.stdout)] == ["Alpha"]
    assert "read-only file system" in feeds.stderr and "Showing it read-only" in feeds.stderr
    episodes = json.loads(podterm("episodes", "--json", data_dir=data).stdout)
    assert len(episodes) == 3
    assert "xmlUrl=" in podterm("export", data_dir=data).stdout
    for command in (["refresh"], ["add", other], ["remove", "1"]):
        one_line_error(podterm(*command, data_dir=data, check=False),
                       "cannot write the library", "read-only file system")
    remount(mount, "rw")
    assert [f["title"] for f in json.loads(podterm("feeds", "--json", data_dir=data).stdout)] \
        == ["Alpha"]


def test_read_only_reading_includes_changes_still_in_the_write_ahead_log(server, mount):
    data = mount / "data"
    subscribed(server, data)
    # A writer that stopped without folding its log into the file (as after kill -9).
    conn = connect(data / "library.sqlite3")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    newest = list_episodes(conn)[0]
    set_played(conn, newest.id, True)
    crashed = mount / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal", "-shm"):
        (crashed / f"library.sqlite3{suffix}").write_bytes(
            (data / f"library.sqlite3{suffix}").read_bytes())
    conn.close()
    remount(mount, "ro")
    episodes = json.loads(podterm("episodes", "--json", data_dir=crashed).stdout)
    assert [e["played"] for e in episodes] == [True, False, False]


def test_the_library_api_opens_read_only_when_it_must_and_says_why(server, mount):
    data = mount / "data"
    subscribed(server, data)
    remount(mount, "ro")
    with pytest.raises(LibraryNotWritable, match="read-only file system"):
        connect(data / "library.sqlite3")
    conn, reason = connect_or_read_only(data / "library.sqlite3")
    assert "read-only file system" in reason
    assert len(list_episodes(conn)) == 3
    with pytest.raises(sqlite3.OperationalError):
        set_played(conn, 1, True)
    conn.close()


def test_a_full_disk_fails_the_write_whole_and_reading_goes_on(server, tmp_path):
    with small_tmpfs(tmp_path / "mnt", size="4m") as mount:
        data = mount / "data"
        url = subscribed(server, data, "Growing", 3)
        server.add("/Growing.xml", rss(show("Growing", 3000)), "application/rss+xml")
        filler = fill(mount, leave_bytes=256 * 1024)  # room to open, not for 3000 episodes

        refreshed = podterm("refresh", data_dir=data, check=False)
        one_line_error(refreshed, "cannot write the library", "full", "Nothing was half-written")
        fill(mount)  # not a byte left
        one_line_error(podterm("add", url + "?again", data_dir=data, check=False),
                       "cannot write the library", "full")
        feeds = json.loads(podterm("feeds", "--json", data_dir=data).stdout)
        assert [(f["title"], f["episode_count"]) for f in feeds] == [("Growing", 3)]

        filler.unlink()
        conn = connect(data / "library.sqlite3")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(list_episodes(conn)) == 3
        conn.close()
        [again] = json.loads(podterm("refresh", "--json", data_dir=data).stdout)
        assert (again["outcome"], again["new_episodes"]) == ("updated", 2997)


def test_a_data_folder_that_cannot_be_made_is_one_line(mount):
    remount(mount, "ro")
    for command in (["feeds"], ["add", "https://example.org/feed.xml"]):
        one_line_error(podterm(*command, data_dir=mount / "data", check=False),
                       "cannot create the library folder", "Read-only file system")


def test_export_to_a_full_disk_leaves_the_previous_file_whole(server, tmp_path, mount):
    data = tmp_path / "data"
    subscribed(server, data)
    target = mount / "subscriptions.opml"
    target.write_bytes(b"previous export")
    fill(mount)
    one_line_error(podterm("export", "-o", str(target), data_dir=data, check=False),
                   f"cannot write {target}", "No space left on device")
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in mount.iterdir()) == ["filler", "subscriptions.opml"]
