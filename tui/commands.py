"""The command palette (ctrl+p): every player action, with the key that does it."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.keys import format_key

from tui.keys import KEYS, Key, effective_keys

PALETTE_KEYS = [key for key in KEYS if key.where == "app" and key.id != "command_palette"]


class PlayerCommands(Provider):
    """Offers each action the app can do right now (per ``check_action``)."""

    def _available(self) -> list[tuple[str, Key]]:
        app = self.app
        keymap = getattr(app, "keymap", {})
        found = []
        for key in PALETTE_KEYS:
            if app.check_action(key.action, ()):
                shown = ", ".join(format_key(k) for k in effective_keys(key, keymap))
                found.append((f"{key.help}  ({shown})", key))
        return found

    async def discover(self) -> Hits:
        for title, key in self._available():
            yield DiscoveryHit(title, partial(self.app.run_action, key.action), help=key.id)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, key in self._available():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title),
                          partial(self.app.run_action, key.action), help=key.id)
