"""Media keys over MPRIS: while the TUI runs, podterm is ``org.mpris.MediaPlayer2.podterm``
on the session bus, object ``/org/mpris/MediaPlayer2``, so desktop media keys, headset
buttons (through the desktop) and ``playerctl`` control it.

The connection is a dbus-fast ``MessageBus`` on Textual's own asyncio loop, opened in a
worker of the owning screen (so it closes with it). No session bus (SSH, a container,
``DBUS_SESSION_BUS_ADDRESS`` unset or unreachable) means no MPRIS and no error: it is
logged. ``[mpris] enabled = false`` turns it off. :meth:`Mpris.stop` leaves the bus
before the player and the library close. What the interfaces do is in
:mod:`tui.mpris_objects`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Mapping
from urllib.parse import urlsplit

from textual.worker import Worker

from library.feeds import FeedLookupError, get_feed
from library.models import Episode
from tui.messages import QuitRequested
from tui.services import Host

if TYPE_CHECKING:  # dbus-fast loads when MPRIS starts, after the first screen
    from dbus_fast.aio import MessageBus

    from tui.mpris_objects import MediaControls, PlayerInterface

log = logging.getLogger(__name__)

BUS_NAME = "org.mpris.MediaPlayer2.podterm"
OBJECT_PATH = "/org/mpris/MediaPlayer2"
CONNECT_TIMEOUT_S = 5.0
POLL_S = 1.0  # rate and volume keys send no engine event: look for changes this often


def session_bus_address(environ: Mapping[str, str]) -> str | None:
    """Where the session bus is: ``DBUS_SESSION_BUS_ADDRESS``, else the systemd user
    bus ``$XDG_RUNTIME_DIR/bus`` if that socket exists; None when there is none."""
    if address := environ.get("DBUS_SESSION_BUS_ADDRESS", "").strip():
        return address
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and (Path(runtime) / "bus").is_socket():
        return f"unix:path={Path(runtime) / 'bus'}"
    return None


def web_address(url: str | None) -> str:
    """``url`` if it is http(s) (a feed's image must not point the desktop at a local
    file), else ""."""
    return url if url and urlsplit(url).scheme in ("http", "https") else ""


class Mpris:
    def __init__(self, host: Host, controls: MediaControls) -> None:
        self.host, self.controls = host, controls
        self.enabled = bool(host.services.config["mpris"]["enabled"])
        self.bus: MessageBus | None = None
        self.name: str | None = None             # the bus name we own, once we do
        self.player: PlayerInterface | None = None
        self._art: dict[int, str] = {}           # feed id -> artwork URL ("" if none)
        self._worker: Worker[None] | None = None

    def start(self, environ: Mapping[str, str] = os.environ) -> None:
        if not self.enabled:
            log.info("MPRIS is off ([mpris] enabled = false)")
            return
        address = session_bus_address(environ)
        if address is None:
            log.info("no session bus (DBUS_SESSION_BUS_ADDRESS is not set): no MPRIS")
            return
        self._worker = self.host.run_worker(self._serve(address), name="mpris",
                                            group="mpris", exit_on_error=False)

    async def _serve(self, address: str) -> None:
        """Connect, export, own the name; then announce changes until the bus goes."""
        from dbus_fast import BusType
        from dbus_fast.aio import MessageBus

        try:
            bus = await asyncio.wait_for(
                MessageBus(bus_address=address, bus_type=BusType.SESSION,
                           auth_timeout=CONNECT_TIMEOUT_S).connect(), CONNECT_TIMEOUT_S)
        except Exception as exc:  # refused, no such socket, bad address, timeout, auth
            log.info("no MPRIS: the session bus at %s did not answer: %s", address,
                     exc or type(exc).__name__)
            return
        self.bus = bus
        try:
            await self._export(bus)
            while bus.connected:
                self.changed()
                await asyncio.sleep(POLL_S)
            log.info("the session bus went away: no more MPRIS")
        except Exception as exc:
            log.warning("MPRIS stopped: %s", exc, exc_info=True)
        finally:
            self.bus = self.player = None
            bus.disconnect()

    async def _export(self, bus: MessageBus) -> None:
        from dbus_fast import NameFlag, RequestNameReply

        from tui.mpris_objects import PlayerInterface, RootInterface

        self.player = PlayerInterface(self.controls, self._artwork)
        bus.export(OBJECT_PATH, RootInterface(
            lambda: self.host.post_message(QuitRequested())))
        bus.export(OBJECT_PATH, self.player)
        for name in (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}"):  # the spec's fallback
            reply = await bus.request_name(name, NameFlag.DO_NOT_QUEUE)
            if reply in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
                self.name = name
                log.info("MPRIS: %s on the session bus", name)
                return
        raise RuntimeError(f"could not own {BUS_NAME} on the session bus")

    def changed(self) -> None:
        """Tell the bus what changed (called on player events and every POLL_S)."""
        if self.player is not None:
            self.player.announce()

    async def stop(self) -> None:
        """Leave the bus (at quit, before the player and the library close)."""
        bus, worker, self._worker = self.bus, self._worker, None
        if worker is not None:
            worker.cancel()
        if bus is None:
            return
        bus.disconnect()
        try:
            await asyncio.wait_for(bus.wait_for_disconnect(), CONNECT_TIMEOUT_S)
        except Exception as exc:  # gone with an error, or slow: we are leaving anyway
            log.info("MPRIS: leaving the bus: %s", exc or type(exc).__name__)

    # -- artwork --------------------------------------------------------------------
    def _artwork(self, episode: Episode) -> str:
        """The show's image URL; looked up in the library the first time it is asked."""
        if episode.feed_id not in self._art:
            self._art[episode.feed_id] = ""
            self.host.run_worker(self._look_up_art(episode.feed_id), group="mpris-art",
                                 exit_on_error=False)
        return self._art[episode.feed_id]

    async def _look_up_art(self, feed_id: int) -> None:
        try:
            feed = await self.host.services.librarian.run(get_feed, feed_id)
        except FeedLookupError:
            return
        self._art[feed_id] = web_address(feed.image_url)
        self.changed()
