"""Fetching one episode's audio into its ``.part`` file, safely and resumably.

The same rules as feed fetching (:mod:`library.fetch`): http and https only, at most
five redirects, each ``Location`` normalised and checked like a typed address
(:mod:`library.urls`), no step from a public host into the private network
(:mod:`library.netpolicy`; the feed's own host counts as the first step), timeouts, a
size cap. On top of that:

- the ``.part`` file is locked while it is written, so two podterm processes never write
  the same file;
- a download that stopped halfway resumes with ``Range`` and ``If-Range`` (the server's
  ETag or Last-Modified from the first response): a 206 continues the file, a 200 (the
  file changed, or the server ignores ranges) restarts it cleanly from byte 0;
- the size must match ``Content-Length``; web pages, text and other non-audio bodies are
  refused by ``Content-Type``, and every body must start like a media file
  (:mod:`library.mediasniff`, the player's rule: a downloaded episode is played from the
  file, and libVLC would fetch whatever a streaming playlist lists);
- each failure is a :class:`TransferError` with a short reason a user understands: "HTTP
  404 Not Found", "timed out", "disk full" (the ``.part`` is kept), "not audio: ...".

When the download is complete the ``.part`` is renamed to the final name.
"""

from __future__ import annotations

import errno
import os
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable
from urllib.parse import urlsplit

import httpx

from library.download_names import part_path
from library.mediasniff import MEDIA, PLAYLIST, sniff
from library.fetch import (
    MAX_REDIRECTS, REDIRECT_REFUSED, USER_AGENT, describe_transport_error, http_status_text,
    invalid_location,
)
from library.netpolicy import is_private_address, peer_address, public_host, refusal
from library.pinning import CheckedClients, PrivateAddress
from library.text import strip_terminal_controls
from library.urls import UnsupportedURL, check_feed_url, join_url

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one podterm at a time there
    fcntl = None  # type: ignore[assignment]

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)$")
_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


