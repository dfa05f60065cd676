"""`podterm sync` and `podterm sync login`, run as a user runs them (the console script,
a real gpodder server, a pseudo-terminal for the questions)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shlex
import subprocess
import sys
import termios
import time
import tomllib
from pathlib import Path

import pytest

from library.feeds import remove_feed
from library.sync.client import open_api
from library.sync.settings import SyncSettings
from tests.feedgen import rss, show
from tests.library.test_cli import PODTERM, podterm
from tests.syncservers import GpodderServer, Library, Phone

pytestmark = pytest.mark.filterwarnings("ignore:\\s*on_event is deprecated:DeprecationWarning")

SECRET = "s3cret-Pa55"


@pytest.fixture(scope="module")
def gpodder(tmp_path_factory):
    with GpodderServer(tmp_path_factory.mktemp("gpodder") / "server.sqlite3") as running:
        yield running


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory) -> Path:
    """Where the password command finds the password (as `pass` would)."""
    path = tmp_path_factory.mktemp("secrets") / "podterm"
    path.write_text(SECRET + "\n")
    return path


def password_command(secret_file: Path) -> str:
    return shlex.join(["cat", str(secret_file)])


def configure(data_dir: Path, gpodder: GpodderServer, user: str, device: str,
              secret_file: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.toml").write_text(
        f'[sync]\nserver = "{gpodder.url}"\nusername = "{user}"\n'
        f"password_command = {json.dumps(password_command(secret_file))}\ndevice = \"{device}\"\n")


def everything_written(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file()
                    and p.name != "config.toml")


def test_sync_json_shape_and_the_password_never_shows(gpodder, server, tmp_path, secret_file):
    gpodder.register("cli1", SECRET)
    feed = server.add("/cli.xml", rss(show("Cli", 2)), "application/rss+xml")
    phone = Phone(gpodder.url, "cli1", SECRET)
    phone.subscribe(add=[feed])
    data = tmp_path / "laptop"
    configure(data, gpodder, "cli1", "podterm-cli", secret_file)
    podterm("episodes", data_dir=data)  # creates the library, registers nothing yet
    result = podterm("sync", "--json", data_dir=data)
    report = json.loads(result.stdout)
    assert report == {"subscriptions": {"added": 0, "removed": 0, "uploaded": 0},
                      "episodes": {"uploaded": 0, "applied": 0, "pending": 0}, "errors": []}
    # The phone's device is not linked yet: link it as `sync login` would, then sync.
    with open_api(SyncSettings(gpodder.url, "gpodder", "cli1", SECRET, "", "podterm-cli")
                  .checked()) as api:
        api.link(["antennapod-phone"])
    report = json.loads(podterm("sync", "--json", data_dir=data).stdout)
    assert report["subscriptions"]["added"] == 1 and report["errors"] == []
    episodes = json.loads(podterm("episodes", "--json", data_dir=data).stdout)
    assert len(episodes) == 2  # the new feed was fetched
    human = podterm("sync", data_dir=data, env={"COLUMNS": "200"})
    assert "Subscriptions: 0 added" in human.stdout
    for output in (result.stdout, result.stderr, human.stdout, human.stderr):
        assert SECRET not in output
    assert SECRET.encode() not in everything_written(data)


def test_removals_wait_without_a_terminal_and_go_with_yes(gpodder, server, tmp_path,
                                                         secret_file):
    gpodder.register("cli2", SECRET)
    feed = server.add("/gone.xml", rss(show("Gone", 1)), "application/rss+xml")
    data = tmp_path / "laptop"
    configure(data, gpodder, "cli2", "podterm-cli", secret_file)
    podterm("add", feed, data_dir=data)
    podterm("sync", data_dir=data)
    desk = Library(tmp_path / "desk.sqlite3", gpodder.url, "cli2", SECRET, "podterm-desk")
    with open_api(desk.settings.checked()) as api:
        api.start()
        api.link(["podterm-cli"])
    assert desk.sync().errors == []
    remove_feed(desk.conn, desk.episode("Gone-0").feed_id)
    assert desk.sync().errors == []
    desk.close()
    held = podterm("sync", "--json", data_dir=data)
    [message] = json.loads(held.stdout)["errors"]
    assert "Gone was unsubscribed on another device" in message and "--yes" in message
    assert "Gone was unsubscribed" in held.stderr
    assert len(json.loads(podterm("feeds", "--json", data_dir=data).stdout)) == 1
    gone = json.loads(podterm("sync", "--json", "--yes", data_dir=data).stdout)
    assert gone["subscriptions"]["removed"] == 1 and gone["errors"] == []
    assert json.loads(podterm("feeds", "--json", data_dir=data).stdout) == []


def test_sync_without_setup_or_with_a_broken_password_command(tmp_path):
    result = podterm("sync", data_dir=tmp_path, check=False)
    assert result.returncode == 1 and "podterm sync login" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "config.toml").write_text(
        '[sync]\nserver = "http://127.0.0.1:9"\nusername = "u"\n'
        'password_command = "false"\n')
    broken = podterm("sync", "--json", data_dir=tmp_path, check=False)
    assert broken.returncode == 1
    assert "password_command exited with status 1" in json.loads(broken.stdout)["errors"][0]
    login = podterm("sync", "login", data_dir=tmp_path, check=False)
    assert login.returncode == 1 and "terminal" in login.stderr


class Terminal:
    """A command on a pseudo-terminal: wait for what it prints, type answers."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.seen = ""
        self.transcript = ""

    def expect(self, text: str, within_s: float = 60) -> None:
        deadline = time.monotonic() + within_s
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"waited for {text!r}; the terminal shows:\n{self.seen}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"ended before {text!r}:\n{self.seen}"
                self.seen += chunk.decode(errors="replace")
                self.transcript += chunk.decode(errors="replace")
        self.seen = self.seen[self.seen.index(text) + len(text):]

    def type(self, answer: str) -> None:
        os.write(self.master, answer.encode() + b"\r")

    def finish(self) -> tuple[int, str]:
        rest = b""
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            rest += chunk
        code = self.proc.wait(timeout=60)
        os.close(self.master)
        self.transcript += rest.decode(errors="replace")
        return code, self.transcript


