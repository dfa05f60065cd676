"""Where the user left off: the selected feed and episode, and the last one played.

A small JSON file in the data dir, read when the main screen opens and written when the
playing episode changes and on quit. A missing or damaged file just means starting at
the top; it never stops podterm from opening.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from library.record import Record

log = logging.getLogger(__name__)

STATE_NAME = "tui-state.json"


class UiState(Record):
    """Where the user left off: the selected feed and episode, and what was playing."""

    feed_id: int | None = None
    episode_id: int | None = None
    playing_id: int | None = None


def load_state(data_dir: Path) -> UiState:
    try:
        data = json.loads((data_dir / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return UiState()
    if not isinstance(data, dict):
        return UiState()
    return UiState(**{name: data[name] for name in UiState._fields
                      if isinstance(data.get(name), int)})


def save_state(data_dir: Path, state: UiState) -> None:
    """Write atomically (a crash leaves the old file or the new one, never half)."""
    path = data_dir / STATE_NAME
    temporary = path.with_suffix(".tmp")
    try:
        temporary.write_text(json.dumps(state.as_dict()), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:  # a read-only or full disk: the library matters, this does not
        log.warning("cannot save %s: %s", path, exc)
