"""The password written into config.toml is never in a file others may read, not even
for the moment between writing it and changing the file's mode. Seen with strace: every
file `write_sync_table` opens for writing must be created readable by its owner only."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
WRITE = """
import sys
from pathlib import Path
from library.sync.settings import write_sync_table
write_sync_table(Path(sys.argv[1]), {"server": "https://x.org", "password": "hunter2"})
"""


def _opened_for_writing(folder: Path, config: Path, trace: Path) -> list[str]:
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat,creat", "-o", str(trace),
                    sys.executable, "-c", WRITE, str(config)], check=True, cwd=ROOT)
    return [line for line in trace.read_text().splitlines()
            if str(folder) in line and re.search(r"O_WRONLY|O_RDWR|creat\(", line)]


@pytest.mark.parametrize("existing", ["", "[player]\nvolume = 80\n"])
def test_the_password_is_never_in_a_file_others_may_read(tmp_path, existing):
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (setup.sh installs it)")
    folder = tmp_path / "config"
    folder.mkdir()
    config = folder / "config.toml"
    if existing:
        config.write_text(existing)
        config.chmod(0o644)
    opened = _opened_for_writing(folder, config, tmp_path / "trace")
    assert opened, "strace saw no file written"
    for line in opened:
        assert "O_CREAT" in line and line.rstrip().split(", ")[-1].startswith("0600)"), line
        assert "O_TRUNC" not in line, line  # an existing (readable) file was rewritten
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text()
    assert 'password = "hunter2"' in text and text.startswith(existing)
    assert sorted(p.name for p in folder.iterdir()) == ["config.toml"]


def test_without_a_password_the_file_keeps_its_mode(tmp_path):
    from library.sync.settings import write_sync_table
    config = tmp_path / "config.toml"
    config.write_text("[player]\nvolume = 80\n")
    config.chmod(0o640)
    write_sync_table(config, {"server": "https://x.org"})
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert config.read_text().startswith("[player]\nvolume = 80\n")


def test_a_symlinked_config_stays_a_link(tmp_path):
    from library.sync.settings import write_sync_table
    real = tmp_path / "dotfiles" / "podterm.toml"
    real.parent.mkdir()
    real.write_text("[player]\nvolume = 80\n")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    write_sync_table(link, {"server": "https://x.org", "password": "pw"})
    assert link.is_symlink() and 'password = "pw"' in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
