"""The ``podterm`` command line, run as a user runs it: the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.feedgen import Channel, Item, rss, show

PODTERM = shutil.which("podterm", path=str(Path(sys.executable).parent)) or "podterm"


def podterm(*args: str, data_dir: Path, check: bool = True, env: dict | None = None):
    environment = {**os.environ, "PODTERM_DATA_DIR": str(data_dir),
                   "PODTERM_CONFIG": str(data_dir / "config.toml"), **(env or {})}
    result = subprocess.run([PODTERM, *args], capture_output=True, text=True,
                            env=environment, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def opml(*outlines: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8'?><opml version='2.0'><head/><body>"
            + "".join(outlines) + "</body></opml>").encode()


def test_import_refresh_feeds_episodes_export_remove(server, tmp_path):
    a = server.add("/a.xml", rss(show("Nonlinear Thoughts", 3)), "application/rss+xml")
    b = server.add("/b.xml", rss(show("Other Show", 2)), "application/rss+xml")
    subs = tmp_path / "subs.opml"
    subs.write_bytes(opml(f'<outline text="Tech"><outline type="rss" text="NT" xmlUrl="{a}"/>'
                          f"</outline>", f'<outline type="rss" text="Other" xmlUrl="{b}"/>'))
    report = json.loads(podterm("import", str(subs), "--json", data_dir=tmp_path).stdout)
    assert report["added"] == 2 and {o["outcome"] for o in report["refresh"]} == {"updated"}

    feeds = json.loads(podterm("feeds", "--json", data_dir=tmp_path).stdout)
    by_title = {f["title"]: f for f in feeds}
    nonlinear = by_title["Nonlinear Thoughts"]
    assert nonlinear["episode_count"] == 3 and nonlinear["status"] == "active"
    assert nonlinear["total_duration_s"] > 0 and nonlinear["last_success_at"].startswith("20")
    assert nonlinear["last_error"] is None and nonlinear["url"] == a

    episodes = json.loads(podterm("episodes", "nonlinear", "--json", data_dir=tmp_path).stdout)
    assert [e["title"] for e in episodes] == [f"Nonlinear Thoughts #{n}: a conversation about "
                                              "things" for n in (2, 1, 0)]
    first = episodes[0]
    assert first["duration"] == "23:14" and first["duration_s"] == 1394
    assert first["published_at"].startswith("2023-11-16") and first["played"] is False
    assert set(first) >= {"id", "guid", "enclosure_url", "position_s"}

    human = podterm("episodes", "nonlinear", data_dir=tmp_path).stdout
    assert "23:14" in human and "Nonlinear Thoughts #2" in human

    exported = podterm("export", data_dir=tmp_path).stdout
    assert f'xmlUrl="{a}"' in exported and '<outline text="Tech">' in exported

    removed = podterm("remove", "other", "--yes", data_dir=tmp_path)
    assert "Removed Other Show" in removed.stdout
    feeds = json.loads(podterm("feeds", "--json", data_dir=tmp_path).stdout)
    assert [f["title"] for f in feeds] == ["Nonlinear Thoughts"]

    # What export wrote comes back through our own import as the same subscriptions.
    backup = tmp_path / "backup.opml"
    backup.write_text(exported)
    again = json.loads(podterm("import", str(backup), "--json", "--no-refresh",
                               data_dir=tmp_path / "fresh").stdout)
    assert again["added"] == 2 and {e["url"] for e in again["entries"]} == {a, b}


def test_import_reports_every_entry(server, tmp_path):
    good = server.add("/good.xml", rss(show("Good", 1)), "text/xml")
    subs = tmp_path / "subs.opml"
    subs.write_bytes(opml(
        f'<outline type="rss" text="Good" xmlUrl="{good}"/>',
        f'<outline type="rss" text="Good again" xmlUrl="{good}/"/>',
        '<outline type="rss" text="Local" xmlUrl="file:///etc/passwd"/>',
        '<outline text="Site only" htmlUrl="https://example.org"/>'))
    report = json.loads(podterm("import", str(subs), "--json", "--no-refresh",
                                data_dir=tmp_path).stdout)
    assert (report["added"], report["skipped"]) == (1, 3)
    reasons = " ".join(e["reason"] for e in report["entries"])
    assert "duplicate" in reasons and "http" in reasons
    again = json.loads(podterm("import", str(subs), "--json", "--no-refresh",
                               data_dir=tmp_path).stdout)
    assert again["already_subscribed"] == 1 and again["added"] == 0


def test_feed_lookup_by_id_url_and_title_with_clear_errors(server, tmp_path):
    for title in ("Daily News", "Weekly News", "Science Hour"):
        url = server.add(f"/{title[:3]}.xml", rss(show(title, 1)), "text/xml")
        podterm("add", url, data_dir=tmp_path)
    ambiguous = podterm("episodes", "news", data_dir=tmp_path, check=False)
    assert ambiguous.returncode != 0
    assert "Daily News" in ambiguous.stderr and "Weekly News" in ambiguous.stderr
    assert len(ambiguous.stderr.strip().splitlines()) == 1
    missing = podterm("remove", "nothing like it", data_dir=tmp_path, check=False)
    assert missing.returncode != 0 and "no feed matches" in missing.stderr
    by_url = json.loads(podterm("episodes", server.url("/Sci.xml"), "--json",
                                data_dir=tmp_path).stdout)
    assert by_url[0]["title"].startswith("Science Hour")
    by_id = json.loads(podterm("episodes", "1", "--json", data_dir=tmp_path).stdout)
    assert by_id[0]["title"].startswith("Daily News")


def test_refresh_json_lists_each_outcome_and_failures_do_not_stop_others(server, tmp_path):
    good = server.add("/good.xml", rss(show("Good", 2)), "text/xml")
    podterm("add", good, "--no-refresh", data_dir=tmp_path)
    podterm("add", server.url("/missing.xml"), "--no-refresh", data_dir=tmp_path)
    result = podterm("refresh", "--json", data_dir=tmp_path, check=False)
    assert result.returncode == 3  # some feeds failed
    outcomes = {o["url"]: o for o in json.loads(result.stdout)}
    assert outcomes[good]["outcome"] == "updated" and outcomes[good]["new_episodes"] == 2
    assert outcomes[server.url("/missing.xml")]["error"] == "HTTP 404 Not Found"
    assert result.stderr == ""


def test_refused_urls_and_bad_files_exit_non_zero_with_one_line(tmp_path):
    for args in (["add", "file:///etc/passwd"], ["add", "/etc/passwd"],
                 ["add", "javascript:alert(1)"], ["import", str(tmp_path / "none.opml")]):
        result = podterm(*args, data_dir=tmp_path, check=False)
        assert result.returncode != 0 and result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "only http and https" in podterm("add", "file:///etc/passwd", data_dir=tmp_path,
                                            check=False).stderr


def test_feed_text_is_never_markup_or_terminal_escapes(server, tmp_path):
    channel = Channel("[bold red]x[/] \x1b[2J\x1b]0;pwned\x07Show",
                      [Item("[@click=app.quit]click\x1b[31m", guid="1")])
    url = server.add("/feed.xml", rss(channel), "text/xml")
    podterm("add", url, data_dir=tmp_path)
    listing = podterm("feeds", data_dir=tmp_path, env={"COLUMNS": "200"}).stdout
    assert "[bold red]x[/]" in listing and "\x1b" not in listing
    episodes = podterm("episodes", data_dir=tmp_path, env={"COLUMNS": "200"}).stdout
    assert "[@click=app.quit]click" in episodes and "\x1b" not in episodes


def test_listings_fit_the_terminal_and_line_up(server, tmp_path):
    """Each subscription and episode is one line no wider than the terminal: long titles
    are cut with "…", wide characters count double, the counts line up on the right."""
    long_title = "A Very Long Show Title That Goes On " * 4
    for url in (server.add("/long.xml", rss(show(long_title, 2)), "text/xml"),
                server.add("/wide.xml", rss(show("東京ポッドキャスト", 3)), "text/xml")):
        podterm("add", url, data_dir=tmp_path)
    from library.cli.columns import cells_wide

    listing = podterm("feeds", data_dir=tmp_path, env={"COLUMNS": "70"}).stdout.splitlines()
    title, header, rows = listing[0], listing[1], listing[2:]
    assert title == "2 subscriptions" and len(rows) == 2
    assert all(cells_wide(line) <= 70 for line in listing)
    assert any("A Very Long Show" in row and "…" in row for row in rows)
    assert any("東京ポッドキャスト" in row for row in rows)
    status_column = cells_wide(header[: header.index("status")])
    assert [cells_wide(row[: row.rindex("ok")]) for row in rows] == [status_column] * 2
    whole = podterm("feeds", data_dir=tmp_path, env={"COLUMNS": ""}).stdout  # a pipe: whole
    assert long_title.strip() in whole
    episodes = podterm("episodes", data_dir=tmp_path, env={"COLUMNS": "70"}).stdout
    assert len(episodes.splitlines()) == 2 + 5
    assert all(cells_wide(line) <= 70 for line in episodes.splitlines())


def test_help_on_every_command(tmp_path):
    for command in ("import", "add", "refresh", "feeds", "episodes", "export", "remove"):
        result = podterm(command, "--help", data_dir=tmp_path)
        assert "usage: podterm " + command in result.stdout
    assert "--data-dir" in podterm("--help", data_dir=tmp_path).stdout


def test_data_dir_option_and_environment(server, tmp_path):
    url = server.add("/feed.xml", rss(show("Where", 1)), "text/xml")
    podterm("--data-dir", str(tmp_path / "elsewhere"), "add", url, data_dir=tmp_path)
    assert (tmp_path / "elsewhere" / "library.sqlite3").exists()
    assert not (tmp_path / "library.sqlite3").exists()
    in_env = json.loads(podterm("feeds", "--json", "--data-dir", str(tmp_path / "elsewhere"),
                                data_dir=tmp_path).stdout)
    assert in_env[0]["title"] == "Where"


def test_config_errors_name_the_line_and_unknown_keys_are_reported(server, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[refresh]\nconcurrency = 4\nper_host = = 2\n")
    broken = podterm("feeds", data_dir=tmp_path, check=False)
    assert broken.returncode != 0 and "line 3" in broken.stderr
    assert "Traceback" not in broken.stderr
    config.write_text("[refresh]\nconcurency = 4\n[sound]\nx = 1\n")
    warned = podterm("feeds", data_dir=tmp_path)
    assert "unknown key 'concurency' in [refresh]" in warned.stderr
    assert "unknown table [sound]" in warned.stderr
    config.write_text("[refresh]\ntimeout_s = \"soon\"\n")
    wrong = podterm("feeds", data_dir=tmp_path, check=False)
    assert wrong.returncode != 0 and "timeout_s must be a number" in wrong.stderr


@pytest.mark.parametrize("command", ["feeds", "episodes"])
def test_json_output_is_one_document_even_when_empty(tmp_path, command):
    assert json.loads(podterm(command, "--json", data_dir=tmp_path).stdout) == []