def test_login_asks_checks_links_and_stores_no_plain_password(gpodder, tmp_path, secret_file):
    gpodder.register("cli3", SECRET)
    Phone(gpodder.url, "cli3", SECRET)  # the account already has a phone
    data = tmp_path / "laptop"
    env = {**os.environ, "PODTERM_DATA_DIR": str(data),
           "PODTERM_CONFIG": str(data / "config.toml"), "COLUMNS": "200"}
    term = Terminal([PODTERM, "sync", "login"], env)
    term.expect("Which one [1]: ")
    term.type("")
    term.expect("Server address [https://gpodder.net]: ")
    term.type(gpodder.url)
    term.expect("User name: ")
    term.type("cli3")
    term.expect("Password: ")
    term.type(SECRET)
    term.expect("id on the server [podterm-")
    term.type("podterm-login")
    term.expect("(y/n) [y]: ")
    term.type("y")
    term.expect("Choose [1]: ")
    term.type("1")
    term.expect("Command: ")
    term.type(shlex.join([sys.executable, "-c", "print('not it')"]))
    term.expect("something else than the password")
    term.expect("Choose [1]: ")
    term.type("1")
    term.expect("Command: ")
    term.type(password_command(secret_file))
    code, shown = term.finish()
    assert code == 0, shown
    assert SECRET not in shown and "Saved the [sync] table" in shown
    config = (data / "config.toml").read_text()
    assert SECRET not in config
    table = tomllib.loads(config)["sync"]
    assert table["password_command"] == password_command(secret_file) and table["password"] == ""
    assert table["device"] == "podterm-login" and table["server"] == gpodder.url
    phone_linked = Phone(gpodder.url, "cli3", SECRET)
    status = phone_linked.http.get("/api/2/sync-devices/cli3.json").json()
    assert ["antennapod-phone", "podterm-login"] in status["synchronized"]
    report = json.loads(podterm("sync", "--json", data_dir=data).stdout)
    assert report["errors"] == []


def test_sync_in_a_terminal_asks_the_password_and_about_removals(gpodder, server, tmp_path):
    gpodder.register("cli4", SECRET)
    feeds = {t: server.add(f"/{t}.xml", rss(show(t, 1)), "application/rss+xml")
             for t in ("Stays", "Leaves")}
    data = tmp_path / "laptop"
    data.mkdir()
    (data / "config.toml").write_text(  # no password stored: asked each time
        f'[sync]\nserver = "{gpodder.url}"\nusername = "cli4"\ndevice = "podterm-term"\n')
    for url in feeds.values():
        podterm("add", url, data_dir=data)
    env = {**os.environ, "PODTERM_DATA_DIR": str(data),
           "PODTERM_CONFIG": str(data / "config.toml"), "COLUMNS": "200"}

    def sync_in_terminal(*answers: tuple[str, str]) -> str:
        term = Terminal([PODTERM, "sync"], env)
        term.expect(f"Password for cli4 at {gpodder.url}: ")
        term.type(SECRET)
        for prompt, answer in answers:
            term.expect(prompt)
            term.type(answer)
        code, shown = term.finish()
        assert code == 0, shown
        return shown

    sync_in_terminal()
    desk = Library(tmp_path / "desk.sqlite3", gpodder.url, "cli4", SECRET, "podterm-desk")
    with open_api(desk.settings.checked()) as api:
        api.start()
        api.link(["podterm-term"])
    assert desk.sync().errors == []
    for title in ("Stays", "Leaves"):
        remove_feed(desk.conn, desk.episode(f"{title}-0").feed_id)
    assert desk.sync().errors == []
    desk.close()
    shown = sync_in_terminal(("[s]kip for now? [s] ", "k"), ("[s]kip for now? [s] ", "r"))
    asked = [line.split(" was unsubscribed")[0].strip() for line in shown.splitlines()
             if "was unsubscribed on another device" in line]
    assert sorted(asked) == ["Leaves", "Stays"]
    assert "forgets its 1 episode (0 played, 0 in progress)" in shown
    titles = [f["title"] for f in json.loads(podterm("feeds", "--json", data_dir=data).stdout)]
    assert titles == [asked[0]]  # the first kept, the second removed
    assert SECRET not in shown