class TransferError(Exception):
    """One episode's download failed; ``kind`` sorts it, the message says why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Transfer:
    """What to fetch, where to, and what is known from an earlier attempt."""

    url: str
    origin_url: str          # the feed's address: where the enclosure link came from
    path: Path               # the final file; bytes go to path + ".part" first
    validator: str | None    # ETag or Last-Modified of the bytes already in the .part
    max_bytes: int


# started(bytes already there, total or None, validator) may raise TransferError (a cap).
Started = Callable[[int, "int | None", "str | None"], None]
Progress = Callable[[int], None]


def make_download_client(timeout_s: float, connections: int) -> CheckedClients:
    """The clients for all downloads: no overall timeout (episodes are large), but
    ``timeout_s`` without a byte is a failure; identity encoding keeps sizes honest."""
    return CheckedClients(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


async def download(client: CheckedClients, job: Transfer, started: Started,
                   progress: Progress) -> int:
    """Fetch ``job`` into its file; returns the final size. Raises :class:`TransferError`;
    on cancellation the ``.part`` stays for a later resume."""
    job.path.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(job.path)
    fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise TransferError("busy", "already being downloaded by another podterm "
                                            "process") from None
        try:
            size = await _fetch_into(client, job, fd, started, progress)
        except BaseException:
            if os.fstat(fd).st_size == 0:
                os.unlink(part)  # nothing to resume: leave no empty .part behind
            raise
        os.replace(part, job.path)
        return size
    finally:
        os.close(fd)


async def _fetch_into(client: CheckedClients, job: Transfer, fd: int, started: Started,
                      progress: Progress) -> int:
    validator = job.validator
    for _attempt in range(2):
        have = os.fstat(fd).st_size
        if have and not validator:
            os.ftruncate(fd, 0)  # bytes of unknown origin: never glue on to them
            have = 0
        headers = {"Range": f"bytes={have}-", "If-Range": validator} if have else {}
        total = None
        try:
            async with _open(client, job.url, job.origin_url, headers) as response:
                offset, total = _where_to_write(response, have)
                if offset is None:      # the range no longer fits: start over
                    os.ftruncate(fd, 0)
                    validator = None
                    continue
                if response.status_code == 416:  # it was all there already
                    return offset
                if offset == 0 and have:
                    os.ftruncate(fd, 0)
                _check_type(response)
                if total is not None and total > job.max_bytes:
                    raise _too_large(job.max_bytes)
                new_validator = _validator(response)
                started(offset, total, new_validator)
                return await _write_body(response, fd, offset, total, job.max_bytes, progress)
        except httpx.TimeoutException:
            raise TransferError("timeout", "timed out (the server sent nothing for too long)"
                                ) from None
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.RemoteProtocolError) and invalid_location(exc):
                raise TransferError("unsupported", REDIRECT_REFUSED + "not a valid address"
                                    ) from None
            done = os.fstat(fd).st_size
            if total is not None and done < total:
                raise TransferError("incomplete", f"the connection broke after {_mb(done)} "
                                    f"of {_mb(total)}; download again to resume") from None
            kind, reason = describe_transport_error(exc)
            raise TransferError(kind, strip_terminal_controls(reason)) from None
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise TransferError("unsupported", f"invalid address: {exc}") from None
    raise TransferError("http", "the server does not answer range requests consistently")


@asynccontextmanager
async def _open(clients: CheckedClients, url: str, origin_url: str,
                headers: dict[str, str]) -> AsyncIterator[httpx.Response]:
    """GET ``url``, following at most five redirects, each one checked first. The feed
    at ``origin_url`` named ``url``: if its host is public, so must ``url``'s be (the
    request then goes through the client that connects only to checked public
    addresses, see :mod:`library.pinning`)."""
    sent_by = await public_host(origin_url)  # the public host that sent us to ``url``
    try:
        current = check_feed_url(url)
    except UnsupportedURL as exc:
        raise TransferError("unsupported", f"refused: {exc}") from None
    for _hop in range(MAX_REDIRECTS + 1):
        client = clients.pick(public_only=bool(sent_by))
        try:
            response = await client.send(client.build_request("GET", current, headers=headers),
                                         stream=True)
        except PrivateAddress as exc:
            raise TransferError("private", refusal(sent_by or "", current, exc.ip)) from None
        peer = peer_address(response)
        if not response.has_redirect_location:
            try:
                yield response
            finally:
                await response.aclose()
            return
        await response.aclose()
        try:
            target = join_url(current, response.headers["location"])
        except UnsupportedURL as exc:
            raise TransferError("unsupported", REDIRECT_REFUSED + str(exc)) from None
        sent_by = None if peer and is_private_address(peer) else urlsplit(current).hostname
        current = target
    raise TransferError("redirects", f"more than {MAX_REDIRECTS} redirects")


def _where_to_write(response: httpx.Response, have: int) -> tuple[int | None, int | None]:
    """(offset to write the body at, total size) for this response; offset None: the
    partial file cannot be continued and must start over."""
    status = response.status_code
    length = response.headers.get("content-length", "")
    length_value = int(length) if length.isdigit() else None
    if status == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", "").strip())
        if not have or match is None or int(match.group(1)) != have:
            return None, None
        return have, int(match.group(3)) if match.group(3).isdigit() else None
    if status == 416 and have:
        total = response.headers.get("content-range", "").rpartition("/")[2]
        return (have, have) if total.isdigit() and int(total) == have else (None, None)
    if status >= 400:
        raise TransferError("http", http_status_text(status))
    if status != 200:
        raise TransferError("http", f"unexpected answer {http_status_text(status)}")
    return 0, length_value


def _check_type(response: httpx.Response) -> None:
    mime = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if mime.startswith(("text/", "image/", "font/")) or mime in _NOT_AUDIO_TYPES:
        shown = strip_terminal_controls(mime)[:60]
        raise TransferError("not_audio", f"not audio: the server sent {shown}"
                            + (" (a web page)" if "html" in mime else ""))


_NOT_AUDIO_TYPES = {
    "application/json", "application/xml", "application/xhtml+xml", "application/rss+xml",
    "application/atom+xml", "application/pdf", "application/javascript", "application/zip",
    "application/gzip", "application/x-gzip",
}


def check_first_bytes(head: bytes, verdict: str) -> None:
    """Refuse a body whose first bytes are not media (``verdict`` from
    :func:`library.mediasniff.sniff`), saying what it looks like instead."""
    if verdict == MEDIA:
        return
    if verdict == PLAYLIST:
        raise TransferError("not_audio", "not audio: the server sent a streaming playlist "
                                         "(podterm plays and downloads files only)")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<?xml", b"<rss",
                        b"<!--", b"{", b"[")) or (text[:1] == b"<" and head.isascii()):
        kind = "a web page" if b"html" in text[:64] or b"<!doc" in text[:5] else "a text document"
        raise TransferError("not_audio", f"not audio: the server sent {kind}")
    raise TransferError("not_audio", "not audio: the file is in no known audio format")


def _validator(response: httpx.Response) -> str | None:
    """What to send as If-Range next time: a strong ETag, else Last-Modified."""
    etag = response.headers.get("etag", "")
    if etag and not etag.startswith("W/"):
        return etag
    return response.headers.get("last-modified") or None


async def _write_body(response: httpx.Response, fd: int, offset: int, total: int | None,
                      max_bytes: int, progress: Progress) -> int:
    written = offset
    head = None if offset else bytearray()   # judge the first bytes of a fresh file
    async for chunk in response.aiter_raw():
        if head is not None:
            head += chunk
            if len(head) > max_bytes:
                raise _too_large(max_bytes)
            verdict = sniff(head, complete=False)
            if verdict is None:
                continue
            check_first_bytes(head, verdict)
            chunk, head = bytes(head), None
        written = _append(fd, chunk, written, max_bytes)
        progress(written)
    if head is not None:            # the whole body was too short to judge before its end
        if not head:
            raise TransferError("empty", "the server sent an empty file")
        check_first_bytes(head, sniff(head, complete=True) or "")
        written = _append(fd, bytes(head), written, max_bytes)
    if total is not None and written != total:
        raise TransferError("incomplete", f"the server sent {_mb(written)} of {_mb(total)}; "
                                          "download again to resume")
    return written


def _append(fd: int, chunk: bytes, written: int, max_bytes: int) -> int:
    if written + len(chunk) > max_bytes:
        os.ftruncate(fd, 0)
        raise _too_large(max_bytes)
    view = memoryview(chunk)
    try:
        while view:
            count = os.pwrite(fd, view, written)
            written += count
            view = view[count:]
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise TransferError("disk_full", "disk full") from None
        raise TransferError("write", f"cannot write the file: {exc.strerror}") from None
    return written


def _too_large(max_bytes: int) -> TransferError:
    return TransferError("too_large", f"too large: over {max_bytes // (1024 * 1024)} MB "
                                      "(max_episode_mb)")


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
