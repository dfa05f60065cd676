"""Benchmark: how fast `podterm --help`, `podterm feeds` and `podterm feeds --json` start
and finish, next to a bare `python -c pass` started the same way in the same rounds.

Run:  .venv/bin/python bench/bench_startup.py [--rounds 11] [--compare-with DIR]

Each tree gets a library of 200 feeds of 250 episodes (its own bench_library's
generator, so an older tree can read it) in a temporary XDG data folder, so podterm finds
it where a user's would be (platformdirs included; no --data-dir). Every command runs as
``python -P -c "import tui.main…"`` (the console script's entry, ``console()``, or an
older tree's ``main()``) with this tree (and ``--compare-with``'s
tree, compiled first) first on its path; the console script ``.venv/bin/podterm`` runs
too (a development install adds its import hook to every start). Rounds interleave all
commands in rotating order. Reported per command: best and median wall time from spawn
to exit, the median CPU time of the process (user + system, which waiting for a CPU on a
busy machine does not inflate), and both as ratios to the bare interpreter's.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

COMMANDS = (["--help"], ["feeds"], ["feeds", "--json"])
EPISODES = 50_000


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv``, which must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}): {errors}")
    return wall, usage.ru_utime + usage.ru_stime


def user_home(home: Path, tree: Path) -> dict[str, str]:
    """The environment of a user whose library (made by ``tree``'s own code, so that an
    older tree can read it) is where platformdirs looks."""
    env = {**os.environ, "XDG_DATA_HOME": f"{home}/data", "XDG_CONFIG_HOME": f"{home}/config",
           "XDG_STATE_HOME": f"{home}/state", "COLUMNS": "120",
           "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("PODTERM_DATA_DIR", "PODTERM_CONFIG"):
        env.pop(name, None)
    database = home / "data" / "podterm" / "library.sqlite3"
    database.parent.mkdir(parents=True)
    subprocess.run([sys.executable, "-P", "-c",
                    f"import sys; sys.path.insert(0, {str(tree / 'bench')!r}); "
                    "from pathlib import Path; from bench_library import fill; "
                    f"fill(Path({str(database)!r}), {EPISODES})"], check=True)
    return env


def from_tree(tree: Path, args: list[str]) -> list[str]:
    code = (f"import sys; sys.path.insert(0, {str(tree)!r}); "
            "import tui.main as m; sys.exit(getattr(m, 'console', m.main)())")
    return [sys.executable, "-P", "-c", code, *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--compare-with", type=Path, metavar="DIR",
                        help="another podterm source tree, measured as 'before'")
    options = parser.parse_args()
    trees = {"": HERE.parent}
    if options.compare_with:
        trees[" (before)"] = options.compare_with.resolve()
    for tree in trees.values():
        for package in ("library", "tui", "player"):
            compileall.compile_dir(tree / package, quiet=1)

    with tempfile.TemporaryDirectory(prefix="podterm-startup-") as home:
        homes = {suffix: user_home(Path(home) / f"tree{n}", tree)
                 for n, (suffix, tree) in enumerate(trees.items())}
        runs: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], homes[""])}
        for suffix, tree in trees.items():
            for args in COMMANDS:
                runs[f"podterm {' '.join(args)}{suffix}"] = (from_tree(tree, args), homes[suffix])
        console_script = Path(sys.executable).parent / "podterm"
        if console_script.exists():
            for args in COMMANDS:
                runs[f".venv/bin/podterm {' '.join(args)}"] = ([str(console_script), *args],
                                                               homes[""])

        names = list(runs)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for round_ in range(options.rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(run_once(*runs[name]))

    load = os.getloadavg()[0]
    print(f"{options.rounds} rounds, {EPISODES:,} episodes in 200 feeds, load {load:.1f} at the end")
    bare_wall = statistics.median(w for w, _ in times["python -c pass"])
    bare_cpu = statistics.median(c for _, c in times["python -c pass"])
    print(f"{'command':<36} {'best':>7} {'median':>7} {'× bare':>7} {'CPU':>7} {'× bare':>7}")
    for name in names:
        walls = [w for w, _ in times[name]]
        cpu = statistics.median(c for _, c in times[name])
        median = statistics.median(walls)
        print(f"{name:<36} {min(walls) * 1e3:6.0f}ms {median * 1e3:6.0f}ms "
              f"{median / bare_wall:6.2f}× {cpu * 1e3:6.0f}ms {cpu / bare_cpu:6.2f}×")


if __name__ == "__main__":
    main()
