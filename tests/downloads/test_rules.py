"""Housekeeping: auto-download of the newest episodes, auto-delete of played ones after
the grace period, the size cap (played first, oldest first, never an unplayed one), and
--verify. Real downloads into real folders."""

from __future__ import annotations

import time
from pathlib import Path

from library.download_rules import (DAY_S, auto_download_candidates, delete_played,
                                    make_room, tidy, unplayed_to_make_room)
from library.download_verify import fix_downloads, verify_downloads
from library.downloader import DownloadRemoved
from library.downloads import delete_download, get_download, list_downloads
from library.episodes import set_played
from tests.downloads.conftest import WAIT_S, Run, audio

MB = 1024 * 1024


def downloaded(library, media, count: int, size: int = MB) -> list[int]:
    """``count`` episodes of one show, downloaded, oldest first."""
    feed = library.show("Show")
    ids = [library.episode(feed, f"Ep {n}", media.add(f"/{n}.mp3", audio(size, n)),
                           published=1_700_000_000 + n * DAY_S) for n in range(count)]
    assert {s.state for s in library.download(ids).values()} == {"done"}
    return ids


def played_at(library, episode_id: int, when: float) -> None:
    library.conn.execute("UPDATE downloads SET played_at = ? WHERE episode_id = ?",
                         (when, episode_id))


def files(library) -> set[str]:
    return {p.name for p in library.downloads_dir.rglob("*") if p.is_file()}


def test_marking_played_starts_the_grace_period_and_unplayed_stops_it(library, media):
    [ep] = downloaded(library, media, 1)
    before = time.time()
    set_played(library.conn, ep, True)
    assert before - 1 <= get_download(library.conn, ep).played_at <= time.time() + 1
    set_played(library.conn, ep, False)
    assert get_download(library.conn, ep).played_at is None


def test_played_downloads_are_deleted_after_the_grace_period_only(library, media):
    old, recent, unplayed = downloaded(library, media, 3)
    now = time.time()
    for ep in (old, recent):
        set_played(library.conn, ep, True)
    played_at(library, old, now - 2 * DAY_S)
    played_at(library, recent, now - 0.5 * DAY_S)
    assert delete_played(library.conn, 0, now) == []          # 0: never
    gone = delete_played(library.conn, 1, now)
    assert [d.episode_id for d in gone] == [old]
    assert [d.episode_id for d in list_downloads(library.conn)] == [unplayed, recent]
    assert not gone[0].file.exists() and get_download(library.conn, recent).file.exists()
    assert [d.episode_id for d in delete_played(library.conn, 1, now + DAY_S)] == [recent]
    assert [d.episode_id for d in list_downloads(library.conn)] == [unplayed]


def test_the_cap_deletes_the_oldest_played_first_and_never_an_unplayed_one(library, media):
    a, b, c, d = downloaded(library, media, 4)   # 4 MB in all
    for ep, when in ((b, 100.0), (a, 200.0)):    # b was played before a
        set_played(library.conn, ep, True)
        played_at(library, ep, when)
    removed, fits = make_room(library.conn, 3 * MB, 0)  # 1 MB too much
    assert [x.episode_id for x in removed] == [b] and fits
    removed, fits = make_room(library.conn, 3 * MB, 2 * MB)  # needs 2 MB more
    assert [x.episode_id for x in removed] == [a] and not fits
    assert sorted(x.episode_id for x in list_downloads(library.conn)) == [c, d]
    # What would have to go, and would be asked about: the one asked for first (all were
    # queued together, so the oldest episode), whichever download finished first.
    assert [x.episode_id for x in unplayed_to_make_room(library.conn, 3 * MB, 2 * MB)] == [c]


def test_a_download_over_the_cap_makes_room_from_played_ones_or_fails_politely(library,
                                                                                media):
    first, second = downloaded(library, media, 2)
    set_played(library.conn, first, True)
    feed = library.show("Other")
    new = library.episode(feed, "New", media.add("/new.mp3", audio(MB, 7)))
    newer = library.episode(feed, "Newer", media.add("/newer.mp3", audio(MB, 8)))
    cap = {"max_gb": 2.5 * MB / 1024 ** 3}
    with Run(library, **cap) as run:
        run.downloader.add([new])
        assert run.downloader.wait(WAIT_S)
    assert run.final[new].state == "done"
    assert [(e.episode_id, e.reason) for e in run.events if isinstance(e, DownloadRemoved)] \
        == [(first, "played; deleted to stay under max_gb")]
    final = library.download([newer], **cap)   # only unplayed downloads are left
    assert final[newer].state == "failed"
    assert final[newer].error.startswith("no room under max_gb")
    assert get_download(library.conn, second).file.exists()
    assert get_download(library.conn, new).file.exists()


