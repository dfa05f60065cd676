"""Directory search and the search fallback, against a stand-in directory on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from library.directory import Directory, DirectoryError, DirectorySettings
from library.episodes import list_episodes
from library.fallback import find_candidates, with_evidence
from library.feeds import add_feed, get_feed
from library.refresh import refresh
from library.refreshsettings import RefreshSettings
from library.store import connect
from tests.feedgen import rss, show
from tests.library.test_cli import podterm
from tui.demo.directory import FakeDirectory, ListedShow

FAST = RefreshSettings(concurrency=4, per_host=2, timeout_s=5, max_feed_mb=5)


def settings(fake: FakeDirectory, **overrides) -> DirectorySettings:
    return DirectorySettings.from_table({**fake.config_table(), **overrides})


def write_config(path, table: dict, health: str = "") -> None:
    lines = ["[directory]"]
    for key, value in table.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n" + health)


def test_each_provider_speaks_its_own_json(server):
    newest = 1_764_000_000  # each directory writes the date its own way
    fake = FakeDirectory(server, [ListedShow("Night Vale Radio", "Commonplace",
                                             "https://feeds.example.org/nv", 42, "guid-nv",
                                             "<p>A friendly <b>desert</b> town.</p>", 250,
                                             newest)],
                         key="K", secret="S")
    # What each gives: Apple no description, fyyd no episode count.
    gives = {"apple": ("", 250), "podcastindex": ("A friendly desert town.", 250),
             "fyyd": ("A friendly desert town.", None)}
    with Directory(settings(fake)) as directory:
        for provider in ("apple", "podcastindex", "fyyd"):
            [found] = directory.search("night vale", provider)
            assert (found.title, found.feed_url, found.provider) == (
                "Night Vale Radio", "https://feeds.example.org/nv", provider)
            assert (found.description, found.episode_count) == gives[provider]
            assert found.newest_episode_at == newest
        assert directory.apple_lookup("42")[0].itunes_id == "42"
        assert directory.podcastindex_by_guid("guid-nv")[0].podcast_guid == "guid-nv"
        assert directory.podcastindex_by_feed_url("https://feeds.example.org/nv")[0].title
    keyless = settings(fake, podcastindex_key="", podcastindex_secret="")
    with Directory(keyless) as directory:
        assert directory.search("night", "podcastindex")[0].provider == "podcastindex"
    last = server.requests[-1]
    assert last.path.startswith("/pi/search?") and "x-auth-key" not in last.headers


def test_podcast_index_auth_is_checked_by_the_server(server):
    fake = FakeDirectory(server, [], key="right", secret="secret")
    with Directory(settings(fake, podcastindex_secret="wrong")) as directory:
        with pytest.raises(DirectoryError, match="HTTP 401"):
            directory.search("x", "podcastindex")


def test_an_unreachable_directory_is_a_clear_error():
    table = {"providers": ["apple"], "apple_url": "http://127.0.0.1:9", "podcastindex_url": "",
             "podcastindex_key": "", "podcastindex_secret": "", "fyyd_url": ""}
    with Directory(DirectorySettings.from_table(table)) as directory:
        with pytest.raises(DirectoryError, match=r"Apple \(http://127.0.0.1:9\): connection refused"):
            directory.search("anything", "apple")


def test_search_command_lists_results_and_survives_a_dead_directory(server, tmp_path):
    fake = FakeDirectory(server, [ListedShow("The Daily Thing", "Ann", "https://a.example/f")])
    table = fake.config_table()
    table["fyyd_url"] = "http://127.0.0.1:9"
    write_config(tmp_path / "config.toml", table)
    result = podterm("search", "daily", "--json", data_dir=tmp_path)
    [found] = json.loads(result.stdout)  # one show, however many directories list it
    assert found["listed_by"] == ["apple", "podcastindex"]
    assert "fyyd" in result.stderr and "connection refused" in result.stderr
    human = podterm("search", "daily", data_dir=tmp_path, env={"COLUMNS": "200"}).stdout
    assert "The Daily Thing" in human and "https://a.example/f" in human


def test_fallback_ranks_sources_and_never_offers_the_dead_address(server, tmp_path):
    conn = connect(tmp_path / "lib.sqlite3")
    dead = "https://old.example/feed"
    feed_id = add_feed(conn, dead, itunes_id="7")[0]
    conn.execute("UPDATE feeds SET title = 'Lost Show', author = 'Ann', "
                 "new_feed_url = 'https://announced.example/feed' WHERE id = ?", (feed_id,))
    fake = FakeDirectory(server, [
        ListedShow("Lost Show", "Ann", dead, 7),                       # the dead one itself
        ListedShow("Lost Show", "Ann", "https://moved.example/feed", 8),
        ListedShow("Lost Show Fans", "Bob", "https://fans.example/feed"),
        ListedShow("Lost Show", "Someone Else", "https://copycat.example/feed"),
    ])
    with Directory(settings(fake)) as directory:
        report = find_candidates(get_feed(conn, feed_id), directory)
    urls = [f.candidate.feed_url for f in report.findings]
    assert dead not in urls and dead + "/" not in urls
    assert urls[0] == "https://announced.example/feed"
    assert urls[1] == "https://moved.example/feed" and report.findings[1].candidate.likely_same
    assert urls.index("https://copycat.example/feed") < urls.index("https://fans.example/feed")
    assert not report.findings[urls.index("https://copycat.example/feed")].candidate.likely_same


def test_evidence_counts_shared_episodes_by_guid_enclosure_or_title_and_day(server, tmp_path):
    path = tmp_path / "lib.sqlite3"
    conn = connect(path)
    ours = show("Evidence", 6)
    feed_id = add_feed(conn, server.add("/ours.xml", rss(ours), "text/xml"))[0]
    refresh(path, [feed_id], FAST)
    moved = show("Evidence", 6)
    for n, item in enumerate(moved.items):  # new host: new guids and enclosure URLs...
        item.guid, item.enclosure = f"new-{n}", f"https://newcdn.example/{n}.mp3"
    moved.items[0].title = "Something else entirely"  # ...and one episode not ours
    server.add("/moved.xml", rss(moved), "text/xml")
    decoy = show("Evidence", 3, first_guid=100)
    server.add("/decoy.xml", rss(decoy), "text/xml")
    fake = FakeDirectory(server, [ListedShow("Evidence", "Some Author", server.url("/decoy.xml")),
                                  ListedShow("Evidence", "Some Author", server.url("/moved.xml"))])
    feed = get_feed(conn, feed_id)
    with Directory(settings(fake)) as directory:
        report = find_candidates(feed, directory)
    with_evidence(list_episodes(conn, feed.id), report, FAST)
    best, worst = report.findings[0], report.findings[-1]
    assert best.candidate.feed_url == server.url("/moved.xml") and best.evidence.matched == 5
    assert worst.evidence.matched == 0 and worst.evidence.theirs == 3


def test_end_to_end_archive_search_migrate_keeps_what_was_listened(server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    old_channel = show("Wandering Minds", 5)
    old = server.add("/old/feed.xml", rss(old_channel), "text/xml")
    new_channel = show("Wandering Minds", 6)  # the show moved hosts: new guids, one new episode
    for n, item in enumerate(new_channel.items):
        item.guid = f"newhost-{n}"
    new = server.add("/new/feed.xml", rss(new_channel), "text/xml")
    decoy = server.add("/decoy/feed.xml", rss(show("Wandering Minds", 2, first_guid=500)),
                       "text/xml")
    fake = FakeDirectory(server, [ListedShow("Wandering Minds", "Other", decoy),
                                  ListedShow("Wandering Minds", "Some Author", new)])
    write_config(data / "config.toml", fake.config_table(),
                 "[health]\narchive_after_failures = 3\narchive_after_days = 0\n")
    podterm("add", old, data_dir=data)
    episodes = json.loads(podterm("episodes", "wandering", "--json", data_dir=data).stdout)
    conn = connect(data / "library.sqlite3")
    conn.execute("UPDATE episodes SET played = 1 WHERE id = ?", (episodes[0]["id"],))
    conn.execute("UPDATE episodes SET position_s = 321 WHERE id = ?", (episodes[1]["id"],))
    conn.close()

    server.remove("/old/feed.xml")
    for _ in range(3):
        assert podterm("refresh", data_dir=data, check=False).returncode == 3  # one failed
    info = podterm("info", "wandering", data_dir=data).stdout
    assert "This feed was archived on" in info and "404 Not Found on 3 checks" in info

    fallback = json.loads(podterm("fallback", "wandering", "--json", data_dir=data).stdout)
    best = fallback["candidates"][0]
    assert best["feed_url"] == new and best["likely_same"] and best["matched_episodes"] == 5
    decoy_row = next(c for c in fallback["candidates"] if c["feed_url"] == decoy)
    assert decoy_row["matched_episodes"] == 0

    refused = podterm("migrate", "wandering", decoy, data_dir=data, check=False)
    assert refused.returncode != 0 and "--yes" in refused.stderr
    podterm("migrate", "wandering", new, data_dir=data)

    [feed] = json.loads(podterm("feeds", "--json", data_dir=data).stdout)
    assert feed["url"] == new and feed["status"] == "active" and feed["archived_at"] is None
    after = {e["title"]: e for e in json.loads(
        podterm("episodes", "wandering", "--json", data_dir=data).stdout)}
    assert after[episodes[0]["title"]]["played"] is True
    assert after[episodes[1]["title"]]["position_s"] == 321
    assert len(after) == 6
    outcome = json.loads(podterm("refresh", "--json", data_dir=data).stdout)[0]
    assert outcome["url"] == new and outcome["outcome"] == "updated"
    assert outcome["new_episodes"] == 0  # refreshing from the new address duplicates nothing
    history = json.loads(podterm("info", "wandering", "--json", data_dir=data).stdout)["history"]
    assert any(h["kind"] == "moved" and old in h["message"] and new in h["message"]
               for h in history)


def test_the_likely_same_show_comes_before_better_sourced_shows_that_share_nothing(
        server, tmp_path):
    """The show restarted its feed on a new host (no old episodes there): it still comes
    before a show found by the stored iTunes id that shares nothing; a feed that shares
    episodes comes before both."""
    path = tmp_path / "lib.sqlite3"
    conn = connect(path)
    ours = server.add("/ours.xml", rss(show("Lost Show", 3)), "text/xml")
    feed_id = add_feed(conn, ours, itunes_id="7")[0]
    refresh(path, [feed_id], FAST)
    extras = server.add("/extras.xml", rss(show("Lost Show Extras", 2, first_guid=50)),
                        "text/xml")
    restarted = server.add("/restarted.xml", rss(show("Lost Show", 1, first_guid=90)),
                           "text/xml")
    mirror = server.add("/mirror.xml", rss(show("Lost Show", 3)), "text/xml")
    fake = FakeDirectory(server, [ListedShow("Lost Show Extras", "Some Author", extras, 7),
                                  ListedShow("Lost Show", "Some Author", restarted),
                                  ListedShow("Lost Show (mirror)", "Bob", mirror)])
    with Directory(settings(fake)) as directory:
        report = find_candidates(get_feed(conn, feed_id), directory)
    assert [f.candidate.feed_url for f in report.findings][0] == extras  # by iTunes id
    with_evidence(list_episodes(conn, feed_id), report, FAST)
    assert [(f.candidate.feed_url, f.evidence.matched, f.candidate.likely_same)
            for f in report.findings] == [(mirror, 3, False), (restarted, 0, True),
                                          (extras, 0, False)]
