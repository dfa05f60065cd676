"""OPML dialogs: a file name prompt with completion, and the per-entry import report."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any, Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.suggester import Suggester
from textual.widgets import Button, DataTable, Input, Static

from library.importer import ImportReport
from tui import keys
from tui.screens.dialogs import Dialog, PromptDialog

log = logging.getLogger(__name__)

OPML_SUFFIXES = (".opml", ".xml")
MAX_LISTED = 6


def path_matches(typed: str) -> list[str]:
    """Completions of ``typed`` as the user would type them: directories end with "/",
    OPML and XML files come first. Touches the file system: call it off the UI loop."""
    expanded = os.path.expanduser(typed) if typed else ""
    folder, prefix = os.path.split(expanded)
    try:
        entries = sorted(os.scandir(folder or "."), key=lambda e: e.name)
    except OSError:
        return []
    head = typed[: len(typed) - len(prefix)]
    found = []
    for entry in entries:
        if not entry.name.startswith(prefix) or (entry.name.startswith(".") and not prefix):
            continue
        is_dir = entry.is_dir()
        if is_dir or entry.name.lower().endswith(OPML_SUFFIXES):
            found.append(head + entry.name + ("/" if is_dir else ""))
    return sorted(found, key=lambda name: (not name.lower().endswith(OPML_SUFFIXES), name))


def completion(typed: str, matches: list[str]) -> str:
    """The longest completion every match shares (or ``typed`` itself)."""
    if not matches:
        return typed
    common = os.path.commonprefix(matches)
    return common if len(common) > len(typed) else typed


class PathSuggester(Suggester):
    """Shows the first completion greyed out after the cursor; right arrow accepts it."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        matches = await asyncio.to_thread(path_matches, value)
        return matches[0] if matches else None


class PathPromptDialog(PromptDialog):
    """Ask for a file name; tab completes it and the matching names are listed below.

    With ``check``, the file is tried before the dialog closes: ``check(path)`` runs on a
    thread; a ``ValueError`` (e.g. :class:`~library.opml.OpmlError`: no such file, not
    OPML) is shown in the dialog, which stays open with the name as typed, and anything
    else it returns is what the dialog is dismissed with.
    """

    BINDINGS = keys.bindings("path")

    def __init__(self, title: str, explanation: str, value: str = "",
                 check: Callable[[Path], Any] | None = None) -> None:
        super().__init__(title, explanation, placeholder="~/Downloads/subscriptions.opml",
                         value=value, suggester=PathSuggester())
        self.check = check

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if self.check is not None and typed:
            event.prevent_default()  # not PromptDialog's: it would close the dialog
            self.try_file(typed)

    @work(exclusive=True, group="path-check", exit_on_error=False)
    async def try_file(self, typed: str) -> None:
        assert self.check is not None
        try:
            result = await asyncio.to_thread(self.check, Path(typed).expanduser())
        except ValueError as exc:
            self.refuse(str(exc))
            return
        except Exception as exc:  # shown here and logged; the dialog stays usable
            log.exception("checking %s failed", typed)
            self.refuse(f"{type(exc).__name__}: {exc}")
            return
        self.dismiss(result)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.list_matches(event.value)

    @work(exclusive=True, group="path-matches", exit_on_error=False)
    async def list_matches(self, typed: str) -> None:
        matches = await asyncio.to_thread(path_matches, typed)
        if not self.is_attached:  # submitted (or closed) while we looked
            return
        hint = Text(", ".join(os.path.basename(m.rstrip("/")) + ("/" if m.endswith("/") else "")
                              for m in matches[:MAX_LISTED]), style="dim")
        if len(matches) > MAX_LISTED:
            hint.append(f" and {len(matches) - MAX_LISTED} more", style="dim")
        self.query_one("#prompt-hint", Static).update(hint)

    async def action_complete(self) -> None:
        field = self.query_one("#prompt-input", Input)
        matches = await asyncio.to_thread(path_matches, field.value)
        field.value = completion(field.value, matches)
        field.cursor_position = len(field.value)


class ImportReportDialog(Dialog[None]):
    """One line per OPML entry: added, already subscribed, or skipped and why."""

    STYLES = {"added": "green", "already subscribed": "dim", "skipped": "yellow"}

    def __init__(self, source: Path, report: ImportReport) -> None:
        super().__init__(classes="wide")
        self.source, self.report = source, report

    def compose(self) -> ComposeResult:
        report = self.report
        summary = (f"{report.count('added')} added, {report.count('already subscribed')} "
                   f"already subscribed, {report.count('skipped')} skipped")
        if report.count("added"):
            summary += ". The new feeds are being fetched now."
        with self.box(f"Imported {self.source.name}"):
            yield Static(Text(summary), classes="body")
            yield DataTable(id="import-report", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="buttons"):
                yield Button("OK", id="ok", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Entry", key="entry")
        table.add_column("Result", key="result")
        for line in self.report.lines:
            result = Text(line.result, style=self.STYLES.get(line.result, ""))
            if line.reason:
                result.append(f": {line.reason}")
            table.add_row(Text(line.title or line.url or "(untitled)"), result)
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)
