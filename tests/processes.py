"""Real processes seen through /proc (Linux): who descends from whom, who is still alive.

A process is identified by its pid and its start time, so a reused pid is never mistaken
for the process the test saw. A zombie (dead, not yet reaped by whoever adopted it)
counts as gone: it runs nothing and holds no memory.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    start: int  # clock ticks after boot
    cmdline: str

    def alive(self) -> bool:
        stat = _stat(self.pid)
        return stat is not None and stat[2] != "Z" and int(stat[21]) == self.start

    def cpu_s(self) -> float:
        stat = _stat(self.pid)
        ticks = os.sysconf("SC_CLK_TCK")
        return 0.0 if stat is None else (int(stat[13]) + int(stat[14])) / ticks


def need_proc() -> None:
    if not (PROC / "self" / "stat").exists():
        pytest.skip("needs /proc to see processes (Linux)")


def descendants(pid: int) -> list[Proc]:
    """Every living process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[2] != "Z":
            children.setdefault(int(stat[3]), []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        todo.extend(children.get(child, []))
        stat = _stat(child)
        if stat is not None:
            found.append(Proc(child, int(stat[21]), _cmdline(child)))
    return found


def wait_for(condition: Callable[[], bool], what: str, guard_s: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after a generous guard."""
    deadline = time.monotonic() + guard_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {guard_s:g} s: {what}")
        time.sleep(0.02)


def _stat(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces.
    head, _, tail = text.rpartition(")")
    return [head.split(" (", 1)[0], head.split(" (", 1)[1], *tail.split()]


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
