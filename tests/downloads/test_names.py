"""Hostile titles and server headers never put a file outside the downloads folder."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from library.download_names import audio_extension, download_path, safe_component
from tests.downloads.conftest import audio

HOSTILE_TITLES = [
    "../../../etc/passwd",
    "..",
    ".",
    ".bashrc",
    "   ",
    "",
    "CON",
    "nul.txt",
    "com1",
    "LPT9.mp3",
    'a/b\\c:d*e?f"g<h>i|j',
    "\x1b[31mred\x1b[0m \x1b]0;title\x07 \u202edesrever\u202c \x00nul \x85",
    "x" * 600,
    "日本語のタイトル" * 40,
    "trailing dots...",
    "/absolute/path",
    "C:\\Windows\\system32",
]


@pytest.mark.parametrize("text, expected", [
    ("Episode 1: the beginning", "Episode 1_ the beginning"),
    ("../../../etc/passwd", "_.._.._etc_passwd"),
    ("..", "Episode"),
    (".bashrc", "bashrc"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("com1", "_com1"),
    ("Console", "Console"),
    ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
    ("trailing dots...", "trailing dots"),
    ("\x1b[31mred\x1b[0m \u202eevil\u202c", "red evil"),
    ("<b>Bold</b> &amp; more", "Bold & more"),
])
def test_safe_component(text, expected):
    assert safe_component(text, 150, "Episode") == expected


def test_names_are_cut_to_a_byte_length_without_breaking_a_character():
    name = safe_component("日本語" * 100, 150, "Episode")
    assert len(name.encode()) <= 150 and name == unicodedata.normalize("NFC", name)
    assert set(name) <= set("日本語")


@pytest.mark.parametrize("url, mime, extension", [
    ("https://cdn.example/ep.MP3?x=1", None, "mp3"),
    ("https://cdn.example/ep.m4a", "audio/mpeg", "m4a"),
    ("https://cdn.example/download?id=3", "audio/x-m4a", "m4a"),
    ("https://cdn.example/ep.exe", "application/octet-stream", "audio"),
    ("https://cdn.example/ep.sh", None, "audio"),
])
def test_the_extension_is_a_known_audio_one_or_audio(url, mime, extension):
    assert audio_extension(url, mime) == extension


def test_hostile_titles_and_content_disposition_stay_inside_the_downloads_folder(library,
                                                                                 media):
    shows = [library.show(title) for title in ["../../escape", "CON", ""]]
    ids = []
    for n, title in enumerate(HOSTILE_TITLES):
        url = media.add(f"/{n}.mp3", audio(1000, n), headers={
            "Content-Disposition": 'attachment; filename="../../../../tmp/evil.mp3"; '
                                   "filename*=UTF-8''..%2F..%2Fevil2.mp3"})
        ids.append(library.episode(shows[n % len(shows)], title, url))
    final = library.download(ids)
    assert {status.state for status in final.values()} == {"done"}
    root = library.downloads_dir
    written = [Path(folder, name) for folder, _, names in os.walk(library.root) for name in names
               if not name.startswith("library.sqlite3")]
    assert sorted(written) == sorted(Path(final[i].path) for i in ids)  # one file each
    for path in written:
        relative = path.relative_to(root)  # raises if it escaped
        assert len(relative.parts) == 2, relative
        for part in relative.parts:
            assert 0 < len(part.encode()) <= 255 and not part.startswith((".", " "))
            assert not part.endswith((".", " ")) and "evil" not in part.lower()
            assert part.upper().split(".")[0] not in {"CON", "NUL", "COM1", "LPT9"}
            assert all(ch.isprintable() for ch in part), repr(part)
        assert path.name.endswith(f"[{path.stem.rsplit('[', 1)[1]}.mp3")
    assert not Path("/tmp/evil.mp3").exists()


def test_download_path_refuses_a_show_folder_that_is_a_link_out(tmp_path):
    root = tmp_path / "downloads"
    root.mkdir()
    (root / "Show").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="outside"):
        download_path(root, "Show", "Ep", 1, "mp3")
