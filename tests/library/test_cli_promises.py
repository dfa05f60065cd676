"""Small promises of the command line: exit codes, confirmation, phrases, config values."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from library.config import ConfigError, load_config
from tests.feedgen import rss, show
from tests.library.test_cli import PODTERM, podterm
from tui.demo.server import Reply


def test_refresh_exits_3_when_a_feed_failed(server, tmp_path):
    good = server.add("/good.xml", rss(show("Good", 1)), "text/xml")
    podterm("add", good, data_dir=tmp_path)
    assert podterm("refresh", data_dir=tmp_path).returncode == 0
    podterm("add", server.url("/gone.xml"), "--no-refresh", data_dir=tmp_path)
    for args in (["refresh"], ["refresh", "--json"]):
        result = podterm(*args, data_dir=tmp_path, check=False)
        assert result.returncode == 3, result.stderr
    assert "1 failed" in podterm("refresh", data_dir=tmp_path, check=False,
                                 env={"COLUMNS": "200"}).stdout


def test_a_feed_asked_to_wait_is_skipped_not_failed(server, tmp_path):
    url = server.route("/busy.xml", lambda req: Reply(429, b"", {"Retry-After": "3600"}))
    podterm("add", url, "--no-refresh", data_dir=tmp_path)
    result = podterm("refresh", data_dir=tmp_path, env={"COLUMNS": "200"})
    assert "1 skipped, 0 failed" in result.stdout and "asked podterm to wait" in result.stdout


# --- remove asks first ----------------------------------------------------------------------

def subscribed(server, tmp_path: Path) -> str:
    podterm("add", server.add("/feed.xml", rss(show("Precious", 2)), "text/xml"),
            data_dir=tmp_path)
    return "precious"


def titles(tmp_path: Path) -> list[str]:
    return [f["title"] for f in json.loads(podterm("feeds", "--json", data_dir=tmp_path).stdout)]


def test_remove_without_a_terminal_needs_yes(server, tmp_path):
    feed = subscribed(server, tmp_path)
    refused = podterm("remove", feed, data_dir=tmp_path, check=False)
    assert refused.returncode == 1 and "add --yes" in refused.stderr
    assert titles(tmp_path) == ["Precious"]
    assert "Removed Precious" in podterm("remove", feed, "--yes", data_dir=tmp_path).stdout
    assert titles(tmp_path) == []


def on_a_terminal(args: list[str], answer: str, data_dir: Path) -> tuple[int, str]:
    """Run podterm with a pseudo-terminal as its stdin, stdout and stderr; type ``answer``."""
    master, slave = os.openpty()
    env = {**os.environ, "PODTERM_DATA_DIR": str(data_dir),
           "PODTERM_CONFIG": str(data_dir / "config.toml")}
    process = subprocess.Popen([PODTERM, *args], stdin=slave, stdout=slave, stderr=slave,
                               env=env)
    os.close(slave)
    os.write(master, answer.encode() + b"\n")
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return process.wait(timeout=60), output.decode(errors="replace")


@pytest.mark.parametrize("answer, kept", [("n", True), ("", True), ("y", False)])
def test_remove_on_a_terminal_asks_first(server, tmp_path, answer, kept):
    feed = subscribed(server, tmp_path)
    code, output = on_a_terminal(["remove", feed], answer, tmp_path)
    assert "Remove Precious and its 2 episodes" in output and "[y/N]" in output
    assert (code, titles(tmp_path)) == ((1, ["Precious"]) if kept else (0, []))


# --- search words -----------------------------------------------------------------------

def test_search_takes_unquoted_words_as_one_phrase(server, tmp_path):
    asked = []

    def apple(req):
        asked.append(parse_qs(urlsplit(req.path).query)["term"][0])
        return Reply(200, json.dumps({"results": [{
            "collectionName": "Tidewater Dispatch", "artistName": "Harbour Radio",
            "feedUrl": "https://example.org/tidewater.xml"}]}).encode(),
            {"Content-Type": "application/json"})

    server.route("/search", apple)
    (tmp_path / "config.toml").write_text(
        f'[directory]\nproviders = ["apple"]\napple_url = "{server.url("")}"\n')
    result = podterm("search", "tidewater", "dispatch", data_dir=tmp_path,
                     env={"COLUMNS": "200"})
    assert asked == ["tidewater dispatch"]
    assert "Tidewater Dispatch" in result.stdout and "'tidewater dispatch'" in result.stdout


# --- config values ----------------------------------------------------------------------

def test_fractional_timeouts_are_numbers(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[refresh]\ntimeout_s = 0.5\n[player]\nopen_timeout_s = 2.5\n")
    config = load_config(path)
    assert config["refresh"]["timeout_s"] == 0.5 and config["player"]["open_timeout_s"] == 2.5
    assert podterm("feeds", data_dir=tmp_path).returncode == 0


@pytest.mark.parametrize("text, message", [
    ("[refresh]\ntimeout_s = 0\n", "[refresh] timeout_s must be more than 0, got 0"),
    ("[refresh]\nmax_feed_mb = 0\n", "[refresh] max_feed_mb must be more than 0, got 0"),
    ("[player]\nopen_timeout_s = 0\n", "[player] open_timeout_s must be more than 0, got 0"),
    ("[refresh]\nconcurrency = 0\n", "[refresh] concurrency must be more than 0, got 0"),
    ("[player]\nvolume = 200\n", "[player] volume must be between 0 and 150, got 200"),
    ("[player]\nrate = 5\n", "[player] rate must be between 0.5 and 3, got 5"),
    ("[player]\nrate = 0.25\n", "[player] rate must be between 0.5 and 3, got 0.25"),
])
def test_zero_limits_and_out_of_range_values_are_refused(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)
    result = podterm("feeds", data_dir=tmp_path, check=False)
    assert result.returncode == 1 and message in result.stderr
