"""What can be played, and why something could not be.

libVLC says only "EncounteredError" when an address fails (HTTP 404, connection
refused, unknown host all look the same), and nothing at all when an address returns a
web page instead of audio (it plays zero seconds of nothing). Remote addresses are
streamed through the player's own proxy (:mod:`player.proxy`), which saw what the server
did: :func:`explain_open_failure` turns that into a reason the user can act on, without
asking the server again.
"""

from __future__ import annotations

import os
import socket
import ssl
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .proxy import NOT_AUDIO, UPSTREAM_TIMEOUT_S

if TYPE_CHECKING:
    from .proxy import Upstream


@dataclass(frozen=True)
class Source:
    """``text`` is what the caller passed to play() (events repeat it); exactly one of
    ``url`` and ``path`` is set, unless ``problem`` says why it cannot be played at all.
    ``origin`` is the feed that named it, as passed to play()."""

    text: str
    url: str | None = None
    path: Path | None = None
    problem: str | None = None
    origin: str | None = None


def resolve_source(source: str | os.PathLike[str], origin: str | None = None) -> Source:
    """Classify an http(s) URL, a ``file://`` URL or a local path, checking files exist."""
    return replace(_resolve(source), origin=origin)


def _resolve(source: str | os.PathLike[str]) -> Source:
    text = os.fspath(source)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if isinstance(source, os.PathLike) or scheme == "" or len(scheme) == 1:  # C:\ on Windows
        return _local(text, Path(text).expanduser())
    if scheme == "file":
        return _local(text, Path(urllib.request.url2pathname(parts.path)))
    if scheme in ("http", "https"):
        if not parts.hostname:
            return Source(text, problem=f"Not a valid address: {text}")
        return Source(text, url=text)
    return Source(text, problem=f"Cannot play {scheme}: addresses, only http, https and files")


def _local(text: str, path: Path) -> Source:
    if not path.exists():
        return Source(text, problem=f"File not found: {path}")
    if not path.is_file():
        return Source(text, problem=f"Not a file: {path}")
    if not os.access(path, os.R_OK):
        return Source(text, problem=f"Cannot read {path}: permission denied")
    return Source(text, path=path)


def explain_no_audio(source: Source) -> str:
    """The reason for media that opened but had no audio track."""
    if source.path is not None:
        return f"{source.path.name} contains no audio that VLC can play"
    return NOT_AUDIO


def explain_open_failure(source: Source, upstream: "Upstream | None") -> str:
    """Why libVLC could not open ``source``; for URLs, from what the proxy saw upstream."""
    if source.url is None:
        return f"VLC could not open {source.path} (not an audio file, or damaged?)"
    if upstream is not None and upstream.failure:
        return upstream.failure
    if upstream is not None and upstream.failure_exc is not None:
        host, port = upstream.failed_host
        return _network_failure(upstream.failure_exc, host, port, UPSTREAM_TIMEOUT_S)
    content_type = upstream.content_type if upstream is not None else None
    if content_type and (content_type.startswith("text/") or "html" in content_type):
        return NOT_AUDIO
    if content_type:
        return f"VLC could not play this address (the server sent {content_type})"
    return "VLC could not play this address"


def explain_timeout(source: Source, timeout_s: float) -> str:
    """The reason for media that did not start playing within ``timeout_s``."""
    if source.path is not None:
        return f"VLC did not start playing {source.path.name} in {timeout_s:g} s"
    return f"the server did not send any audio in {timeout_s:g} s"


def _network_failure(reason: object, host: str, port: int | None, timeout_s: float) -> str:
    where = f"{host}:{port}" if port else host
    if isinstance(reason, socket.gaierror):
        return f"Cannot find the server {host} (DNS lookup failed: {reason.strerror}; offline?)"
    if isinstance(reason, ConnectionResetError):
        return f"{where} closed the connection"
    if isinstance(reason, ConnectionRefusedError):
        return f"Connection refused by {where} (is the server down?)"
    if isinstance(reason, TimeoutError):
        return f"{where} did not answer within {timeout_s:g} s"
    if isinstance(reason, ssl.SSLError):
        return f"Secure connection to {host} failed: {reason}"
    return f"Cannot connect to {where}: {reason}"
