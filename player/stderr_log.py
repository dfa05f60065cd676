"""Keep libVLC and ALSA off the terminal.

Both write straight to file descriptor 2 from C code, bypassing ``sys.stderr``; with no
sound card they printed thousands of lines over the TUI. While the engine runs, fd 2 is
pointed at a log file and restored when it closes. Everything written to fd 2 in that
time lands in the file, Python's own stderr output included. Each start begins a fresh
file and keeps the previous run's as ``<name>.1`` (with no sound card libVLC writes
hundreds of lines per episode; one file for every run would grow without end).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class StderrToFile:
    """Point fd 2 at ``path`` between :meth:`start` and :meth:`stop`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._saved_fd: int | None = None

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self.path.replace(self.path.with_name(self.path.name + ".1"))
        log_fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        sys.stderr.flush()
        self._saved_fd = os.dup(2)
        os.dup2(log_fd, 2)
        os.close(log_fd)

    def stop(self) -> None:
        if self._saved_fd is None:
            return
        sys.stderr.flush()
        os.dup2(self._saved_fd, 2)
        os.close(self._saved_fd)
        self._saved_fd = None
