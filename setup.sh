#!/usr/bin/env bash
# Set up podterm on this machine: system libVLC (and tmux for the terminal tests) from
# the package manager, then a virtual environment in .venv with podterm installed.
# Safe to run again. Uses sudo for the system packages when not run as root.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if command -v apt-get >/dev/null 2>&1; then
    # libvlc-bin writes libVLC's plugin cache (Instance() in ~4 ms instead of ~70 ms).
    packages="libvlc5 vlc-plugin-base libvlc-bin tmux"
    python3 -c 'import ensurepip' 2>/dev/null || packages="$packages python3-venv"
    if ! dpkg -s $packages >/dev/null 2>&1; then
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
    fi
elif command -v dnf >/dev/null 2>&1; then
    as_root dnf install -y vlc-libs tmux        # Fedora: vlc-libs comes from RPM Fusion
elif command -v pacman >/dev/null 2>&1; then
    as_root pacman -S --needed --noconfirm vlc tmux
elif command -v brew >/dev/null 2>&1; then
    brew list --cask vlc >/dev/null 2>&1 || brew install --cask vlc
    command -v tmux >/dev/null 2>&1 || brew install tmux
else
    echo "setup.sh: install VLC (libVLC) and tmux with your package manager, then run me again." >&2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
