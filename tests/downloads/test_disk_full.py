"""A full disk: that download stops with "disk full", keeps its .part, loses no library
data, and resumes once there is room. The downloads folder is a real 2 MB tmpfs."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from library.download_names import part_path
from library.downloads import get_download
from library.feeds import list_feeds
from tests.downloads.conftest import audio


@pytest.fixture
def small_disk(tmp_path: Path):
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs",
                              str(mount_point)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and mount rights): "
                    f"{mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def test_disk_full_keeps_the_part_and_resumes_when_there_is_room(library, media, small_disk):
    library.settings = library.settings.replace(dir=small_disk)
    filler = small_disk / "filler.bin"
    filler.write_bytes(b"\0" * 1_000_000)
    body = audio(1_500_000, 4)
    feed = library.show("Show")
    big = library.episode(feed, "Big", media.add("/big.mp3", body))
    final = library.download([big])
    status = final[big]
    assert (status.state, status.error) == ("failed", "disk full")
    kept = part_path(Path(status.path)).stat().st_size
    assert 0 < kept < len(body) and status.bytes == kept
    row = get_download(library.conn, big)
    assert (row.state, row.error, row.bytes) == ("failed", "disk full", kept)
    assert [f.title for f in list_feeds(library.conn)] == ["Show"]
    assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    filler.unlink()
    final = library.download([big])
    assert final[big].state == "done"
    assert hashlib.sha256(Path(final[big].path).read_bytes()).digest() == \
        hashlib.sha256(body).digest()
    assert media.hits_for("/big.mp3")[-1].range == f"bytes={kept}-"
