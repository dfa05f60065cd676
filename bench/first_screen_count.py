"""The first screen counted, not timed: instructions to the first feed's episodes drawn.

Run:  .venv/bin/python bench/first_screen_count.py [--rounds 2] [--compare-with CHECKOUT]

bench_tui.py times the first screen next to a bare Textual app; on this shared virtual
machine the bare app's own time moved from 304 to 599 ms between runs, so one run's
ratio says as much about the machine as about podterm. This counts instead: each
program runs under ``valgrind --tool=cachegrind`` in a real pseudo-terminal of 120×36,
as bench_tui.py starts it (the same library of 200 feeds and 100,000 episodes, the same
strings awaited), and is stopped with SIGTERM once they are on the screen; cachegrind
then reports the instructions executed. The count does not depend on the load.
``--compare-with`` also counts podterm from another source tree (``PYTHONPATH`` at it,
through this venv's console script).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import signal
import statistics
import struct
import sys
import tempfile
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_tui import QUIET, fill_library, terminal_env  # noqa: E402
from bench.ttyclock import _read  # noqa: E402

TIMEOUT_S = 900.0  # valgrind runs a program some 50 times slower


def instructions(argv: list[str], needles: list[bytes], env: dict[str, str],
                 log: Path) -> int:
    """Instructions ``argv`` executes until every needle is on its terminal."""
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
        os.execvpe("valgrind", ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                                "--cachegrind-out-file=/dev/null", f"--log-file={log}",
                                *argv], {**env, "PYTHONHASHSEED": "0"})
    output = bytearray()
    try:
        while not all(needle in output for needle in needles):
            if not _read(fd, TIMEOUT_S, output):
                raise RuntimeError(f"{argv} ended before it showed {needles}; its last "
                                   f"output:\n{bytes(output[-2000:])!r}")
    finally:
        os.kill(pid, signal.SIGTERM)  # (cachegrind writes its count on the way out)
        while _read(fd, 5.0, bytearray()):
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    found = re.search(r"I\s+refs:\s+([\d,]+)", log.read_text())
    if found is None:
        raise RuntimeError(f"no count in {log}:\n{log.read_text()[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--compare-with", type=Path, metavar="CHECKOUT")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="podterm-count-") as folder:
        root = Path(folder)
        data = root / "library"
        fill_library(data / "library.sqlite3", 200, 100_000)
        (root / "quiet.toml").write_text(QUIET)
        podterm_env = terminal_env(PODTERM_DATA_DIR=str(data),
                                   PODTERM_CONFIG=str(root / "quiet.toml"),
                                   PODTERM_VLC_ARGS="--aout=dummy")
        podterm = [str(Path(sys.executable).parent / "podterm")]
        needles = [b"Show number 000", b"Show 0 episode 499"]
        runners = [
            ("bare Textual app", [sys.executable, str(ROOT / "bench" / "tui_hello.py")],
             [b"Hello from a bare Textual app"], terminal_env()),
            ("podterm, 100,000 episodes", podterm, needles, podterm_env)]
        if args.compare_with:
            runners.append((f"podterm from {args.compare_with}", podterm, needles,
                            {**podterm_env, "PYTHONPATH": str(args.compare_with.resolve())}))
        counts: dict[str, list[int]] = {name: [] for name, *_ in runners}
        for _ in range(args.rounds):
            for name, argv, wanted, env in runners:
                counts[name].append(instructions(argv, wanted, env, root / "valgrind.log"))
        bare = statistics.median(counts[runners[0][0]])
        print("first screen (120x36), instructions to drawn, median of "
              f"{args.rounds} (range):")
        for name, values in counts.items():
            print(f"  {name:30s} {statistics.median(values) / 1e6:7.0f} M "
                  f"({min(values) / 1e6:.0f}-{max(values) / 1e6:.0f})  "
                  f"{statistics.median(values) / bare:4.2f}x")


if __name__ == "__main__":
    main()
