"""What the TUI shows of downloads: each episode's mark in the list, and the batch the
status line follows (counts, bytes, speed, time left).

A *batch* is every download seen from the moment one starts until none is queued or
running any more; then the status line goes and a summary is notified. Plain Python on
the UI loop: :class:`tui.downloads.Downloads` feeds it the downloader's statuses.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

from rich.text import Text

from library.downloads import BUSY
from library.record import Factory, Record

if TYPE_CHECKING:  # the downloader (its HTTP client) loads with the first download
    from library.downloader import DownloadStatus

SPEED_WINDOW_S = 5.0     # speed = bytes received over about this long
SPEED_MIN_SPAN_S = 0.4   # no speed until samples span this long


def download_mark(status: DownloadStatus | None) -> Text:
    """The episode list's download column: ↓ downloaded, ↓37% downloading, ↓… queued,
    ↓✗ failed, ↓‖ stopped (the partial file is kept), nothing without a download."""
    if status is None:
        return Text("")
    if status.state == "done":
        return Text("↓", style="bold green")
    if status.state == "failed":
        return Text("↓✗", style="bold red")
    if status.state == "cancelled":
        return Text("↓‖", style="yellow")
    if status.state == "downloading" and status.total_bytes:
        return Text(f"↓{min(status.bytes / status.total_bytes, 0.99):>3.0%}", style="blue")
    return Text("↓…", style="blue")


def human_size(size: int | float) -> str:
    """"512 B", "3.4 MB", "1.2 GB" (decimal units, as the CLI's progress bar)."""
    if size < 1000:
        return f"{int(size)} B"
    value, unit = size / 1000, "kB"
    for bigger in ("MB", "GB", "TB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


class DownloadsView(Record, frozen=True):
    """What the status line shows while a batch runs."""

    count: int                  # downloads in the batch
    done: int
    failed: int
    running: tuple[tuple[str, float | None], ...]   # (title, fraction done)
    bytes_done: int
    bytes_total: int | None     # None: no size is known yet
    speed: float | None         # bytes per second, over the last few seconds
    left_s: float | None


class Batch(Record):
    """The downloads since the status line appeared, and the bytes received meanwhile."""

    entries: dict[int, DownloadStatus] = Factory(dict)
    quiet: set[int] = Factory(set)   # failures not notified one by one
    received: int = 0
    _samples: deque[tuple[float, int]] = Factory(deque)

    def update(self, status: DownloadStatus) -> None:
        previous = self.entries.get(status.episode_id)
        if previous is not None and previous.state == "downloading" \
                and status.state in ("downloading", "done"):
            self.received += max(0, status.bytes - previous.bytes)
        self.entries[status.episode_id] = status

    @property
    def busy(self) -> bool:
        return any(status.state in BUSY for status in self.entries.values())

    def of_state(self, state: str) -> list[DownloadStatus]:
        return [status for status in self.entries.values() if status.state == state]

    def view(self, now: float | None = None) -> DownloadsView:
        now = time.monotonic() if now is None else now
        entries = list(self.entries.values())
        counted = [s for s in entries if s.state in ("queued", "downloading", "done")]
        sizes = [(s.total_bytes or s.bytes) if s.state == "done" else s.total_bytes
                 for s in counted]
        known = [size for size in sizes if size]
        average = sum(known) / len(known) if known else None
        total = None if average is None else int(sum(size or average for size in sizes))
        done_bytes = sum(s.bytes for s in counted if s.state != "queued")
        speed = self._speed(now)
        left = None
        if total is not None and speed:
            left = max(0.0, total - done_bytes) / speed
        running = tuple((s.title, s.bytes / s.total_bytes if s.total_bytes else None)
                        for s in entries if s.state == "downloading")
        return DownloadsView(len(entries), len(self.of_state("done")),
                             len(self.of_state("failed")), running, done_bytes, total,
                             speed, left)

    def _speed(self, now: float) -> float | None:
        samples = self._samples
        samples.append((now, self.received))
        while len(samples) > 2 and now - samples[1][0] >= SPEED_WINDOW_S:
            samples.popleft()
        then, received_then = samples[0]
        if now - then < SPEED_MIN_SPAN_S:
            return None
        return (self.received - received_then) / (now - then)
