"""Real file systems that fail: a small tmpfs the test mounts, made read-only or full.

Tests run as root, where file modes do not stop writes, so a read-only mount or a full
disk is the honest way to make writing fail. Mounting needs root (or CAP_SYS_ADMIN);
where it is impossible the test is skipped, saying so.
"""

from __future__ import annotations

import errno
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


@contextmanager
def small_tmpfs(where: Path, size: str = "16m") -> Iterator[Path]:
    """A fresh tmpfs of ``size`` mounted at ``where`` for the duration."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        # Lazy: a process the test started may still hold a file open for a moment.
        subprocess.run(["umount", "-l", str(where)], check=True)


def remount(where: Path, mode: str) -> None:
    """Make the mount at ``where`` read-only ('ro') or writable again ('rw')."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


def fill(where: Path, leave_bytes: int = 0) -> Path:
    """Fill the file system at ``where`` to the last block, then free ``leave_bytes``
    (rounded to blocks) by truncating the filler. Returns the filler file."""
    filler = where / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as stream:
        try:
            while True:
                stream.write(chunk)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
        # A partly written chunk may leave a few bytes: fill those too.
        try:
            while True:
                stream.write(b"\0" * 512)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    if leave_bytes:
        size = filler.stat().st_size
        with open(filler, "r+b") as stream:
            stream.truncate(max(0, size - leave_bytes))
    return filler
