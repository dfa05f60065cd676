"""Fetching one episode's audio into its ``.part`` file, safely and resumably.

The same rules as feed fetching: http and https only, at most five redirects, each one
checked by podterm (never a step from a public host into the private network), timeouts,
a size cap. On top of that:

- the ``.part`` file is locked while it is written, so two podterm processes never write
  the same file;
- a download that stopped halfway resumes with ``Range`` and ``If-Range`` (the server's
  ETag or Last-Modified from the first response): a 206 continues the file, a 200 (the
  file changed, or the server ignores ranges) restarts it cleanly from byte 0;
- the size must match ``Content-Length``; web pages, text and other non-audio bodies are
  refused by ``Content-Type`` and by their first bytes;
- each failure is a :class:`TransferError` with a short reason a user understands: "HTTP
  404 Not Found", "timed out", "disk full" (the ``.part`` is kept), "not audio: ...".

When the download is complete the ``.part`` is renamed to the final name.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import AsyncIterator, Callable
from urllib.parse import urljoin, urlsplit

import httpx

from library.download_names import part_path
from library.fetch import USER_AGENT, describe_transport_error
from library.text import strip_terminal_controls

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one podterm at a time there
    fcntl = None  # type: ignore[assignment]

MAX_REDIRECTS = 5
SNIFF_BYTES = 64
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


def make_download_client(timeout_s: float, connections: int) -> httpx.AsyncClient:
    """One client for all downloads: no overall timeout (episodes are large), but
    ``timeout_s`` without a byte is a failure; identity encoding keeps sizes honest."""
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        trust_env=False,
    )


async def download(client: httpx.AsyncClient, job: Transfer, started: Started,
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


async def _fetch_into(client: httpx.AsyncClient, job: Transfer, fd: int, started: Started,
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
async def _open(client: httpx.AsyncClient, url: str, origin_url: str,
                headers: dict[str, str]) -> AsyncIterator[httpx.Response]:
    """GET ``url``, following at most five redirects, each one checked first."""
    previous_private = await is_private_host(urlsplit(origin_url).hostname or "")
    for _hop in range(MAX_REDIRECTS + 1):
        private = await check_download_hop(url, previous_private)
        response = await client.send(client.build_request("GET", url, headers=headers),
                                     stream=True)
        if not response.has_redirect_location:
            try:
                yield response
            finally:
                await response.aclose()
            return
        await response.aclose()
        url, previous_private = urljoin(url, response.headers["location"]), private
    raise TransferError("redirects", f"more than {MAX_REDIRECTS} redirects")


async def check_download_hop(url: str, previous_private: bool) -> bool:
    """Refuse ``url`` unless it is http(s), and unless it would step from a public host
    into the private network; returns whether ``url``'s host is private.

    For the lead: this is the download side of issue 9's redirect rules (http/https only,
    no step from a public host into a private network); unify with the feed fetcher's.
    """
    if any(ord(ch) < 0x21 or ch == "\x7f" or "\u202a" <= ch <= "\u202e"
           or "\u2066" <= ch <= "\u2069" for ch in url):
        raise TransferError("unsupported", "refused: the address contains spaces, control "
                                           "or bidi characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        scheme = strip_terminal_controls(parts.scheme)[:20] or "no scheme"
        raise TransferError("unsupported", f"refused: only http and https addresses are "
                                           f"downloaded, not {scheme}")
    private = await is_private_host(parts.hostname)
    if private and not previous_private:
        raise TransferError("private", f"refused: a public address led into the private "
                                       f"network ({strip_terminal_controls(parts.hostname)})")
    return private


async def is_private_host(host: str) -> bool:
    """Whether ``host`` is (or resolves to) a loopback, private or link-local address.
    A name that does not resolve counts as public (the stricter choice)."""
    if not host:
        return False
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        addresses = [ipaddress.ip_address(name.split("%")[0])]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(name, None)
        except (OSError, UnicodeError):
            return False
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    return any(_private_address(address) for address in addresses)


def _private_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_unspecified)


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
        raise TransferError("http", f"HTTP {status} {_phrase(status)}".strip())
    if status != 200:
        raise TransferError("http", f"unexpected answer HTTP {status} {_phrase(status)}".strip())
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
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream",
                  "application/download", "application/force-download",
                  "application/x-download", "application/unknown"}


def check_first_bytes(head: bytes, content_type: str) -> None:
    """Refuse a body whose first bytes are a web page or text; a body sent without a
    real audio type must also start like a known audio or video format."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<?xml", b"<rss",
                        b"<!--", b"{", b"[")) or (text[:1] == b"<" and head.isascii()):
        kind = "a web page" if b"html" in text[:64] or b"<!doc" in text[:5] else "a text document"
        raise TransferError("not_audio", f"not audio: the server sent {kind}")
    mime = content_type.split(";")[0].strip().lower()
    if mime in _GENERIC_TYPES and not looks_like_media(head):
        raise TransferError("not_audio", "not audio: the file is in no known audio format")


def looks_like_media(head: bytes) -> bool:
    """Whether ``head`` starts like MP3, AAC, Ogg, FLAC, WAV, AIFF, MP4/M4A, WebM/Matroska,
    ASF/WMA, AMR or AU."""
    return (head.startswith((b"ID3", b"OggS", b"fLaC", b"\x1a\x45\xdf\xa3", b"#!AMR", b".snd",
                             b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"))
            or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
            or (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
            or (head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"))
            or head[4:8] == b"ftyp")


def _validator(response: httpx.Response) -> str | None:
    """What to send as If-Range next time: a strong ETag, else Last-Modified."""
    etag = response.headers.get("etag", "")
    if etag and not etag.startswith("W/"):
        return etag
    return response.headers.get("last-modified") or None


async def _write_body(response: httpx.Response, fd: int, offset: int, total: int | None,
                      max_bytes: int, progress: Progress) -> int:
    written = offset
    head = None if offset else b""   # sniff the first bytes of a fresh file
    content_type = response.headers.get("content-type", "")
    async for chunk in response.aiter_raw():
        if head is not None:
            head += chunk
            if len(head) < SNIFF_BYTES:
                continue
            check_first_bytes(head, content_type)
            chunk, head = head, None
        written = _append(fd, chunk, written, max_bytes)
        progress(written)
    if head is not None:            # the whole body was shorter than SNIFF_BYTES
        if not head:
            raise TransferError("empty", "the server sent an empty file")
        check_first_bytes(head, content_type)
        written = _append(fd, head, written, max_bytes)
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


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
