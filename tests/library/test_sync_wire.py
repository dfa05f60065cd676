"""Episode actions on the wire: real payloads from the servers' docs and clients, replayed
through podterm's parser, and what podterm sends."""

from __future__ import annotations

import json

import pytest

from library.feeds import add_feed, feed_events, get_feed
from library.sync.actions import (EpisodeAction, State, format_timestamp, local_action,
                                  newer, parse_action, parse_timestamp)
from library.sync.apply import apply_rewrites
from library.sync.client import _actions, _changes

# gpodder.net API docs, "Upload Episode Actions" (the request body, verbatim).
MYGPO_UPLOAD = """[
  {
   "podcast": "http://example.com/feed.rss",
   "episode": "http://example.com/files/s01e20.mp3",
   "device": "gpodder_abcdef123",
   "action": "download",
   "timestamp": "2009-12-12T09:00:00"
  },
  {
   "podcast": "http://example.org/podcast.php",
   "episode": "http://ftp.example.org/foo.ogg",
   "action": "play",
   "started": 15,
   "position": 120,
   "total":  500
  }
]"""

# Nextcloud GPodder Sync README, "GET /index.php/apps/gpoddersync/episode_action".
NEXTCLOUD_GET = """{
    "actions": [
      {
       "id": 54,
       "podcast": "http://example.com/feed.rss",
       "episode": "http://example.com/files/s01e20.mp3",
       "guid": "s01e20-example-org",
       "action": "PLAY",
       "timestamp": "2009-12-12T09:00:00",
       "started": 15,
       "position": 120,
       "total":  500
      },
      {
       "podcast": "http://example.com/feed.rss",
       "episode": "http://example.com/files/s01e20.mp3",
       "guid": "s01e20-example-org",
       "action": "DOWNLOAD",
       "timestamp": "2009-12-12T09:00:00",
       "started": -1,
       "position": -1,
       "total":  -1
      }
    ],
    "timestamp": 12345
}"""

# Newer versions of the app serialise the timestamp as the stored UNIX time.
NEXTCLOUD_EPOCH = """{"actions": [{"id": 7, "podcast": "http://example.com/feed.rss",
  "episode": "http://example.com/files/s01e21.mp3", "guid": "s01e21", "action": "PLAY",
  "position": 500, "started": 0, "total": 500, "timestamp": 1633240761}],
  "timestamp": 1633240800}"""

# gpodder.net API docs, "Upload Subscription Changes" response.
MYGPO_UPDATE_URLS = """{
  "timestamp": 1337,
  "update_urls": [
    ["http://feeds2.feedburner.com/LinuxOutlaws?format=xml",
     "http://feeds.feedburner.com/LinuxOutlaws"],
    ["http://example.org/podcast.rss ", "http://example.org/podcast.rss"]
  ]
}"""

# gpodder.net API docs, "Get Subscription Changes" when nothing changed.
MYGPO_NO_CHANGES = '{"add": [], "remove": [], "timestamp": 12347}'

# What AntennaPod's EpisodeAction.writeToJsonObject writes for a finished episode.
ANTENNAPOD_PLAYED = """{"podcast": "https://feeds.example.org/show.xml",
  "episode": "https://cdn.example.org/42.mp3", "guid": "show-42", "action": "play",
  "timestamp": "2021-06-01T18:30:00", "started": 3600, "position": 3600, "total": 3600}"""

DEC_12_2009_9AM = 1260608400


def test_mygpo_documented_upload_parses_with_missing_fields_as_unknown():
    download, play = [parse_action(item) for item in json.loads(MYGPO_UPLOAD)]
    assert download.action == "download" and download.device == "gpodder_abcdef123"
    assert download.at == DEC_12_2009_9AM and download.state() is None
    assert play.at == 0 and play.guid is None  # no timestamp: older than anything
    assert (play.started, play.position, play.total) == (15, 120, 500)
    assert play.state() == State(False, 120)


def test_nextcloud_readme_uppercase_actions_and_minus_one_fields():
    actions, timestamp = _actions(json.loads(NEXTCLOUD_GET))
    assert timestamp == 12345
    play, download = actions
    assert (play.action, play.guid, play.at) == ("play", "s01e20-example-org", DEC_12_2009_9AM)
    assert play.state() == State(False, 120)
    assert download.action == "download"
    assert (download.started, download.position, download.total) == (None, None, None)


def test_nextcloud_epoch_timestamps_and_played_convention():
    [action], timestamp = _actions(json.loads(NEXTCLOUD_EPOCH))
    assert action.at == 1633240761 and timestamp == 1633240800
    assert action.state() == State(True)  # position == total


def test_antennapod_finished_episode_reads_as_played():
    action = parse_action(json.loads(ANTENNAPOD_PLAYED))
    assert action.state() == State(True) and action.guid == "show-42"
    assert action.at == parse_timestamp("2021-06-01T18:30:00Z")


