#!/usr/bin/env bash
# Set up podterm on this machine: system libVLC (and tmux for the terminal tests, iproute2
# for the tests that need a "public" address in a network namespace, dbus for the MPRIS
# tests' private session bus, strace for one test) from the package manager, then a
# virtual environment in .venv with podterm installed.
# Safe to run again. Uses sudo for the system packages when not run as root.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The newest Python 3.11+ on the PATH (Ubuntu 22.04's python3 is 3.10).
find_python() {
    for candidate in python3.14 python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return
        fi
    done
}
python=$(find_python)

if command -v apt-get >/dev/null 2>&1; then
    # libvlc-bin writes libVLC's plugin cache (Instance() in ~4 ms instead of ~70 ms).
    # iproute2 (`ip netns`): tests make a network namespace to get a public address.
    # dbus (`dbus-daemon`): the MPRIS tests start a private session bus.
    # strace: a test watches which files podterm creates, and with which mode.
    packages="libvlc5 vlc-plugin-base libvlc-bin tmux iproute2 dbus strace"
    if [ -z "$python" ]; then
        packages="$packages python3 python3-venv"
    elif ! "$python" -c 'import ensurepip' 2>/dev/null; then
        packages="$packages $(basename "$python")-venv"
    fi
    apt_install() {
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    }
    dpkg -s $packages >/dev/null 2>&1 || apt_install $packages
    python=$(find_python)
    if [ -z "$python" ]; then   # the system's python3 is too old (Ubuntu 22.04)
        apt_install python3.11 python3.11-venv
        python=$(find_python)
    fi
elif command -v dnf >/dev/null 2>&1; then
    # Fedora: vlc-libs comes from RPM Fusion; dbus-daemon for the MPRIS tests, strace for one test.
    as_root dnf install -y vlc-libs tmux iproute dbus-daemon strace
elif command -v pacman >/dev/null 2>&1; then
    as_root pacman -S --needed --noconfirm vlc tmux iproute2 dbus strace
elif command -v brew >/dev/null 2>&1; then
    brew list --cask vlc >/dev/null 2>&1 || brew install --cask vlc
    command -v tmux >/dev/null 2>&1 || brew install tmux
    # macOS desktops have no session bus (podterm runs without MPRIS there); Homebrew's
    # dbus gives the MPRIS tests their private dbus-daemon.
    command -v dbus-daemon >/dev/null 2>&1 || brew install dbus
else
    echo "setup.sh: install VLC (libVLC) and tmux with your package manager, then run me again." >&2
fi

if [ -z "$python" ]; then
    echo "setup.sh: podterm needs Python 3.11 or newer; install it and run me again." >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
# The gpodder.net API server the sync tests run (its dependencies are in the test extra).
# It declares Python >= 3.12 but runs on 3.11; alone, so nothing else ignores the check.
.venv/bin/python -m pip install -q --no-deps --ignore-requires-python "gpodder-fastapi-router==0.1.3"
