"""``podterm downloads --verify``: do the files on disk match what the library knows?

Three kinds of trouble: a finished download whose file is gone (missing), one whose file
has a different size (truncated, or overwritten), and files in the downloads folder that
look like podterm's downloads (``... [123].mp3``, ``.part`` files too) but belong to no
download the library knows (stray: left by a removed subscription, a crash, a copy).
Other files in the folder are never touched. :func:`fix_downloads` repairs all three.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from library.download_names import OWN_FILE
from library.downloads import Download, list_downloads
from library.store import transaction


@dataclass
class VerifyReport:
    """What `podterm downloads --verify` found wrong with the downloaded files."""

    missing: list[Download] = field(default_factory=list)
    truncated: list[tuple[Download, int]] = field(default_factory=list)  # (download, size)
    stray: list[Path] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return len(self.missing) + len(self.truncated) + len(self.stray)

    def to_json(self) -> dict[str, object]:
        return {"missing": [d.to_json() for d in self.missing],
                "truncated": [{**d.to_json(), "size_on_disk": size}
                              for d, size in self.truncated],
                "stray": [str(path) for path in self.stray]}


def verify_downloads(conn: sqlite3.Connection, downloads_dir: Path) -> VerifyReport:
    report = VerifyReport()
    downloads = list_downloads(conn)
    for download in downloads:
        if download.state != "done":
            continue
        try:
            size = download.file.stat().st_size
        except FileNotFoundError:
            report.missing.append(download)
            continue
        if size != download.bytes:
            report.truncated.append((download, size))
    owned = {os.path.normpath(p) for d in downloads for p in (d.file, d.part)}
    for folder, _dirs, files in os.walk(downloads_dir):
        for name in sorted(files):
            path = os.path.join(folder, name)
            if OWN_FILE.search(name) and os.path.normpath(path) not in owned \
                    and not os.path.islink(path):
                report.stray.append(Path(path))
    return report


def fix_downloads(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """Forget missing files; turn truncated ones back into a ``.part`` to resume (a file
    longer than expected is deleted); delete stray files and folders left empty."""
    for download in report.missing:
        with transaction(conn):
            conn.execute("DELETE FROM downloads WHERE episode_id = ?", (download.episode_id,))
    for download, size in report.truncated:
        if size < download.bytes:
            os.replace(download.file, download.part)
            kept = size
        else:
            download.file.unlink(missing_ok=True)
            kept = 0
        with transaction(conn):
            conn.execute("UPDATE downloads SET state = 'failed', bytes = ?, error = ? "
                         "WHERE episode_id = ?",
                         (kept, f"the file was cut short ({size} of {download.bytes} bytes); "
                                "download it again to resume" if kept else
                                "the file had changed on disk; download it again",
                          download.episode_id))
    for path in report.stray:
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:
            pass
