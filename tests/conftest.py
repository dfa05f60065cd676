"""Shared fixtures: a loopback HTTP server and an isolated data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.demo.server import LoopbackServer


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1 (Range, conditional GET, gzip, custom routes)."""
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary data dir; the environment points podterm at it, never at the user's."""
    path = tmp_path / "data"
    monkeypatch.setenv("PODTERM_DATA_DIR", str(path))
    monkeypatch.setenv("PODTERM_CONFIG", str(tmp_path / "config.toml"))
    return path
