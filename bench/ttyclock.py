"""Clocks for bench_tui.py: a program's first screen in a real pseudo-terminal, the
event loop's stalls, and busy loops standing in for other users of the machine."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Shown:
    seconds: float           # from fork to every needle written to the terminal
    cpu_seconds: float       # CPU time the process (all its threads) had used by then
    peak_rss_mb: float       # VmHWM after ``then`` was typed and had time to settle


def first_screen(argv: list[str], needles: list[bytes], env: dict[str, str],
                 size: tuple[int, int] = (120, 36), then: bytes = b"",
                 settle_s: float = 0.0, timeout_s: float = 120.0) -> Shown:
    """Start ``argv`` on a new pseudo-terminal of ``size`` (columns, rows) and time it
    until everything in ``needles`` has been written to the terminal. Then type ``then``,
    keep reading for ``settle_s`` and read the process's peak RSS; then kill it."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal's size first, as a terminal emulator sets it
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        os.execvpe(argv[0], argv, env)
    try:
        output = bytearray()
        while not all(needle in output for needle in needles):
            if time.perf_counter() - start > timeout_s or not _read(fd, 1.0, output):
                raise RuntimeError(f"{argv} did not show {needles} in {timeout_s:.0f} s; "
                                   f"its last output:\n{bytes(output[-2000:])!r}")
        seen, cpu = time.perf_counter() - start, _cpu_seconds(pid)
        if then:
            os.write(fd, then)
        end = time.perf_counter() + settle_s
        while time.perf_counter() < end and _read(fd, 0.1, bytearray()):
            pass
        return Shown(seen, cpu, _peak_rss_mb(pid))
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def _read(fd: int, wait_s: float, output: bytearray) -> bool:
    """Add what the terminal has for us to ``output``; False once the program closed
    its terminal (it ended)."""
    ready, _, _ = select.select([fd], [], [], wait_s)
    if not ready:
        return True
    try:
        data = os.read(fd, 1 << 16)
    except OSError:
        return False
    output += data
    return bool(data)


def _cpu_seconds(pid: int) -> float:
    """User and system time of ``pid`` so far (its children not included)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class BusyLoops:
    """``count`` processes spinning on the CPU at normal priority, like other users'
    work on a shared machine (``while :; do :; done``)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> "BusyLoops":
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                          for _ in range(self.count)]
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


@dataclass
class StallClock:
    """Ticks every ``tick_s`` on the running event loop and records how late each tick
    ran: the time the loop could not answer a key, and the CPU time the loop's own
    thread used between two ticks (its work: on a machine loaded by others a tick is
    also late while the thread waits for a CPU; the work is not). With ``explain``, a
    thread samples the loop thread's stack while the loop has worked for more than
    ``explain_after_s`` since the last tick, and :meth:`report` shows where the longest
    pieces of work were."""

    tick_s: float = 0.005
    explain: bool = False
    explain_after_s: float = 0.02
    # (when, late, work, queued): queued is the time the loop's thread waited for a CPU
    # (Linux's run delay, /proc/thread-self/schedstat); the rest of a stall beyond work
    # and queued is time the thread slept while it wanted to run (Python's GIL).
    marks: list[tuple[float, float, float, float]] = field(default_factory=list)
    stacks: list[tuple[float, Counter]] = field(default_factory=list)

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._due = self._loop.time() + self.tick_s
        self._cpu = time.thread_time()
        self._queued = _run_delay()
        self._handle = self._loop.call_later(self.tick_s, self._tick)
        self._current: Counter = Counter()
        self._stop = threading.Event()
        if self.explain:
            self._loop_thread = threading.get_ident()
            self._loop_clock = time.pthread_getcpuclockid(self._loop_thread)
            threading.Thread(target=self._sample, daemon=True).start()

    def stop(self) -> None:
        self._handle.cancel()
        self._stop.set()

    def since(self, moment: float) -> tuple[list[float], list[float]]:
        """(lateness, work) of the ticks from ``moment`` on."""
        ticks = [(late, work) for when, late, work, _ in self.marks if when >= moment]
        return [late for late, _ in ticks], [work for _, work in ticks]

    def longest(self, moment: float, top: int = 3) -> str:
        """The ``top`` longest stalls from ``moment`` on, each as its parts."""
        ticks = sorted((m for m in self.marks if m[0] >= moment), key=lambda m: -m[1])
        return "; ".join(f"{late * 1000:.0f} ms = work {work * 1000:.0f} + waiting for a "
                         f"CPU {queued * 1000:.0f} + for the GIL or else "
                         f"{max(0.0, late - work - queued) * 1000:.0f}"
                         for _, late, work, queued in ticks[:top])

    def _tick(self) -> None:
        now, cpu, queued = self._loop.time(), time.thread_time(), _run_delay()
        late, work = now - self._due, cpu - self._cpu
        self.marks.append((now, late, work, queued - self._queued))
        self._cpu, self._queued = cpu, queued
        if self._current:
            if work > self.explain_after_s:
                self.stacks.append((work, self._current))
            self._current = Counter()
        self._due = now + self.tick_s
        self._handle = self._loop.call_later(self.tick_s, self._tick)

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            if time.clock_gettime(self._loop_clock) - self._cpu > self.explain_after_s:
                frame = sys._current_frames().get(self._loop_thread)
                if frame is not None:
                    self._current[_where(traceback.extract_stack(frame))] += 1

    def report(self, top: int = 5) -> str:
        lines = []
        for work, stacks in sorted(self.stacks, key=lambda s: -s[0])[:top]:
            lines.append(f"  {work * 1000:.0f} ms of the loop's work between two ticks, "
                         "where it was:")
            lines += [f"    {count:3d}x {stack}" for stack, count in stacks.most_common(3)]
        return "\n".join(lines)


def _run_delay() -> float:
    """Seconds the calling thread has waited on a run queue (0 where Linux does not say)."""
    try:
        with open("/proc/thread-self/schedstat") as stat:
            return int(stat.read().split()[1]) / 1e9
    except OSError:
        return 0.0


PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _where(stack: traceback.StackSummary) -> str:
    """The innermost frames, then podterm's own frames further out (the handler)."""
    inner = list(stack)[-6:]
    ours = [s for s in list(stack)[:-6] if s.filename.startswith(PROJECT)
            and "/bench/" not in s.filename and "/.venv/" not in s.filename][-3:]
    return " < ".join(f"{s.name} ({os.path.basename(s.filename)}:{s.lineno})"
                      for s in reversed(ours + inner))


def summary(seconds: list[float]) -> tuple[float, float]:
    """(longest, p99) in ms."""
    ordered = sorted(seconds)
    return ordered[-1] * 1000, ordered[int(len(ordered) * 0.99)] * 1000
