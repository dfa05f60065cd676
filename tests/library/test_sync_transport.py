"""What the sync client sends where, and what it repeats of a server's answer: no
password in clear text across the internet, no terminal escapes from a server."""

from __future__ import annotations

import os

import pytest

from tests.library.test_cli import PODTERM, podterm
from tests.library.test_sync_cli import Terminal
from tests.syncservers import Library
from tui.demo.server import Reply

pytestmark = pytest.mark.filterwarnings("ignore:\\s*on_event is deprecated:DeprecationWarning")

BASE = "/index.php/apps/gpoddersync"
CLEAR_TEXT = "refusing to send your password unencrypted to {host}, a public address: " \
             "use https:// in [sync] server"


def test_a_sync_run_refuses_plain_http_to_a_public_server(tmp_path, public_origin):
    (tmp_path / "config.toml").write_text(
        f'[sync]\nserver = "{public_origin.url("")}"\nusername = "u"\npassword = "pw"\n')
    result = podterm("sync", data_dir=tmp_path, check=False)
    assert result.returncode == 1
    assert CLEAR_TEXT.format(host=public_origin.address) in result.stderr + result.stdout


def test_sync_login_refuses_plain_http_to_a_public_server(tmp_path, public_origin):
    env = {**os.environ, "PODTERM_DATA_DIR": str(tmp_path),
           "PODTERM_CONFIG": str(tmp_path / "config.toml"), "COLUMNS": "300"}
    term = Terminal([PODTERM, "sync", "login"], env)
    term.expect("Which one [1]: ")
    term.type("2")
    term.expect("Server address")
    term.type(public_origin.url(""))
    term.expect("User name: ")
    term.type("u")
    term.expect("password")
    term.type("pw")
    code, shown = term.finish()
    assert code == 1 and CLEAR_TEXT.format(host=public_origin.address) in shown
    assert not (tmp_path / "config.toml").exists()  # nothing saved


def test_plain_http_to_a_server_on_this_machine_is_allowed(tmp_path, server):
    server.route(f"{BASE}/subscriptions",
                 lambda req: Reply(200, b'{"add": [], "remove": [], "timestamp": 5}',
                                   {"Content-Type": "application/json"}))
    server.route(f"{BASE}/episode_action",
                 lambda req: Reply(200, b'{"actions": [], "timestamp": 5}',
                                   {"Content-Type": "application/json"}))
    library = Library(tmp_path / "library.sqlite3", server.url(""), "alice", "pw",
                      api="nextcloud")
    try:
        assert library.sync().errors == []
    finally:
        library.close()


def test_a_redirects_address_is_shown_without_terminal_escapes(tmp_path, server):
    hostile = "http://elsewhere.example/\u009b2J\u202eexe.jpg\u0085next"
    # send_header writes latin-1: hand it the UTF-8 bytes, as a server would send them
    server.route(f"{BASE}/subscriptions", lambda req: Reply(
        302, b"", {"Location": hostile.encode().decode("latin-1")}))
    library = Library(tmp_path / "library.sqlite3", server.url(""), "alice", "pw",
                      api="nextcloud")
    try:
        [error] = library.sync().errors
    finally:
        library.close()
    assert error == (f"the sync server redirects {BASE}/subscriptions to "
                     "http://elsewhere.example/exe.jpgnext; check [sync] server")
