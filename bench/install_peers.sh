#!/usr/bin/env bash
# Install the peers bench_peers.py compares podterm with, each into its own venv under
# bench/peers/ (git-ignored), from PyPI. Safe to run again. A peer that cannot be
# installed is reported and skipped by the benchmark.
set -uo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
mkdir -p peers
if [ ! -x peers/castero/bin/castero ]; then
    "$python" -m venv peers/castero &&
        peers/castero/bin/python -m pip install -q "castero==0.9.5" ||
        { echo "install_peers.sh: castero could not be installed; it will be skipped" >&2;
          rm -rf peers/castero; }
fi
