"""A downloaded episode plays from the local file, from its saved position, through the
real engine (libVLC with --aout=dummy); an incomplete one plays from its address."""

from __future__ import annotations

from pathlib import Path

from library.downloads import get_download, playable_source
from library.episodes import get_episode, save_position
from player import PositionChanged
from tests.downloads.conftest import audio
from tests.player.conftest import EventLog, libvlc, make_player  # noqa: F401 (fixture)
from tests.player.media_tools import tone_wav


def test_a_downloaded_episode_plays_the_local_file_from_the_saved_position(
        library, media, libvlc, tmp_path):  # noqa: F811
    wav = tone_wav(tmp_path / "tone.wav", 9.0)
    url = media.add("/episode.wav", wav.read_bytes(), "audio/wav")
    ep = library.episode(library.show("Show"), "Ep", url, mime="audio/wav")
    assert library.download([ep])[ep].state == "done"
    save_position(library.conn, ep, 5.0)

    episode = get_episode(library.conn, ep)
    source = playable_source(library.conn, episode)
    assert source == str(library.downloads_dir / "Show" / f"Ep [{ep}].wav")
    requests_before = len(media.hits)
    events = EventLog()
    with make_player(tmp_path, rewind_on_resume_s=1.0) as player:
        player.subscribe(events)
        player.play(source, start_at=episode.position_s)
        first = events.wait_for(PositionChanged, lambda e: e.position > 0)
        later = events.wait_for(PositionChanged, lambda e: e.position >= first.position + 1)
        assert player.status().source == source
    assert first.source == source and 3.9 <= first.position < 6.0  # 5 s, 1 s rewind
    assert later.position > first.position
    assert len(media.hits) == requests_before  # nothing was fetched to play it


def test_an_incomplete_or_missing_download_plays_from_the_address(library, media):
    url = media.add("/ep.mp3", audio(5000))
    ep = library.episode(library.show("Show"), "Ep", url)
    episode = get_episode(library.conn, ep)
    assert playable_source(library.conn, episode) == url          # not downloaded
    library.download([ep])
    path = get_download(library.conn, ep).file
    assert playable_source(library.conn, episode) == str(path)
    with open(path, "r+b") as handle:
        handle.truncate(100)
    assert playable_source(library.conn, episode) == url          # cut short
    Path(path).unlink()
    assert playable_source(library.conn, episode) == url          # gone
