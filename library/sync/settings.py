"""The ``[sync]`` table: which server, who, the password, and writing the table back.

The password comes from ``password`` or, better, from ``password_command`` (a command
whose first output line is the password, e.g. ``pass show podterm``). It is never
logged or shown: :class:`SyncSettings` hides it from ``repr``, and errors about the
command say how it failed, never what it printed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import stat
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from library.text import strip_terminal_controls
from library.urls import UnsupportedURL, check_feed_url

APIS = ("gpodder", "nextcloud")
PASSWORD_COMMAND_TIMEOUT_S = 120


class SyncError(Exception):
    """Sync cannot go on; the message says why in one line. It may quote what a server
    sent (a redirect's address), so it is kept to one line without control characters
    or terminal escapes, whoever builds it."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(strip_terminal_controls(message).split()))


@dataclass(frozen=True)
class SyncSettings:
    """The [sync] table: which server, which account, how often."""

    server: str = ""
    api: str = "gpodder"
    username: str = ""
    password: str = field(default="", repr=False)
    password_command: str = ""
    device: str = ""
    interval_min: float = 30

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> "SyncSettings":
        return cls(**{name: table[name] for name in ("server", "api", "username", "password",
                                                      "password_command", "device",
                                                      "interval_min")})

    @property
    def configured(self) -> bool:
        return bool(self.server and self.username)

    def checked(self) -> "SyncSettings":
        """These settings with the server address tidied and the device filled in;
        :class:`SyncError` says what is wrong."""
        if not self.configured:
            raise SyncError("sync is not set up: run `podterm sync login`, or fill in the "
                            "[sync] table of config.toml (see README)")
        if self.api not in APIS:
            raise SyncError(f"[sync] api must be \"gpodder\" or \"nextcloud\", not {self.api!r}")
        try:
            server = check_feed_url(self.server).rstrip("/")
        except UnsupportedURL as exc:
            raise SyncError(f"[sync] server: {exc}") from None
        device = self.device or default_device()
        if not re.fullmatch(r"[\w.-]+", device):
            raise SyncError(f"[sync] device may have letters, digits, '.', '-' and '_' "
                            f"only, not {device!r}")
        return replace(self, server=server, device=device)

    @property
    def account(self) -> str:
        """What the remembered sync state belongs to: another server, user or device
        starts afresh."""
        return f"{self.api} {self.server} {self.username} {self.device}"

    def with_password(self) -> "SyncSettings":
        """These settings with ``password`` filled in from ``password_command`` if set."""
        if self.password or not self.password_command:
            return self
        return replace(self, password=run_password_command(self.password_command))


def default_device() -> str:
    """``podterm-<hostname>``, in the characters device ids may have."""
    host = re.sub(r"[^\w.-]+", "-", socket.gethostname()).strip("-.") or "computer"
    return f"podterm-{host}"


def run_password_command(command: str) -> str:
    """The first line the command prints; :class:`SyncError` if it fails."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SyncError(f"[sync] password_command cannot be read: {exc}") from None
    if not argv:
        raise SyncError("[sync] password_command is empty")
    try:
        result = subprocess.run(argv, capture_output=True, text=True,
                                timeout=PASSWORD_COMMAND_TIMEOUT_S)
    except FileNotFoundError:
        raise SyncError(f"[sync] password_command: {argv[0]!r} was not found") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SyncError(f"[sync] password_command failed: {type(exc).__name__}") from None
    if result.returncode != 0:
        said = (result.stderr or "").strip().splitlines()
        raise SyncError(f"[sync] password_command exited with status {result.returncode}"
                        + (f": {said[-1][:200]}" if said else ""))
    lines = result.stdout.splitlines()
    if not lines or not lines[0]:
        raise SyncError("[sync] password_command printed nothing")
    return lines[0]


def write_sync_table(path: Path, values: dict[str, Any]) -> None:
    """Put ``values`` as the ``[sync]`` table of the TOML file at ``path``, keeping the
    rest of the file as it is. A file holding a password becomes readable by its owner
    only."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.splitlines()
    table = ["[sync]"] + [f"{key} = {_toml(value)}" for key, value in values.items()]
    start = next((n for n, line in enumerate(lines)
                  if re.fullmatch(r"\s*\[\s*sync\s*\]\s*(#.*)?", line)), None)
    if start is None:
        lines += ([""] if lines and lines[-1].strip() else []) + table
    else:
        end = next((n for n in range(start + 1, len(lines))
                    if re.match(r"\s*\[", lines[n])), len(lines))
        lines[start:end] = table + ([""] if end < len(lines) else [])
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a new file and rename it over the old one: a password is never, not even for
    # a moment, in a file others may read (a chmod after writing leaves such a moment).
    target = path.resolve()  # a config.toml symlinked from a dotfiles folder stays a link
    # Without a password: the old file's mode, or for a new file the umask's choice.
    mode = 0o600 if values.get("password") else \
        stat.S_IMODE(target.stat().st_mode) if target.exists() else None
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                 0o666 if mode is None else 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            if mode is not None:
                os.fchmod(file.fileno(), mode)  # before the first byte is written
            file.write("\n".join(lines) + "\n")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a valid TOML basic string