def test_tidy_applies_both_rules(library, media):
    a, b, c = downloaded(library, media, 3)
    for ep in (a, b):
        set_played(library.conn, ep, True)
    played_at(library, a, time.time() - 3 * DAY_S)
    settings = library.settings.__class__(dir=library.downloads_dir, max_gb=1.5 * MB / 1024 ** 3)
    removed = tidy(library.conn, settings)
    assert [d.episode_id for d in removed] == [a, b]   # a by age; b for the cap
    assert [d.episode_id for d in list_downloads(library.conn)] == [c]


def test_auto_download_picks_the_newest_unplayed_not_yet_downloaded(library, media):
    feed = library.show("Show")
    ids = [library.episode(feed, f"Ep {n}", media.add(f"/{n}.mp3", audio(1000, n)),
                           published=1_700_000_000 + n * DAY_S) for n in range(6)]
    no_audio = library.episode(feed, "Trailer", None, published=1_700_000_000 + 9 * DAY_S)
    other = library.show("Other")
    elsewhere = library.episode(other, "Other ep", media.add("/o.mp3", audio(1000)))
    newest = ids[::-1]                            # 5, 4, 3, 2, 1, 0
    assert no_audio not in auto_download_candidates(library.conn, [feed], lambda f: 3)
    set_played(library.conn, newest[0], True)     # played: not wanted
    library.download([newest[1]])                 # already downloaded
    library.download([newest[2]])
    delete_download(library.conn, get_download(library.conn, newest[2]), dismiss=True)
    picks = auto_download_candidates(library.conn, [feed, other],
                                     lambda f: {feed: 4, other: 0}[f])
    assert picks == [newest[3]]                   # of the newest four, only this one
    media.add("/7.mp3", b"", "audio/mpeg")         # a failed one is retried next time
    failing = library.episode(feed, "Fails", media.url("/7.mp3"),
                              published=1_700_000_000 + 8 * DAY_S)
    assert library.download([failing])[failing].state == "failed"
    assert auto_download_candidates(library.conn, [feed], lambda f: 1) == [failing]
    assert elsewhere not in picks


def test_verify_finds_missing_cut_short_and_stray_files_and_fixes_them(library, media):
    missing, cut, fine = downloaded(library, media, 3)
    paths = {ep: get_download(library.conn, ep).file for ep in (missing, cut, fine)}
    paths[missing].unlink()
    with open(paths[cut], "r+b") as handle:
        handle.truncate(300_000)
    show_dir = paths[fine].parent
    strays = [show_dir / "Old episode [999].mp3", library.downloads_dir / "Gone" / "X [5].m4a.part"]
    for stray in strays:
        stray.parent.mkdir(exist_ok=True)
        stray.write_bytes(b"old")
    own_notes = show_dir / "my notes.txt"          # not podterm's: never touched
    own_notes.write_text("mine")

    report = verify_downloads(library.conn, library.downloads_dir)
    assert [d.episode_id for d in report.missing] == [missing]
    assert [(d.episode_id, size) for d, size in report.truncated] == [(cut, 300_000)]
    assert sorted(report.stray) == sorted(strays)

    fix_downloads(library.conn, report)
    assert get_download(library.conn, missing) is None
    row = get_download(library.conn, cut)
    assert row.state == "failed" and row.part.stat().st_size == 300_000
    assert not any(stray.exists() for stray in strays) and own_notes.exists()
    assert not (library.downloads_dir / "Gone").exists()
    assert verify_downloads(library.conn, library.downloads_dir).problems == 0

    final = library.download([cut])                # resumes where the file was cut
    assert final[cut].state == "done"
    assert media.hits_for(f"/1.mp3")[-1].range == "bytes=300000-"
    assert Path(final[cut].path).read_bytes() == audio(MB, 1)


def test_tidying_without_downloads_reads_no_episodes(library):
    """Every refresh tidies the downloads: with none, that must not read the whole
    library (it read all 50,000 episodes of a user's library, 27 ms, every refresh)."""
    feed = library.show("Big show")
    library.conn.executemany(
        "INSERT INTO episodes (feed_id, identity, played, first_seen_at) VALUES (?, ?, ?, 1)",
        [(feed, f"ep-{n}", n % 2) for n in range(20_000)])
    steps = []
    library.conn.set_progress_handler(lambda: steps.append(1), 100)  # every 100 VM steps
    assert tidy(library.conn, library.settings) == []
    library.conn.set_progress_handler(None, 0)
    assert len(steps) < 20  # reading 20,000 episodes takes hundreds
