"""Episode actions and timestamps on the wire, and what they say about an episode.

Facts from real clients and servers that this module follows:

- Timestamps go out as zone-less UTC ``YYYY-MM-DDTHH:MM:SS`` (Nextcloud's app crashed on
  offsets before 3.11; Kasts strips the ``Z``). Incoming ones may end in ``Z``, carry an
  offset or fractions, be naive (UTC), or be a UNIX time number.
- Actions go out lowercase and are read case-insensitively (Nextcloud shows ``PLAY``).
- ``-1`` means "unknown" (AntennaPod, Nextcloud), like a missing or null field.
- "Played" is a ``play`` with ``position == total`` (AntennaPod's convention). gPodder
  takes any ``play`` as played, so a partial play is never sent with position == total.
- The newest action wins. At equal timestamps a fixed order of the states decides
  (played beats unplayed, further beats earlier), so every device picks the same one and
  nothing flips back and forth.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from library.record import Record
from library.text import strip_terminal_controls


class State(Record, frozen=True):
    """An episode's listening state as sync sees it: played, or where it stopped."""

    played: bool
    position: int = 0

    def key(self) -> tuple[int, int]:
        """The tie-break order; a played episode's position does not matter."""
        return (int(self.played), 0 if self.played else self.position)

    @classmethod
    def of(cls, played: bool | int, position_s: float) -> "State":
        return cls(bool(played), 0 if played else int(max(0.0, position_s)))


def newer(at: int, state: State, than_at: int | None, than: State) -> bool:
    """Whether (``at``, ``state``) wins over (``than_at``, ``than``); equal never wins."""
    if than_at is None:
        return True
    return (at, *state.key()) > (than_at, *than.key())


class EpisodeAction(Record, frozen=True):
    """One action as the servers exchange it (``None`` = unknown)."""

    podcast: str
    episode: str
    action: str
    at: int                    # UTC UNIX seconds; 0 when the server gave no timestamp
    guid: str | None = None
    device: str | None = None
    started: int | None = None
    position: int | None = None
    total: int | None = None

    def state(self) -> State | None:
        """What this action says about the episode, or None if nothing podterm keeps."""
        if self.action == "new":
            return State(False)
        if self.action != "play" or self.position is None:
            return None
        if self.total is not None and self.total > 0 and self.position >= self.total:
            return State(True)
        return State(False, self.position)

    def fingerprint(self) -> str:
        """Identifies an action seen twice (the boundary of two pulls)."""
        return "|".join(str(v) for v in (self.podcast, self.episode, self.guid, self.action,
                                          self.at, self.started, self.position, self.total))

    def to_wire(self, *, missing: int | None, device: str | None) -> dict[str, Any]:
        """The JSON object to upload. ``missing`` stands for unknown numbers: None leaves
        them out (gpodder.net), -1 writes -1 (Nextcloud's own default)."""
        wire: dict[str, Any] = {"podcast": self.podcast, "episode": self.episode,
                                "action": self.action.lower(),
                                "timestamp": format_timestamp(self.at)}
        if self.guid:
            wire["guid"] = self.guid
        if device:
            wire["device"] = device
        if self.action == "play":
            for name in ("started", "position", "total"):
                value = getattr(self, name)
                if value is not None:
                    wire[name] = value
                elif missing is not None:
                    wire[name] = missing
        return wire


def local_action(podcast: str, episode: str, guid: str | None, state: State,
                 duration_s: int | None, previous_position: float, at: int) -> EpisodeAction:
    """The action that tells other devices about a change made here.

    Played: ``play`` with started = position = total. Unplayed from the start: ``new``.
    Stopped somewhere: ``play`` from the previous position to here, kept below the total.
    """
    total = duration_s if duration_s and duration_s > 0 else None
    if state.played:
        end = total or 1
        return EpisodeAction(podcast, episode, "play", at, guid, started=end, position=end,
                             total=end)
    if state.position == 0:
        return EpisodeAction(podcast, episode, "new", at, guid)
    position = state.position if total is None else min(state.position, total - 1)
    started = min(position, int(max(0.0, previous_position)))
    return EpisodeAction(podcast, episode, "play", at, guid, started=started,
                         position=position, total=total)


def format_timestamp(at: int) -> str:
    """UTC without a zone, e.g. ``2009-12-12T09:00:00``."""
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def parse_timestamp(value: Any) -> int | None:
    """UTC UNIX seconds from an ISO 8601 text (``Z``, offset, fractions or naive UTC) or a
    UNIX time number; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if math.isfinite(value) and value >= 0 else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0, int(moment.timestamp()))


def parse_action(item: Any) -> EpisodeAction | None:
    """An action from a server's JSON, or None when it lacks what every action needs
    (podcast, episode, action) or is not an object."""
    if not isinstance(item, dict):
        return None
    podcast, episode, action = (_text(item.get(name)) for name in ("podcast", "episode", "action"))
    if not podcast or not episode or not action:
        return None
    return EpisodeAction(
        podcast=podcast, episode=episode, action=action.lower(),
        at=parse_timestamp(item.get("timestamp")) or 0,
        guid=_text(item.get("guid")), device=_text(item.get("device")),
        started=_number(item.get("started")), position=_number(item.get("position")),
        total=_number(item.get("total")),
    )


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return strip_terminal_controls(value).strip() or None


def _number(value: Any) -> int | None:
    """A count of seconds; -1, negatives, null, junk and missing all mean unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return int(value)
