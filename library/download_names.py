"""Safe file names for downloaded episodes.

A download's place is ``<downloads dir>/<show>/<episode title> [<episode id>].<ext>``.
Both names come from feed text, so everything that could make them mean something else
is neutralised: path separators and characters Windows forbids become "_", control and
bidi characters go, leading dots and trailing dots or spaces go (no hidden files, no
"..", nothing Windows would silently trim), reserved device names (CON, NUL, COM1, ...)
get a "_" in front, and each name is cut to a byte length every file system accepts.
The episode id keeps two episodes with the same title apart. Nothing the feed or the
server names as a file or path (the enclosure URL's path, ``Content-Disposition``) is
ever used, except a known audio extension.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from library.text import clean_line

PART_SUFFIX = ".part"
# UTF-8 bytes per name: file systems allow 255; ".part" and the id must fit after it.
SHOW_MAX_BYTES = 80
TITLE_MAX_BYTES = 150

_FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f-\x9f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$",
                       re.IGNORECASE)
# A downloaded file's name ends like this; --verify uses it to recognise podterm's files.
OWN_FILE = re.compile(r" \[(\d+)\]\.[a-z0-9]{1,5}(\.part)?$")

AUDIO_EXTENSIONS = {
    "mp3", "m4a", "m4b", "mp4", "aac", "ogg", "oga", "opus", "flac", "wav", "webm",
    "mka", "mkv", "mov", "m4v", "wma", "aiff", "aif", "spx",
}
_TYPE_EXTENSIONS = {
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/x-mpeg": "mp3", "audio/mp4": "m4a",
    "audio/x-m4a": "m4a", "audio/m4a": "m4a", "audio/aac": "aac", "audio/ogg": "ogg",
    "application/ogg": "ogg", "audio/opus": "opus", "audio/flac": "flac",
    "audio/x-flac": "flac", "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav",
    "audio/webm": "webm", "video/mp4": "mp4", "video/x-m4v": "m4v", "video/webm": "webm",
    "video/quicktime": "mov",
}
FALLBACK_EXTENSION = "audio"


def safe_component(text: str, max_bytes: int, fallback: str) -> str:
    """One path component made from feed text, safe on every common file system."""
    name = unicodedata.normalize("NFC", clean_line(text))
    name = _FORBIDDEN.sub("_", name)
    name = " ".join(name.split())
    name = _cut(name, max_bytes).strip(" .")
    name = name.lstrip(".")  # no hidden files; ".." can no longer appear on its own
    if not name:
        name = fallback
    if _RESERVED.match(name):
        name = "_" + name
    return _cut(name, max_bytes).rstrip(" .")


def audio_extension(url: str | None, enclosure_type: str | None) -> str:
    """The file extension: the enclosure URL's, when it is a known audio one, else one
    for the announced MIME type, else "audio"."""
    if url:
        suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower().lstrip(".")
        if suffix in AUDIO_EXTENSIONS:
            return suffix
    mime = (enclosure_type or "").split(";")[0].strip().lower()
    return _TYPE_EXTENSIONS.get(mime, FALLBACK_EXTENSION)


def download_path(downloads_dir: Path, show_title: str, episode_title: str, episode_id: int,
                  extension: str) -> Path:
    """Where episode ``episode_id`` is saved; always inside ``downloads_dir``."""
    show = safe_component(show_title, SHOW_MAX_BYTES, "Unknown show")
    title = safe_component(episode_title, TITLE_MAX_BYTES, "Episode")
    extension = extension if extension in AUDIO_EXTENSIONS else FALLBACK_EXTENSION
    path = downloads_dir / show / f"{title} [{int(episode_id)}].{extension}"
    root = downloads_dir.resolve()
    if path.parent.parent != downloads_dir or not path.resolve().is_relative_to(root):
        raise ValueError(f"refusing a download path outside {downloads_dir}: {path}")
    return path


def part_path(path: Path) -> Path:
    return path.with_name(path.name + PART_SUFFIX)


def _cut(text: str, max_bytes: int) -> str:
    """``text`` shortened to at most ``max_bytes`` of UTF-8, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")
