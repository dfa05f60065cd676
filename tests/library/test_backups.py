"""Backups (before a schema upgrade, once a day, the newest three kept), a damaged library
that is never written to, and ``podterm restore``. Real SQLite files, real corruption."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from library.backups import list_backups
from library.feeds import add_feed
from library.store import MIGRATIONS, connect, daily_check
from tests.feedgen import rss, show
from tests.library.test_cli import podterm
from tests.library.test_storage import one_line_error


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)


def titles(path: Path) -> list[str]:
    with closing(read_only(path)) as conn:
        return [row[0] for row in conn.execute("SELECT title FROM feeds ORDER BY id")]


def age(path: Path, hours: float) -> None:
    """Time passes: every backup of ``path`` was made ``hours`` earlier."""
    for backup in list_backups(path):
        then = backup.made_at - hours * 3600
        os.utime(backup.path, (then, then))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corrupt_page(path: Path, object_name: str) -> None:
    """Overwrite the root page of a table or index with garbage, as a failing disk might."""
    assert not Path(f"{path}-wal").exists()  # everything is in the file itself
    with closing(read_only(path)) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        [root] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                              (object_name,)).fetchone()
    with open(path, "r+b") as stream:
        stream.seek((root - 1) * page_size)
        stream.write(b"\xa5" * page_size)


def test_one_backup_a_day_and_the_newest_three_are_kept(db):
    path, conn = db
    assert daily_check(conn, path) is None and list_backups(path) == []  # nothing to keep yet
    add_feed(conn, "https://example.org/1.xml", "One")
    first = daily_check(conn, path)
    assert first is not None and first.reason == "daily"
    assert daily_check(conn, path) is None  # not again the same day
    for day in range(2, 6):
        age(path, 25)
        add_feed(conn, f"https://example.org/{day}.xml", f"Day {day}")
        assert daily_check(conn, path) is not None
    kept = list_backups(path)
    assert [len(titles(b.path)) for b in kept] == [5, 4, 3]  # newest first, each consistent
    with closing(read_only(kept[0].path)) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one whole file
        assert copy.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_a_schema_upgrade_backs_up_the_old_library_first(tmp_path):
    path = tmp_path / "library.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as old:
        for script in MIGRATIONS[:-1]:
            old.executescript(script)
        old.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
        old.execute("INSERT INTO feeds (url, title, added_at) "
                    "VALUES ('https://example.org/f.xml', 'Kept', 1)")
    connect(path).close()
    [backup] = list_backups(path)
    assert backup.reason == f"before schema {len(MIGRATIONS)}"
    with closing(read_only(backup.path)) as copy:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) - 1
    assert titles(backup.path) == ["Kept"]
    with closing(read_only(path)) as upgraded:
        assert upgraded.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_library_sqlite_finds_damaged_is_never_written_and_restore_brings_it_back(
        server, tmp_path):
    database = tmp_path / "library.sqlite3"
    url = server.add("/alpha.xml", rss(show("Alpha", 3)), "application/rss+xml")
    podterm("add", url, data_dir=tmp_path)
    podterm("refresh", data_dir=tmp_path)  # the day's first write to a library with feeds
    [backup] = list_backups(database)
    corrupt_page(database, "episodes")
    damaged = digest(database)

    one_line_error(podterm("episodes", data_dir=tmp_path, check=False),
                   "is damaged", "malformed", "podterm will not change it")
    refused = one_line_error(podterm("refresh", data_dir=tmp_path, check=False), "is damaged")
    assert f"The newest backup is from" in refused and str(backup.path) in refused
    assert "`podterm restore`" in refused
    one_line_error(podterm("add", url + "?2", data_dir=tmp_path, check=False), "is damaged")
    assert digest(database) == damaged

    listing = podterm("restore", data_dir=tmp_path).stdout
    assert "damaged" in listing and "1 feed, 3 episodes" in listing
    one_line_error(podterm("restore", "2", data_dir=tmp_path, check=False), "no backup 2")
    restored = podterm("restore", "1", data_dir=tmp_path).stdout
    [aside] = tmp_path.glob("library.sqlite3.replaced-*")
    assert f"kept as {aside}" in restored.replace("\n", "")
    assert digest(aside) == damaged  # the damaged file is kept, never destroyed
    assert len(json.loads(podterm("episodes", "--json", data_dir=tmp_path).stdout)) == 3
    assert podterm("refresh", data_dir=tmp_path).returncode == 0  # writable again


def test_the_daily_check_finds_damage_and_keeps_the_good_backup(server, tmp_path):
    database = tmp_path / "library.sqlite3"
    url = server.add("/alpha.xml", rss(show("Alpha", 3)), "application/rss+xml")
    podterm("add", url, data_dir=tmp_path)
    podterm("refresh", data_dir=tmp_path)
    good = list_backups(database)
    corrupt_page(database, "episodes_by_feed_date")  # an index: plain reads may not notice
    damaged = digest(database)
    age(database, 25)

    refused = one_line_error(podterm("refresh", data_dir=tmp_path, check=False), "is damaged")
    assert "podterm restore" in refused
    assert digest(database) == damaged
    assert [b.path for b in list_backups(database)] == [b.path for b in good]


def test_restore_waits_until_no_other_podterm_has_the_library_open(server, tmp_path):
    database = tmp_path / "library.sqlite3"
    url = server.add("/alpha.xml", rss(show("Alpha", 3)), "application/rss+xml")
    podterm("add", url, data_dir=tmp_path)
    podterm("refresh", data_dir=tmp_path)
    other = connect(database)  # e.g. the player, still running
    add_feed(other, "https://example.org/later.xml", "Later")
    one_line_error(podterm("restore", "1", data_dir=tmp_path, check=False),
                   "another podterm has the library open")
    assert titles(database) == ["Alpha", "Later"]
    other.close()
    podterm("restore", "1", data_dir=tmp_path)
    assert titles(database) == ["Alpha"]
    [aside] = tmp_path.glob("library.sqlite3.replaced-*")
    assert titles(aside) == ["Alpha", "Later"]