def test_mygpo_no_changes_answer():
    assert _changes(json.loads(MYGPO_NO_CHANGES)) == ([], [], 12347)


@pytest.mark.parametrize("text, expected", [
    ("2009-12-12T09:00:00", DEC_12_2009_9AM),
    ("2009-12-12T09:00:00Z", DEC_12_2009_9AM),
    ("2009-12-12T09:00:00.750Z", DEC_12_2009_9AM),
    ("2009-12-12T11:00:00+02:00", DEC_12_2009_9AM),
    ("2009-12-12T04:00:00-0500", DEC_12_2009_9AM),
    ("2009-12-12 09:00:00", DEC_12_2009_9AM),
    (DEC_12_2009_9AM, DEC_12_2009_9AM),
    (str(DEC_12_2009_9AM), DEC_12_2009_9AM),
    ("yesterday", None), ("", None), (None, None), (True, None), (-5, None),
])
def test_timestamps_in_every_shape_servers_send(text, expected):
    assert parse_timestamp(text) == expected


def test_outgoing_actions_are_lowercase_zone_less_and_never_claim_partial_plays_finished():
    assert format_timestamp(DEC_12_2009_9AM) == "2009-12-12T09:00:00"
    partial = local_action("http://p", "http://e.mp3", "g", State(False, 1800), 1800, 100,
                           DEC_12_2009_9AM)
    assert partial.position == 1799 < partial.total == 1800 and partial.started == 100
    assert parse_action(partial.to_wire(missing=None, device="d")).state() == State(False, 1799)
    played = local_action("http://p", "http://e.mp3", "g", State(True), 1800, 0, 1)
    wire = played.to_wire(missing=None, device="podterm-x")
    assert wire["action"] == "play" and wire["position"] == wire["total"] == 1800
    assert wire["guid"] == "g" and wire["device"] == "podterm-x"
    unplayed = local_action("http://p", "http://e.mp3", None, State(False), 1800, 0, 1)
    assert unplayed.to_wire(missing=-1, device=None) == {
        "podcast": "http://p", "episode": "http://e.mp3", "action": "new",
        "timestamp": "1970-01-01T00:00:01"}
    unknown_length = local_action("http://p", "http://e.mp3", None, State(False, 30), None, 0, 1)
    assert unknown_length.to_wire(missing=-1, device=None)["total"] == -1
    assert "total" not in unknown_length.to_wire(missing=None, device=None)
    shouted = EpisodeAction("http://p", "http://e", "PLAY", 1, position=3)
    assert shouted.to_wire(missing=None, device=None)["action"] == "play"


def test_newest_wins_and_equal_timestamps_pick_the_same_state_everywhere():
    assert newer(10, State(False, 5), None, State(True))
    assert newer(11, State(False, 5), 10, State(True))
    assert not newer(9, State(True), 10, State(False, 5))
    # A tie goes the same way whichever side looks at it, and never back.
    assert newer(10, State(True), 10, State(False, 900))
    assert not newer(10, State(False, 900), 10, State(True))
    assert not newer(10, State(False, 60), 10, State(False, 60))


def test_text_from_the_server_is_cleaned():
    action = parse_action({"podcast": "http://p\x1b[31m", "episode": "http://e",
                           "action": "Play", "guid": "\x1b]0;x\x07g", "position": "12"})
    assert "\x1b" not in action.podcast + action.guid and action.position == 12
    for broken in (None, [], {"podcast": "p", "episode": "e"}, {"action": "play"}, "play"):
        assert parse_action(broken) is None


def test_mygpo_update_urls_rewrite_subscriptions_and_refusals_are_reported(db):
    _, conn = db
    feed_id, _ = add_feed(conn, "http://feeds2.feedburner.com/LinuxOutlaws?format=xml")
    refused = apply_rewrites(conn, json.loads(MYGPO_UPDATE_URLS)["update_urls"]
                             + [["http://ftp.example.org/bad", ""], ["junk"], "junk"])
    assert get_feed(conn, feed_id).url == "http://feeds.feedburner.com/LinuxOutlaws"
    assert "sync server" in feed_events(conn, feed_id)[-1]["message"]
    assert refused == ["http://ftp.example.org/bad"]


def test_answers_of_the_wrong_shape_are_refused_or_read_as_empty():
    from library.sync.client import _groups
    from library.sync.settings import SyncError

    assert _changes({"add": "http://x.org/feed", "remove": None, "timestamp": 5}) == ([], [], 5)
    assert _actions({"actions": {"podcast": "p"}, "timestamp": 6}) == ([], 6)
    assert _groups({"synchronized": [["a", 3, "b"], "c"]}) == [["a", "b"]]
    assert _groups(["a"]) == []
    for broken in ([], {"add": []}, {"timestamp": "soon"}, None):
        with pytest.raises(SyncError, match="not in the expected shape"):
            _changes(broken)
