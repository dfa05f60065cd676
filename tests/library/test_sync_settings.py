"""The [sync] table: checking it, the password, writing it back."""

from __future__ import annotations

import shlex
import stat
import sys
import tomllib

import pytest

from library.config import load_config
from library.sync.settings import (SyncError, SyncSettings, default_device,
                                   run_password_command, write_sync_table)


def test_the_password_stays_out_of_repr_and_checks_say_what_is_wrong():
    settings = SyncSettings("https://Gpodder.net/", "gpodder", "alice", "hunter2")
    assert "hunter2" not in repr(settings)
    checked = settings.checked()
    assert checked.server == "https://gpodder.net" and checked.device == default_device()
    for broken, message in [
        (SyncSettings(), "podterm sync login"),
        (SyncSettings("file:///etc", "gpodder", "a"), "only http and https"),
        (SyncSettings("https://x.org", "dropbox", "a"), "\"gpodder\" or \"nextcloud\""),
        (SyncSettings("https://x.org", "gpodder", "a", device="my phone"), "device may have"),
    ]:
        with pytest.raises(SyncError, match=message):
            broken.checked()


def test_password_command_first_line_and_failures_without_what_it_printed():
    command = shlex.join([sys.executable, "-c", "print('pw one'); print('second line')"])
    assert run_password_command(command) == "pw one"
    failing = shlex.join([sys.executable, "-c",
                          "import sys; print('leaked?'); sys.exit('no such entry')"])
    with pytest.raises(SyncError) as caught:
        run_password_command(failing)
    assert "status 1: no such entry" in str(caught.value) and "leaked" not in str(caught.value)
    with pytest.raises(SyncError, match="was not found"):
        run_password_command("no-such-program-podterm")
    with pytest.raises(SyncError, match="printed nothing"):
        run_password_command("true")


def test_writing_the_table_keeps_the_rest_of_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# mine\n[refresh]\nconcurrency = 4\n\n[sync]\nserver = \"old\"\n"
                    "username = \"x\"\n\n[keys]\nplay_pause = \"p\"\n")
    write_sync_table(path, {"server": "https://cloud.example.org", "api": "nextcloud",
                            "username": "zoë \"q\"", "password": "", "interval_min": 30})
    text = path.read_text()
    assert text.startswith("# mine\n[refresh]\nconcurrency = 4\n")
    data = tomllib.loads(text)
    assert data["sync"] == {"server": "https://cloud.example.org", "api": "nextcloud",
                            "username": "zoë \"q\"", "password": "", "interval_min": 30}
    assert data["keys"] == {"play_pause": "p"}
    assert load_config(path).warnings == []
    write_sync_table(path, {"server": "https://x.org", "password": "plain"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
