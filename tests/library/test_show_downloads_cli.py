"""A show's own auto-download count from the command line: `podterm settings FEED
--auto-download N|default`, and `podterm refresh` downloading each show's newest episodes
by it (the real downloader against the loopback server, files checked on disk)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.downloads.conftest import audio
from tests.feedgen import BASE_TIME, Channel, Item, rss
from tests.library.test_listening_cli import as_json, failure, podterm  # noqa: F401 (fixture)

DAY = 86_400


def serve_show(server, title: str, count: int) -> tuple[str, dict[str, bytes]]:
    """A show of ``count`` daily episodes with real (ID3-headed) audio; returns its feed
    URL and each episode's bytes by title."""
    bodies = {f"{title} {n}": audio(20_000 + n, seed=sum(title.encode()) + n)
              for n in range(1, count + 1)}
    items = [Item(name, guid=name, enclosure=server.add(f"/{title}/{n}.mp3", body, "audio/mpeg"),
                  published=BASE_TIME + n * DAY)
             for n, (name, body) in enumerate(bodies.items(), start=1)]
    feed = server.add(f"/{title}.xml", rss(Channel(title, items[::-1])), "application/rss+xml")
    return feed, bodies


def write_config(data_dir: Path, auto_newest: int) -> None:
    (data_dir.parent / "config.toml").write_text(f"[downloads]\nauto_newest = {auto_newest}\n")


def test_settings_show_set_and_refuse_the_auto_download_count(server, podterm, data_dir):
    feed, _ = serve_show(server, "Dl", 1)
    podterm("add", feed)
    write_config(data_dir, 2)

    shown = podterm("settings", "dl").stdout
    assert "auto-download" in shown and "default (newest 2)" in shown

    changed = as_json(podterm, "settings", "dl", "--auto-download", "3")
    assert (changed["effective"]["auto_download_newest"], changed["overrides"][
        "auto_download_newest"], changed["defaults"]["auto_download_newest"]) == (3, 3, 2)
    shown = podterm("settings", "dl").stdout
    assert "newest 3" in shown and "default (newest" not in shown

    for value in ("101", "-1"):   # one bad value: the other changes are not stored either
        assert ("auto-download newest must be a whole number from 0 to 100 episodes, "
                f"not {value}") in failure(podterm, "settings", "dl", "--speed", "1.5",
                                           "--auto-download", value)
    assert "expected a whole number or default, not 'all'" in failure(
        podterm, "settings", "dl", "--auto-download", "all", code=2)
    kept = as_json(podterm, "settings", "dl")
    assert kept["overrides"]["auto_download_newest"] == 3 and kept["overrides"]["speed"] is None

    none = as_json(podterm, "settings", "dl", "--auto-download", "0")
    assert none["effective"]["auto_download_newest"] == 0
    assert "auto-download   none" in podterm("settings", "dl").stdout
    reset = as_json(podterm, "settings", "dl", "--auto-download", "default")
    assert (reset["overrides"]["auto_download_newest"],
            reset["effective"]["auto_download_newest"]) == (None, 2)


def test_refresh_downloads_each_shows_newest_by_its_own_setting(server, podterm, data_dir):
    """auto_newest = 1. Eager sets 2, Never sets 0, Plain has no setting of its own."""
    shows = {title: serve_show(server, title, 3) for title in ("Eager", "Never", "Plain")}
    for feed, _ in shows.values():
        podterm("add", feed)
    write_config(data_dir, 1)
    podterm("settings", "eager", "--auto-download", "2")
    podterm("settings", "never", "--auto-download", "0")
    assert as_json(podterm, "downloads") == []

    out = podterm("refresh").stdout
    assert "Auto-downloaded 3 of 3 new episodes." in out
    rows = as_json(podterm, "downloads")
    assert sorted((row["title"], row["state"]) for row in rows) == [
        ("Eager 2", "done"), ("Eager 3", "done"), ("Plain 3", "done")]
    bodies = {**shows["Eager"][1], **shows["Plain"][1]}
    for row in rows:   # the whole file, where the library says it is
        assert hashlib.sha256(Path(row["path"]).read_bytes()).digest() == \
            hashlib.sha256(bodies[row["title"]]).digest()

    podterm("settings", "never", "--auto-download", "default")   # now it follows the 1
    podterm("refresh")
    assert sorted(row["title"] for row in as_json(podterm, "downloads")) == [
        "Eager 2", "Eager 3", "Never 3", "Plain 3"]
