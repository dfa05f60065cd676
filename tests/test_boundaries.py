"""The one-way import rule: tui -> player, tui -> library; never the other way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("package, forbidden", [
    ("library", ["textual", "tui", "player"]),
    ("library.cli.app", ["textual", "tui", "player"]),
    ("library.refresh", ["textual", "tui", "player"]),
    ("player", ["textual", "tui", "library"]),
])
def test_lower_packages_never_import_the_ui_or_each_other(package, forbidden):
    code = (f"import sys, importlib, pkgutil, {package.split('.')[0]} as top\n"
            f"importlib.import_module({package!r})\n"
            "for info in pkgutil.walk_packages(top.__path__, top.__name__ + '.'):\n"
            "    importlib.import_module(info.name)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def run_command_listing_modules(tmp_path, feed_url: str, argv: list[str],
                                heavy: tuple[str, ...]) -> subprocess.CompletedProcess:
    """Run ``podterm ARGV`` in a fresh interpreter on a library of one feed; its last line
    of output lists the ``heavy`` modules the command loaded ("LOADED [...]")."""
    from library.feeds import add_feed
    from library.store import connect

    conn = connect(tmp_path / "data" / "library.sqlite3")
    add_feed(conn, feed_url, "A show")
    conn.close()
    code = ("import sys\nfrom tui.main import main\n"
            "try:\n"
            f"    main({argv!r})\n"
            "except SystemExit:\n"
            "    pass\n"
            f"print('LOADED', sorted(m for m in sys.modules if m.startswith({heavy!r})))")
    env = {"PODTERM_DATA_DIR": str(tmp_path / "data"),
           "PODTERM_CONFIG": str(tmp_path / "config.toml"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("argv", [["--help"], ["feeds"], ["feeds", "--json"],
                                  ["episodes", "--json"]])
def test_listing_commands_start_without_the_ui_the_http_client_or_the_feed_parser(
        argv, tmp_path):
    """`podterm feeds` and `--help` must start in a blink: none of the heavy parts."""
    heavy = ("textual", "httpx", "httpcore", "feedparser", "tui.app", "player", "vlc")
    result = run_command_listing_modules(tmp_path, "https://example.org/feed.xml", argv, heavy)
    assert result.stdout.splitlines()[-1] == "LOADED []"
    assert "A show" in result.stdout or "--help" in argv or "episodes" in argv


def test_help_lists_every_command_without_loading_the_library(tmp_path):
    """`podterm --help` needs only the command line's grammar: no database, no models."""
    heavy = ("sqlite3", "library.store", "library.models", "library.feeds", "library.cli.commands",
             "library.cli.output", "platformdirs", "rich")
    result = run_command_listing_modules(tmp_path, "https://example.org/feed.xml", ["--help"],
                                         heavy)
    assert result.stdout.splitlines()[-1] == "LOADED []"
    assert "downloads" in result.stdout and "subscribe to a feed by its URL" in result.stdout


def test_a_command_loads_no_other_commands_modules(tmp_path):
    """`podterm feeds` imports neither the queue's, the downloads', the sync's nor the
    health commands' modules, nor what they need; nor the HTML parser (titles are
    stored plain); nor dataclasses, whose import and code generation were a quarter of
    its start (library.record)."""
    heavy = ("library.cli.download_commands", "library.cli.sync_commands",
             "library.cli.listening_commands", "library.cli.health_commands",
             "library.cli.storage_commands", "library.downloads", "library.upnext",
             "library.inbox", "library.sync", "library.htmltext", "html", "getpass", "rich",
             "dataclasses", "inspect")
    result = run_command_listing_modules(tmp_path, "https://example.org/feed.xml", ["feeds"],
                                         heavy)
    assert "A show" in result.stdout
    assert result.stdout.splitlines()[-1] == "LOADED []"


def test_refresh_fetches_without_the_ui_or_httpx(server, tmp_path):
    """`podterm refresh` fetches feeds with library/http11.py: httpx and its stack (~80 ms
    to import, and more per request) stay out, and so does the UI."""
    from tests.feedgen import rss, show

    url = server.add("/feed.xml", rss(show("Imports", 2)), "application/rss+xml")
    heavy = ("textual", "httpx", "httpcore", "h11", "anyio", "sniffio", "tui.app", "player",
             "vlc")
    result = run_command_listing_modules(tmp_path, url, ["refresh", "--json"], heavy)
    assert '"new_episodes": 2' in result.stdout
    assert result.stdout.splitlines()[-1] == "LOADED []"


def test_player_and_library_agree_on_the_private_network():
    """player/ and library/ each keep the list (they never import each other)."""
    from library import netpolicy as library_rule
    from player import netpolicy as player_rule

    assert player_rule.PRIVATE_NETWORKS == library_rule.PRIVATE_NETWORKS
    for address in ("127.0.0.1", "10.1.2.3", "172.31.0.1", "192.168.1.1", "169.254.169.254",
                    "::1", "fd00::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1"):
        assert library_rule.is_private_address(address), address
        assert player_rule.is_private_address(address), address
    for address in ("203.0.113.2", "8.8.8.8", "172.32.0.1", "2001:db8::1", "not an address"):
        assert not library_rule.is_private_address(address), address
        assert not player_rule.is_private_address(address), address


def test_player_and_library_judge_media_by_the_same_rule():
    """player/mediasniff.py and library/mediasniff.py are one rule kept twice."""
    root = Path(__file__).resolve().parent.parent
    assert (root / "player" / "mediasniff.py").read_text() == \
        (root / "library" / "mediasniff.py").read_text()
