"""Reading one HTTP/1.1 answer from a stream: status line, header block, body.

Strict where a mistake could be exploited or could hang a refresh, lenient where real
servers are sloppy and nothing is at stake:

- the header block is at most :data:`MAX_HEAD_BYTES` and :data:`MAX_HEADERS` lines;
  a folded line (obsolete line folding), a name that is not a token, a bare CR or a
  NUL byte make the answer malformed (:class:`ProtocolError`); bare LF line ends are
  accepted, as browsers and curl accept them;
- values are decoded as ASCII, else UTF-8, else Latin-1 (as httpx did: a UTF-8
  ``Location`` keeps its characters) and never shown raw: ``Location`` is checked like a
  typed address (:mod:`library.urls`), validators only go back to the server, and
  :class:`ProtocolError` messages are podterm's own words, never the server's text;
- bodies are framed by ``Transfer-Encoding: chunked`` (trailers read and dropped),
  ``Content-Length``, or the end of the connection, and read under a size cap
  (:class:`TooLarge`) before the next byte is asked for.
"""

from __future__ import annotations

import asyncio
import re

from library.record import Record

MAX_HEAD_BYTES = 64 * 1024   # also the stream's line limit (see library/http11.py)
MAX_HEADERS = 100
NO_BODY_STATUSES = (204, 304)
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: [^\r\n]*)?\r?\n")
_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*\r?\n")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n")
_READ_SIZE = 256 * 1024


class ProtocolError(Exception):
    """The answer is not valid HTTP/1.1; the message says what is wrong, in our words."""


class RemoteClosed(Exception):
    """The server closed the connection before its answer was complete."""

    def __init__(self, message: str, *, nothing_received: bool = False) -> None:
        super().__init__(message)
        self.nothing_received = nothing_received


class TooLarge(Exception):
    """The body is longer than the cap."""


class Head(Record):
    """A status line and its headers (names lower-case, repeated ones joined by ", ")."""

    status: int
    version: int   # the x of HTTP/1.x
    headers: dict[str, str]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    @property
    def keeps_alive(self) -> bool:
        """Whether the server lets the connection be used again after this answer."""
        tokens = _tokens(self.headers.get("connection", ""))
        return "keep-alive" in tokens if self.version == 0 else "close" not in tokens


async def read_head(reader: asyncio.StreamReader) -> Head:
    """The next final answer's head (up to ten 1xx answers are read and skipped)."""
    for interim in range(11):
        head = await _read_one_head(reader, interim == 0)
        if head.status == 101:  # a GET asks for no other protocol
            raise ProtocolError("the server switched protocols")
        if not 100 <= head.status < 200:
            return head
    raise ProtocolError("too many informational (1xx) answers")


async def _read_one_head(reader: asyncio.StreamReader, first: bool) -> Head:
    line = await _line(reader, "the status line")
    if not line:
        raise RemoteClosed("no answer (the connection was closed)", nothing_received=first)
    if not line.endswith(b"\n"):
        raise RemoteClosed("the connection was closed in the middle of the status line")
    status = _STATUS_LINE.fullmatch(line)
    if status is None:
        raise ProtocolError("the status line is not HTTP/1.x" if not line.startswith(b"HTTP/")
                            else "malformed status line")
    headers: dict[str, str] = {}
    size, count = len(line), 0
    while True:
        line = await _line(reader, "the headers")
        size += len(line)
        if size > MAX_HEAD_BYTES:
            raise ProtocolError(f"headers too large (over {MAX_HEAD_BYTES // 1024} KB)")
        if line in (b"\r\n", b"\n"):
            break
        if not line.endswith(b"\n"):
            raise RemoteClosed("the connection was closed in the middle of the headers")
        count += 1
        if count > MAX_HEADERS:
            raise ProtocolError(f"too many headers (over {MAX_HEADERS})")
        if line[:1] in (b" ", b"\t"):
            raise ProtocolError("folded header line (obsolete line folding)")
        match = _HEADER_LINE.fullmatch(line)
        if match is None or b"\r" in match[2] or b"\0" in match[2]:
            raise ProtocolError("malformed header line")
        name, value = match[1].decode("ascii").lower(), _text(match[2])
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Head(int(status[2]), int(status[1]), headers)


async def _line(reader: asyncio.StreamReader, where: str) -> bytes:
    try:
        return await reader.readline()
    except ValueError:  # longer than the stream's limit (MAX_HEAD_BYTES)
        raise ProtocolError(f"a line in {where} is too long") from None


def _text(value: bytes) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")


def _tokens(value: str) -> set[str]:
    return {token.strip().lower() for token in value.split(",")}


class Body:
    """How the body after ``head`` is framed, and reading it under a cap."""

    def __init__(self, head: Head, method: str) -> None:
        self.length: int | None = None
        self.chunked = False
        self.until_close = False
        coding = head.get("transfer-encoding")
        if method == "HEAD" or head.status in NO_BODY_STATUSES:
            self.length = 0
        elif coding is not None:
            # Chunked must be the last coding; any other framing is read to the end.
            self.chunked = [t.strip().lower() for t in coding.split(",")][-1] == "chunked"
            self.until_close = not self.chunked
        elif (declared := head.get("content-length")) is not None:
            values = {v.strip() for v in declared.split(",")}
            if len(values) != 1 or not (value := values.pop()).isdigit() or len(value) > 18:
                raise ProtocolError("invalid Content-Length")
            self.length = int(value)
        else:
            self.until_close = True
        # A message with both framings is a smuggling attempt or a broken proxy.
        self.reusable = head.keeps_alive and not self.until_close and not (
            coding is not None and "content-length" in head.headers)
        self.complete = False

    async def read(self, reader: asyncio.StreamReader, max_bytes: int) -> bytes:
        """The whole body; :class:`TooLarge` as soon as it would pass ``max_bytes``."""
        if self.length is not None:
            if self.length > max_bytes:
                raise TooLarge
            data = await _exactly(reader, self.length)
        elif self.chunked:
            data = await _chunked(reader, max_bytes)
        else:
            data = await _to_end(reader, max_bytes)
        self.complete = True
        return data


async def _exactly(reader: asyncio.StreamReader, length: int) -> bytes:
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError as exc:
        raise RemoteClosed(f"the body ended after {len(exc.partial)} of the {length} "
                           "bytes announced (Content-Length)") from None


async def _chunked(reader: asyncio.StreamReader, max_bytes: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        line = await _line(reader, "the chunked body")
        if not line.endswith(b"\n"):
            raise RemoteClosed("the chunked body ended without its last chunk")
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise ProtocolError("invalid chunk size in the chunked body")
        size = int(match[1], 16)
        if size == 0:
            break
        total += size
        if total > max_bytes:
            raise TooLarge
        chunk = await _exactly(reader, size)
        end = await _line(reader, "the chunked body")
        if end not in (b"\r\n", b"\n"):
            raise ProtocolError("a chunk is longer than its size says")
        parts.append(chunk)
    await _trailers(reader)
    return b"".join(parts)


async def _trailers(reader: asyncio.StreamReader) -> None:
    size = 0
    for _count in range(MAX_HEADERS + 1):
        line = await _line(reader, "the trailers")
        if line in (b"\r\n", b"\n"):
            return
        if not line:
            raise RemoteClosed("the connection was closed in the middle of the trailers")
        size += len(line)
        if size > MAX_HEAD_BYTES:
            break
    raise ProtocolError("trailers too large")


async def _to_end(reader: asyncio.StreamReader, max_bytes: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while chunk := await reader.read(_READ_SIZE):
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge
        parts.append(chunk)
    return b"".join(parts)
