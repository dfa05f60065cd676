"""Shared fixtures: a loopback HTTP server, a "public" one, an isolated data directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.netns import Namespace
from tui.demo.server import LoopbackServer

# Hypothesis's timing checks (a deadline per example, "input generation is slow") fail
# when the machine is busy, not when podterm is wrong: CI shares its cores with others.
settings.register_profile("podterm", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("podterm")


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


@pytest.fixture(scope="session")
def public_origin(tmp_path_factory: pytest.TempPathFactory):
    """A server on a public address (203.0.113.x, in a network namespace made for the run);
    skips, saying why, where namespaces cannot be made (CI runs as root and has them)."""
    namespace = Namespace(tmp_path_factory.mktemp("public"))
    try:
        origin = namespace.start()
    except RuntimeError as exc:
        namespace.close()
        pytest.skip(f"no public test address: {exc}")
    try:
        yield origin
    finally:
        namespace.close()
