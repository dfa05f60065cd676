"""Where podterm keeps its files.

Computed once at start-up and passed in; never at import time. ``--data-dir`` /
``PODTERM_DATA_DIR`` and ``--config`` / ``PODTERM_CONFIG`` override the platformdirs
defaults. When the data dir is overridden, logs go inside it, so tests and demos never
write to the user's own folders.
"""

from __future__ import annotations

import os
from pathlib import Path

from library.record import Record

APP_NAME = "podterm"


class Paths(Record):
    data_dir: Path
    config_file: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "library.sqlite3"

    def downloads_dir(self, configured: str = "") -> Path:
        """Where episodes are downloaded: ``[downloads] dir`` if set (a relative one is
        inside the data folder), else "downloads" in the data folder (so ``--data-dir``
        keeps tests and demos away from the user's files)."""
        return self.data_dir / Path(configured or "downloads").expanduser()


def resolve_paths(data_dir: str | None = None, config: str | None = None) -> Paths:
    """Apply the override order: argument, then environment, then platformdirs
    (imported only then: tests, demos and benchmarks override both)."""
    data_override = data_dir or os.environ.get("PODTERM_DATA_DIR")
    config_override = config or os.environ.get("PODTERM_CONFIG")
    if data_override:
        data = Path(data_override).expanduser()
        logs = data / "logs"
    else:
        import platformdirs

        data = Path(platformdirs.user_data_dir(APP_NAME))
        logs = Path(platformdirs.user_log_dir(APP_NAME))
    if config_override:
        config_file = Path(config_override).expanduser()
    else:
        import platformdirs

        config_file = Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"
    return Paths(data_dir=data, config_file=config_file, log_dir=logs)
