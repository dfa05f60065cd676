"""CLI commands for sync: ``podterm sync [--json] [--yes] [--full]`` and ``podterm sync login``.

Heavy modules (httpx, the sync engine, its settings) are imported inside the functions
that need them: the parser imports this module for every command.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from library.cli.commands import CommandError, Context, print_json

if TYPE_CHECKING:
    from library.sync.settings import SyncSettings
    from rich.text import Text

GPODDER_NET = "https://gpodder.net"


def cmd_sync(args: argparse.Namespace, ctx: Context) -> None:
    from rich.text import Text
    from library.sync.engine import sync

    settings = _settings(ctx)
    if not settings.password and not settings.password_command:
        if not sys.stdin.isatty():
            raise CommandError("no sync password: set [sync] password_command (see README), "
                               "or run `podterm sync` in a terminal to type it")
        settings = replace(settings, password=getpass.getpass(
            f"Password for {settings.username} at {settings.server}: "))
    decide = (lambda question: True) if args.yes else (
        _ask_removal if sys.stdin.isatty() else None)
    report = sync(ctx.paths.database, settings, decide_removal=decide, full=args.full,
                  fetch_new=lambda _db, ids: _fetch(ctx, ids, args))
    if args.json:
        print_json(report.to_json())
    else:
        _summary(ctx, report)
    for message in report.held:
        ctx.errors.print(Text(f"podterm: sync: {message}"))
    if report.errors:
        for message in report.errors[:-1]:
            ctx.errors.print(Text(f"podterm: sync: {message}"))
        raise CommandError(f"sync: {report.errors[-1]}")


def cmd_login(args: argparse.Namespace, ctx: Context) -> None:
    if not sys.stdin.isatty():
        raise CommandError("`podterm sync login` asks questions: run it in a terminal, or "
                           "fill in the [sync] table of config.toml yourself (see README)")
    login(ctx, _TerminalPrompt(ctx))


class _TerminalPrompt:
    """Questions on the terminal; the password is never echoed."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def say(self, text: str) -> None:
        from rich.text import Text
        self.ctx.console.print(Text(text))

    def ask(self, question: str, default: str = "") -> str:
        shown = f"{question} [{default}]: " if default else f"{question}: "
        return input(shown).strip() or default

    def secret(self, question: str) -> str:
        return getpass.getpass(f"{question}: ")


def login(ctx: Context, prompt: _TerminalPrompt) -> None:
    """The interactive set-up; writes the [sync] table at the end."""
    from library.sync.client import open_api
    from library.sync.settings import SyncError, SyncSettings, default_device, write_sync_table

    current = SyncSettings.from_table(ctx.config["sync"])
    prompt.say("Sync shares subscriptions, positions and played episodes with a server.\n"
               "  1) gpodder.net, or a server speaking its API (mygpo, opodsync, gpodder2go)\n"
               "  2) Nextcloud with the GPodder Sync app")
    choice = prompt.ask("Which one", "2" if current.api == "nextcloud" else "1")
    api = "nextcloud" if choice.strip() in ("2", "nextcloud") else "gpodder"
    server = prompt.ask("Server address", current.server or
                        (GPODDER_NET if api == "gpodder" else ""))
    username = prompt.ask("User name", current.username)
    what = "App password (Nextcloud: Settings > Security)" if api == "nextcloud" else "Password"
    password = prompt.secret(what)
    device = ""
    if api == "gpodder":
        device = prompt.ask("This device's id on the server",
                            current.device or default_device())
    settings = SyncSettings(server=server, api=api, username=username, password=password,
                            device=device, interval_min=current.interval_min)
    try:
        settings = settings.checked()
        with open_api(settings) as client:
            client.start()
            if api == "nextcloud":
                client.pull_subscriptions(int(time.time()))
            else:
                _offer_linking(client, prompt)
    except SyncError as exc:
        raise CommandError(f"sync login: {exc}") from None
    prompt.say("The account works.")
    values = {"server": settings.server, "api": api, "username": username}
    if api == "gpodder":
        values["device"] = settings.device
    values.update(_password_choice(prompt, password))
    values["interval_min"] = current.interval_min
    path = ctx.paths.config_file
    write_sync_table(path, values)
    prompt.say(f"Saved the [sync] table in {path}. Run `podterm sync` to sync now.")


def _offer_linking(client, prompt: _TerminalPrompt) -> None:
    others = [d for d in client.devices() if d != client.settings.device]
    if not others:
        return
    prompt.say(f"Your account has other devices: {', '.join(others)}. On gpodder servers a "
               "device only sees the subscriptions of devices linked with it.")
    if prompt.ask("Link this device with them, so you share subscriptions? (y/n)",
                  "y").lower().startswith("y"):
        client.link(others)
        prompt.say("Linked.")


def _password_choice(prompt: _TerminalPrompt, password: str) -> dict[str, str]:
    from library.sync.settings import SyncError, run_password_command

    prompt.say("How should podterm get the password next time?\n"
               "  1) from a command that prints it, e.g. `pass show podterm` (nothing is "
               "stored in plain text)\n"
               "  2) written into config.toml in plain text (anyone who can read that file "
               "can read it; the file is made readable by you only)\n"
               "  3) not stored: `podterm sync` asks each time, and the player cannot sync "
               "in the background")
    while True:
        choice = prompt.ask("Choose", "1")
        if choice == "2":
            prompt.say("Warning: the password is written in plain text into config.toml.")
            return {"password": password, "password_command": ""}
        if choice == "3":
            return {"password": "", "password_command": ""}
        command = prompt.ask("Command")
        if not command:
            continue
        try:
            matches = run_password_command(command) == password
        except SyncError as exc:
            prompt.say(f"That did not work: {exc}")
            continue
        if matches:
            return {"password": "", "password_command": command}
        prompt.say("That command prints something else than the password you typed.")


def _ask_removal(question) -> bool | None:
    print(question.describe(), file=sys.stderr)
    while True:
        print("  [r]emove it here, [k]eep it (and subscribe again on every device), "
              "[s]kip for now? [s] ", end="", file=sys.stderr, flush=True)
        try:
            answer = input().strip().lower()
        except EOFError:
            return None
        if answer in ("", "s", "skip"):
            return None
        if answer in ("r", "remove"):
            return True
        if answer in ("k", "keep"):
            return False


def _fetch(ctx: Context, ids: list[int], args: argparse.Namespace):
    from library.cli.commands import run_refresh

    return run_refresh(ctx, ids, args)


def _summary(ctx: Context, report) -> None:
    from rich.text import Text
    say: Callable[[Text], None] = ctx.console.print
    for url in report.added:
        say(Text(f"+ {url}", style="green"))
    for title in report.removed:
        say(Text(f"- {title}", style="yellow"))
    pending = (f", {report.episodes_pending} waiting for their episode"
               if report.episodes_pending else "")
    say(Text(f"Subscriptions: {report.subscriptions_added} added, "
             f"{report.subscriptions_removed} removed, {report.subscriptions_uploaded} "
             f"changes uploaded. Episodes: {report.episodes_applied} updated from other "
             f"devices, {report.episodes_uploaded} changes uploaded{pending}."))


def _settings(ctx: Context) -> SyncSettings:
    from library.sync.settings import SyncError, SyncSettings

    try:
        return SyncSettings.from_table(ctx.config["sync"]).checked()
    except SyncError as exc:
        raise CommandError(str(exc)) from None

