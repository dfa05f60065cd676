"""What can be played, and why something could not be.

libVLC says only "EncounteredError" when an address fails (HTTP 404, connection
refused, unknown host all look the same), and nothing at all when an address returns a
web page instead of audio (it plays zero seconds of nothing). To give the user a reason
they can act on, :func:`explain_open_failure` asks the server itself, once, after libVLC
has failed. It blocks for up to its timeout, so the engine runs it on a worker thread.
"""

from __future__ import annotations

import os
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

NOT_AUDIO = "This address did not return audio (got an HTML page?)"
PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Source:
    """``text`` is what the caller passed to play() (events repeat it); exactly one of
    ``url`` and ``path`` is set, unless ``problem`` says why it cannot be played at all."""

    text: str
    url: str | None = None
    path: Path | None = None
    problem: str | None = None


def resolve_source(source: str | os.PathLike[str]) -> Source:
    """Classify an http(s) URL, a ``file://`` URL or a local path, checking files exist."""
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


def explain_open_failure(source: Source, timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """Why libVLC could not open ``source``; for URLs, found out by asking the server."""
    if source.url is None:
        return f"VLC could not open {source.path} (not an audio file, or damaged?)"
    parts = urlsplit(source.url)
    host = parts.hostname or source.url
    request = urllib.request.Request(
        source.url, headers={"Range": "bytes=0-1023", "User-Agent": "podterm"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            content_type = response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        return f"The server answered HTTP {exc.code} {exc.reason} for this address"
    except urllib.error.URLError as exc:
        return _network_failure(exc.reason, host, parts.port, timeout_s)
    except OSError as exc:  # a timeout or reset after the connection was made
        return _network_failure(exc, host, parts.port, timeout_s)
    if content_type.startswith("text/") or "html" in content_type:
        return NOT_AUDIO
    return f"VLC could not play this address (the server sent {content_type})"


def _network_failure(reason: object, host: str, port: int | None, timeout_s: float) -> str:
    where = f"{host}:{port}" if port else host
    if isinstance(reason, socket.gaierror):
        return f"Cannot find the server {host} (DNS lookup failed: {reason.strerror}; offline?)"
    if isinstance(reason, ConnectionRefusedError):
        return f"Connection refused by {where} (is the server down?)"
    if isinstance(reason, TimeoutError):
        return f"{where} did not answer within {timeout_s:g} s"
    if isinstance(reason, ssl.SSLError):
        return f"Secure connection to {host} failed: {reason}"
    return f"Cannot connect to {where}: {reason}"
