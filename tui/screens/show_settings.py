"""The settings dialog of one show: speed, volume, skipped intro and outro, auto-queue,
and how many of its newest episodes to download after each refresh.

An empty field follows config.toml's value (``[player]``; for auto-download
``[downloads] auto_newest``) and says so ("default (1.0×)").
Enter (or Save) checks every field with the library's own rules; a bad value keeps the
dialog open with the reason under the fields and nothing is saved. The result is the
changed settings only (``None`` for "back to the default"), so a value changed from the
command line meanwhile is not overwritten by one that was merely shown here.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from library.showsettings import AUTO_DOWNLOAD_MAX, SKIP_MAX_S, SPEED_MAX, SPEED_MIN, \
    VOLUME_MAX, SettingsError, ShowSettings, check
from tui.screens.dialogs import Dialog

ON, OFF = ("on", "yes", "true"), ("off", "no", "false")
# Under the fields until a value is refused (then the reason takes its place).
HINT = Text("An empty field follows config.toml; type “default” to go back.", style="dim")


def _number(kind: Callable[[str], Any], label: str) -> Callable[[str], Any]:
    """Reads "1.3", "1.3×", "120 %", "30s"; a word is an error naming the setting."""
    what = "a number" if kind is float else "a whole number"

    def parse(text: str) -> Any:
        try:
            return kind(text.rstrip("×x%s ").strip())
        except ValueError:
            raise SettingsError(f"{label} must be {what}, not {text!r}") from None
    return parse


def _on_off(text: str) -> bool:
    if text.lower() in ON + OFF:
        return text.lower() in ON
    raise SettingsError(f"auto-queue must be on or off, not {text!r}")


def _typed(name: str, value: Any) -> str:
    """A stored override as it is typed into its field."""
    if name == "speed":
        return f"{value:.1f}"
    return ("on" if value else "off") if name == "auto_queue" else str(value)


def _shown(name: str, value: Any) -> str:
    if name == "speed":
        return f"{value:.1f}×"
    if name == "volume":
        return f"{value} %"
    if name == "auto_queue":
        return "on" if value else "off"
    if name == "auto_download_newest":
        return f"newest {value}" if value else "none"
    return f"{value} s"


# Each field: setting, label, how to read it, what it accepts.
FIELDS: tuple[tuple[str, str, Callable[[str], Any], str], ...] = (
    ("speed", "Speed", _number(float, "speed"), f"{SPEED_MIN}-{SPEED_MAX}, steps of 0.1"),
    ("volume", "Volume %", _number(int, "volume"), f"0-{VOLUME_MAX} (over 100 boosts)"),
    ("skip_intro_s", "Skip intro", _number(int, "skip intro"), f"seconds, 0-{SKIP_MAX_S}"),
    ("skip_outro_s", "Skip outro", _number(int, "skip outro"), f"seconds, 0-{SKIP_MAX_S}"),
    ("auto_queue", "Auto-queue", _on_off, "on: new episodes go to Up Next"),
    ("auto_download_newest", "Download", _number(int, "auto-download"),
     f"newest N after refresh, 0-{AUTO_DOWNLOAD_MAX}"),
)


class ShowSettingsDialog(Dialog[dict[str, Any]]):
    """Returns ``{setting: value or None}`` for what changed; None when cancelled."""

    def __init__(self, show_title: str, settings: ShowSettings) -> None:
        super().__init__(classes="settings")
        self.show_title, self.settings = show_title, settings

    def compose(self) -> ComposeResult:
        with self.box(f"Settings: {self.show_title}"):
            for name, label, _parse, accepts in FIELDS:
                with Horizontal(classes="setting"):
                    yield Label(label)
                    default = _shown(name, getattr(self.settings.defaults, name))
                    override = getattr(self.settings.overrides, name)
                    yield Input("" if override is None else _typed(name, override),
                                placeholder=f"default ({default})", id=f"setting-{name}")
                    yield Static(Text(accepts, style="dim"), classes="accepts")
            yield Static(HINT, id="settings-status")
            with Horizontal(classes="buttons"):
                yield Button("Save (enter)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#setting-speed", Input).focus()

    def on_input_submitted(self) -> None:
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save()
        else:
            self.dismiss(None)

    def save(self) -> None:
        changes: dict[str, Any] = {}
        for name, _label, parse, _accepts in FIELDS:
            field = self.query_one(f"#setting-{name}", Input)
            text = field.value.strip()
            try:
                value = None if text in ("", "default") else check(name, parse(text))
            except SettingsError as exc:
                self.query_one("#settings-status", Static).update(Text(str(exc), style="red"))
                field.focus()
                return
            if value != getattr(self.settings.overrides, name):
                changes[name] = value
        self.dismiss(changes)
