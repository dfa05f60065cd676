"""Fixtures for the library tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from library.store import connect


@pytest.fixture
def db(tmp_path: Path):
    """A real library file in a temp dir: (its path, a connection to it)."""
    path = tmp_path / "library.sqlite3"
    conn = connect(path)
    yield path, conn
    conn.close()
