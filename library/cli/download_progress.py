"""The ``download`` command's progress display: one bar per episode and one for all of
them, with size, speed and time left (rich). Nothing is drawn when disabled (--json, or
not a terminal). Updates arrive on the downloader's thread; rich's Progress is
thread-safe.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (BarColumn, DownloadColumn, Progress, TaskID, TextColumn,
                           TimeRemainingColumn, TransferSpeedColumn)

from library.downloader import DownloadStatus

TITLE_WIDTH = 40


class DownloadProgress:
    """``with DownloadProgress(console, ids, enabled) as bar: ... bar.update(status)``"""

    def __init__(self, console: Console, episode_ids: list[int], enabled: bool) -> None:
        self._enabled = enabled and bool(episode_ids)
        self._ids = episode_ids
        self._tasks: dict[int, TaskID] = {}
        self._sizes: dict[int, tuple[int, int | None]] = {}
        self._progress = Progress(
            TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(),
            TransferSpeedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[note]}",
                                                                     markup=False),
            console=console, transient=True, disable=not self._enabled)

    def __enter__(self) -> "DownloadProgress":
        if self._enabled:
            self._progress.start()
            self._all = self._progress.add_task(f"All {len(self._ids)} episodes", total=None,
                                                note="")
            for episode_id in self._ids:
                self._tasks[episode_id] = self._progress.add_task(
                    f"  episode {episode_id}", total=None, note="queued")
        return self

    def __exit__(self, *exc: Any) -> None:
        self._progress.stop()

    def update(self, status: DownloadStatus) -> None:
        task = self._tasks.get(status.episode_id)
        if task is None:
            return
        title = (status.title or f"episode {status.episode_id}")[:TITLE_WIDTH]
        note = "" if status.state == "downloading" else status.state
        if status.state == "failed" and status.error:
            note = f"failed: {status.error}"[:60]
        total = status.total_bytes
        if total is None and status.state not in ("queued", "downloading"):
            total = max(status.bytes, 1)   # over: a still bar, not a pulsing one
        self._progress.update(task, description=f"  {title}", total=total,
                              completed=status.bytes, note=note)
        self._sizes[status.episode_id] = (status.bytes, total)
        totals = [size for _done, size in self._sizes.values()]
        known = None if None in totals or len(totals) < len(self._ids) else sum(totals)
        self._progress.update(self._all, total=known,
                              completed=sum(done for done, _size in self._sizes.values()))
