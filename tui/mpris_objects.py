"""The two MPRIS interfaces podterm exports, mapped onto its playback controls.

``org.mpris.MediaPlayer2`` (the application) and ``org.mpris.MediaPlayer2.Player``
(https://specifications.freedesktop.org/mpris-spec/latest/), as dbus-fast
:class:`ServiceInterface` objects. Their methods and property getters run on the event
loop that owns the bus (Textual's): they read the engine's status (one short lock) and
queue commands (the engine never blocks its callers), so a D-Bus call never stalls the
UI. :meth:`PlayerInterface.announce` sends ``PropertiesChanged`` for what changed since
it last ran, and ``Seeked`` when the position jumped.

dbus-fast reads annotations as D-Bus signatures, so D-Bus methods that return nothing
carry no return annotation.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Callable, Protocol

from dbus_fast import DBusError, PropertyAccess, Variant
from dbus_fast.annotations import (
    DBusBool, DBusDict, DBusDouble, DBusInt64, DBusObjectPath, DBusSignature, DBusStr,
)
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from library.models import Episode
from library.text import clean_line
from player import RATE_MAX, RATE_MIN, PlayerState
from tui.playback import NowPlayingView

DBusStrings = Annotated[list[str], DBusSignature("as")]

IDENTITY = "podterm"
NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"
US = 1_000_000
SEEK_JUMP_S = 2.0  # a position this far from where playing would have taken it: Seeked
ERROR = "org.mpris.MediaPlayer2.podterm.Error"
STATUS = {PlayerState.PLAYING: "Playing", PlayerState.OPENING: "Playing",
          PlayerState.BUFFERING: "Playing", PlayerState.PAUSED: "Paused"}


class MediaControls(Protocol):
    """What MPRIS drives (:class:`tui.playback.Playback` is the real one)."""

    episode: Episode | None

    @property
    def loaded(self) -> bool: ...

    @property
    def resumable(self) -> bool: ...

    def view(self) -> NowPlayingView | None: ...
    def resume(self) -> None: ...
    def pause(self) -> None: ...
    def toggle_pause(self) -> None: ...
    def stop(self) -> None: ...
    def next(self) -> None: ...
    def previous(self) -> None: ...
    def skip(self, delta_s: float) -> None: ...
    def seek_to(self, position_s: float) -> None: ...
    def set_rate(self, rate: float) -> float: ...
    def set_volume(self, percent: int) -> int: ...


def track_id(episode: Episode | None) -> str:
    return f"/org/podterm/episode/{episode.id}" if episode is not None else NO_TRACK


class RootInterface(ServiceInterface):
    """The application: it can quit (``quit`` asks the app), not raise a window."""

    def __init__(self, quit_app: Callable[[], None]) -> None:
        super().__init__("org.mpris.MediaPlayer2")
        self._quit = quit_app

    @dbus_method()
    def Raise(self):
        """A terminal has no window podterm could raise (CanRaise is false)."""

    @dbus_method()
    def Quit(self):
        self._quit()

    @dbus_property(access=PropertyAccess.READ)
    def CanQuit(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def CanRaise(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def HasTrackList(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Identity(self) -> DBusStr:
        return IDENTITY

    @dbus_property(access=PropertyAccess.READ)
    def SupportedUriSchemes(self) -> DBusStrings:
        return []

    @dbus_property(access=PropertyAccess.READ)
    def SupportedMimeTypes(self) -> DBusStrings:
        return []


class PlayerInterface(ServiceInterface):
    """Playback. ``art(episode)`` is the show's artwork URL ("" while unknown)."""

    def __init__(self, controls: MediaControls, art: Callable[[Episode], str]) -> None:
        super().__init__("org.mpris.MediaPlayer2.Player")
        self.controls, self.art = controls, art
        self._announced = self.values()
        self._where: tuple[str, float, float, float] | None = None  # track, s, at, rate

    # -- the state, fresh on every read ---------------------------------------------
    def values(self) -> dict[str, Any]:
        """Every property that PropertiesChanged reports (Position never is)."""
        controls, view = self.controls, self.controls.view()
        return {
            "PlaybackStatus": STATUS.get(view.state, "Stopped")
                              if view is not None and controls.loaded else "Stopped",
            "Metadata": self.metadata(view),
            "Rate": view.rate if view else 1.0,
            "Volume": view.volume / 100 if view else 1.0,
            "CanPlay": controls.resumable,
            "CanPause": controls.loaded,
            "CanSeek": controls.loaded,
            "CanGoNext": controls.resumable,
            "CanGoPrevious": controls.resumable,
        }

    def metadata(self, view: NowPlayingView | None) -> dict[str, Variant]:
        episode = self.controls.episode
        if view is None or episode is None:
            return {"mpris:trackid": Variant("o", NO_TRACK)}
        show = clean_line(episode.feed_title)
        data = {"mpris:trackid": Variant("o", track_id(episode)),
                "xesam:title": Variant("s", clean_line(episode.title)),
                "xesam:album": Variant("s", show),
                "xesam:artist": Variant("as", [show])}
        if art := self.art(episode):
            data["mpris:artUrl"] = Variant("s", art)
        length = view.duration or episode.duration_s
        if length:
            data["mpris:length"] = Variant("x", int(length * US))
        return data

    def announce(self) -> None:
        """PropertiesChanged for what changed since the last call; Seeked on a jump."""
        values = self.values()
        changed = {name: value for name, value in values.items()
                   if self._announced.get(name) != value}
        self._announced = values
        if changed:
            self.emit_properties_changed(changed)
        view, now = self.controls.view(), time.monotonic()
        if view is None:
            self._where = None
            return
        track = track_id(self.controls.episode)
        rate = view.rate if view.state is PlayerState.PLAYING else 0.0
        if self._where is not None and self._where[0] == track:
            _track, position, at, was_rate = self._where
            if abs(view.position - (position + (now - at) * was_rate)) > SEEK_JUMP_S:
                self.Seeked(int(view.position * US))
        self._where = (track, view.position, now, rate)

    # -- methods --------------------------------------------------------------------
    @dbus_method()
    def Next(self):
        self.controls.next()

    @dbus_method()
    def Previous(self):
        self.controls.previous()

    @dbus_method()
    def Pause(self):
        self.controls.pause()

    @dbus_method()
    def PlayPause(self):
        if self.controls.loaded:
            self.controls.toggle_pause()
        else:
            self.controls.resume()

    @dbus_method()
    def Stop(self):
        if self.controls.loaded:
            self.controls.stop()

    @dbus_method()
    def Play(self):
        self.controls.resume()

    @dbus_method()
    def Seek(self, Offset: DBusInt64):
        view = self.controls.view()
        if not self.controls.loaded or view is None:
            return
        if view.duration and view.position + Offset / US > view.duration:
            self.controls.next()  # the spec: seeking past the end acts like Next
        else:
            self.controls.skip(Offset / US)

    @dbus_method()
    def SetPosition(self, TrackId: DBusObjectPath, Position: DBusInt64):
        view = self.controls.view()
        if not self.controls.loaded or view is None or Position < 0 \
                or TrackId != track_id(self.controls.episode):
            return  # the spec: a stale track id or a position out of range does nothing
        if view.duration and Position > view.duration * US:
            return
        self.controls.seek_to(Position / US)

    @dbus_method()
    def OpenUri(self, Uri: DBusStr):
        raise DBusError(f"{ERROR}.NotSupported",
                        "podterm plays the episodes of its subscriptions only")

    @dbus_signal()
    def Seeked(self, position: int) -> DBusInt64:
        return position

    # -- properties -----------------------------------------------------------------
    @dbus_property(access=PropertyAccess.READ)
    def PlaybackStatus(self) -> DBusStr:
        return str(self.values()["PlaybackStatus"])

    @dbus_property()
    def Rate(self) -> DBusDouble:
        return float(self.values()["Rate"])

    @Rate.setter
    def Rate(self, rate: DBusDouble) -> None:
        if rate <= 0:
            self.controls.pause()  # the spec: a rate of 0 acts like Pause
        elif self.controls.loaded:
            self.controls.set_rate(rate)
        self.announce()

    @dbus_property()
    def Volume(self) -> DBusDouble:
        return float(self.values()["Volume"])

    @Volume.setter
    def Volume(self, volume: DBusDouble) -> None:
        if self.controls.loaded:
            self.controls.set_volume(round(max(0.0, volume) * 100))
        self.announce()

    @dbus_property(access=PropertyAccess.READ)
    def Metadata(self) -> DBusDict:
        return self.metadata(self.controls.view())

    @dbus_property(access=PropertyAccess.READ)
    def Position(self) -> DBusInt64:
        view = self.controls.view()
        return int(view.position * US) if view else 0

    @dbus_property(access=PropertyAccess.READ)
    def MinimumRate(self) -> DBusDouble:
        return RATE_MIN

    @dbus_property(access=PropertyAccess.READ)
    def MaximumRate(self) -> DBusDouble:
        return RATE_MAX

    @dbus_property(access=PropertyAccess.READ)
    def CanGoNext(self) -> DBusBool:
        return bool(self.values()["CanGoNext"])

    @dbus_property(access=PropertyAccess.READ)
    def CanGoPrevious(self) -> DBusBool:
        return bool(self.values()["CanGoPrevious"])

    @dbus_property(access=PropertyAccess.READ)
    def CanPlay(self) -> DBusBool:
        return bool(self.values()["CanPlay"])

    @dbus_property(access=PropertyAccess.READ)
    def CanPause(self) -> DBusBool:
        return bool(self.values()["CanPause"])

    @dbus_property(access=PropertyAccess.READ)
    def CanSeek(self) -> DBusBool:
        return bool(self.values()["CanSeek"])

    @dbus_property(access=PropertyAccess.READ)
    def CanControl(self) -> DBusBool:
        return True
