"""The command palette (ctrl+p) on the main screen: every action, with its keys.

Actions that do not apply right now are listed too, saying why ("not now: nothing is
playing"); choosing one says so instead of doing nothing.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.actions import ACTIONS, Action
from tui.keys import shown_keys


class ActionCommands(Provider):
    """Reads :data:`tui.actions.ACTIONS`; runs them on the screen that opened it."""

    def _entries(self) -> list[tuple[str, str, Action]]:
        screen = self.screen
        keymap = screen.services.keymap  # type: ignore[attr-defined]
        entries = []
        for action in ACTIONS:
            reason = action.when(screen)  # type: ignore[arg-type]
            title = f"{action.help}  ({shown_keys(action, keymap)})"
            entries.append((title, f"not now: {reason}" if reason else action.id, action))
        return entries

    def _run(self, action: Action) -> None:
        self.screen.action_run(action.id)  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for title, help_text, action in self._entries():
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action),
                          help=help_text)
