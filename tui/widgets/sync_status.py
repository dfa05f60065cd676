"""The sync status line: "✓ Synced 2 min ago", "⟳ Syncing…", "✗ Sync failed: … —
retrying at 14:05". Hidden when sync is not set up."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

from rich.text import Text
from textual.widgets import Static

from library.text import clean_line, plural
from tui import formatting, keys
from tui.actions import key
from tui.sync import SyncView

AGE_EVERY_S = 15  # "2 min ago" moves on by itself


class SyncStatus(Static):
    """Polls the sync feature's view on its own timer; redrawn at once on
    :class:`~tui.messages.SyncChanged` (the screen calls :meth:`update_view`)."""

    def __init__(self, view: Callable[[], SyncView | None], keymap: dict[str, str],
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._view, self._keymap = view, keymap
        self._shown: Text | None = None

    def on_mount(self) -> None:
        self.display = self._view() is not None
        if self.display:
            self.update_view()
            self.set_interval(AGE_EVERY_S, self.update_view)

    def update_view(self) -> None:
        view = self._view()
        if view is None:
            return
        text = status_line(view, keys.describe(key("sync_now"), self._keymap), time.time())
        if text != self._shown:
            self._shown = text
            self.update(text)


def status_line(view: SyncView, sync_key: str, now: float) -> Text:
    """The line for ``view``; ``sync_key`` is the key that syncs now."""
    if view.off:
        text = Text(f"Sync off: {view.off}.", style="dim")
    elif view.running:
        text = Text("⟳ Syncing…", style="bold")
        if view.fetching:
            text.append(f" fetching {plural(view.fetching, 'new feed')}", style="dim")
    elif view.paused:
        text = Text(f"Sync paused: {view.paused}. Press {sync_key} to type the password.",
                    style="yellow")
    elif view.error:
        text = Text(f"✗ Sync failed: {clean_line(view.error)}", style="red")
        text.append(f" — retrying at {datetime.fromtimestamp(view.retry_at):%H:%M}"
                    if view.retry_at else f" — press {sync_key} to try again")
    elif view.last_success_at is not None:
        text = Text(f"✓ Synced {ago(now - view.last_success_at, view.last_success_at)}",
                    style="dim")
    else:
        text = Text("Not synced yet", style="dim")
    if view.held:
        waits = "waits" if view.held == 1 else "wait"
        text.append(f" · {plural(view.held, 'feed')} unsubscribed on another device "
                    f"{waits} for your answer ({sync_key} asks)", style="yellow")
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def ago(seconds: float, at: float) -> str:
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"on {formatting.date(at)}"
