"""The podterm app: its services, the main screen, error handling and quit.

:func:`build_app` is the one way to make the app, for the CLI, the demo and the tests.
The main screen (:mod:`tui.screens.main`) owns what it shows and the features acting on
it; the app only holds what lives as long as it does (:class:`~tui.services.Services`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from textual.app import App
from textual.screen import Screen

from library.config import Config
from library.paths import Paths
from player import PlayerSettings, settings_from
from tui import keys
from tui.actions import ALL_KEYS
from tui.librarian import Librarian
from tui.screens.main import MainScreen
from tui.services import Engine, EngineFactory, Services


class PodtermApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "podterm"
    BINDINGS = keys.bindings("app")

    def __init__(self, services: Services, notices: Sequence[str] = (),
                 warnings: Sequence[str] = ()) -> None:
        super().__init__()
        self.services = services
        self.warnings = list(warnings)
        self.main = MainScreen(services, notices)

    def get_default_screen(self) -> Screen:
        return self.main

    def on_mount(self) -> None:
        self.set_keymap(self.services.keymap)
        for warning in self.warnings:
            self.notify(warning, title="Config", severity="warning", timeout=15, markup=False)

    def push_screen(self, screen, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Every dialog: the welcome notices (demo) step aside before it opens."""
        self.main.put_notices_away()
        return super().push_screen(screen, *args, **kwargs)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(ALL_KEYS, self.services.keymap,
                                    str(self.services.paths.config_file)))

    async def action_quit(self) -> None:
        """Save the position, close the player and the database, then leave."""
        await self.main.shutdown()
        await self.services.librarian.close()
        self.exit()


def build_app(paths: Paths, config: Config, engine_factory: EngineFactory | None = None,
              notices: Sequence[str] = (), librarian: Librarian | None = None) -> PodtermApp:
    """The app for the CLI, the demo and the tests.

    ``engine_factory(settings, log_dir)`` makes the player engine (default: the libVLC
    :class:`player.Player`); ``notices`` are shown as notifications once the app opens;
    ``librarian`` may have begun reading the library already (:func:`tui.main.open_player`).
    """
    keymap, key_warnings = keys.keymap_from_config(config["keys"], ALL_KEYS)
    services = Services(paths, config, keymap, librarian or Librarian(paths.database),
                        engine_factory or libvlc_player,
                        settings_from(config["player"], os.environ))
    return PodtermApp(services, notices, [*config.warnings, *key_warnings])


def libvlc_player(settings: PlayerSettings, log_dir: Path) -> Engine:
    """The real engine. libVLC's bindings load here, on the thread that starts the
    engine once the first screen is drawn (:meth:`tui.playback.Playback.start`)."""
    from player import Player

    return Player(settings, log_dir)
