"""`podterm queue`, `inbox`, `mark` and `settings` through podterm's entry point
(``tui.main.main``, in this process: each command is ~2 s as a subprocess on a busy
machine; `test_upnext` runs the installed script in separate processes)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.feedgen import Channel, Item, rss
from tests.library.test_cli import opml
from tui.main import main

HOUR = 3600


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def podterm(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    """Run ``podterm ARGS...`` on a temporary library; ``check`` asserts exit code 0."""
    def run(*args: str, check: bool = True) -> Result:
        try:
            code = main(list(args))
        except SystemExit as exit:   # argparse's usage errors
            code = exit.code
        out, err = capsys.readouterr()
        result = Result(code, out, err)
        if check:
            assert code == 0, err
        return result
    return run


def episode(show: str, n: int, published: float, minutes: int = 30) -> Item:
    return Item(title=f"{show} {n}", guid=f"{show}-{n}", duration=f"{minutes}:00",
                enclosure=f"https://cdn.example.org/{show}/{n}.mp3", published=published)


def serve(server, show: str, items: list[Item], title: str | None = None) -> str:
    return server.add(f"/{show}.xml", rss(Channel(title or show, items)), "application/rss+xml")


def as_json(podterm, *args: str) -> object:
    return json.loads(podterm(*args, "--json").stdout)


def ids_by_title(podterm) -> dict[str, int]:
    return {e["title"]: e["id"] for e in as_json(podterm, "episodes")}


def failure(podterm, *args: str, code: int = 1) -> str:
    result = podterm(*args, check=False)
    assert result.returncode == code, result.stdout
    return result.stderr


def test_queue_commands(server, podterm, data_dir):
    old = time.time() - 30 * 24 * HOUR
    url = serve(server, "show", [episode("show", n, old + n * HOUR, 10 * n)
                                 for n in (4, 3, 2, 1)], title="[red]Loud[/]")
    podterm("add", url)
    ids = ids_by_title(podterm)
    one, two, three, four = (ids[f"show {n}"] for n in (1, 2, 3, 4))

    queue = as_json(podterm, "queue", "add", str(one), str(two), str(four))
    assert [(e["position"], e["episode_id"]) for e in queue] == [(1, one), (2, two), (3, four)]
    assert set(queue[0]) >= {"position", "episode_id", "feed_id", "title", "duration_s",
                             "position_s"}
    assert (queue[0]["title"], queue[0]["duration_s"], queue[0]["position_s"]) == (
        "show 1", 600, 0)
    as_json(podterm, "queue", "next", str(three))
    as_json(podterm, "queue", "move", str(four), "2")
    queue = as_json(podterm, "queue", "remove", str(one))
    assert [e["episode_id"] for e in queue] == [three, four, two]
    assert [e["episode_id"] for e in as_json(podterm, "queue")] == [three, four, two]

    table = podterm("queue").stdout
    # 30 + 40 + 20 minutes; the show's title is printed as it is, never as markup.
    assert "Up Next: 3 episodes, 1:30:00 left" in table
    assert "[red]Loud[/]" in table
    moved = podterm("queue", "move", str(two), "1").stdout
    assert f"Episode {two} is now number 1." in moved

    # Unknown or unqueued ids: one line, exit 1, the queue untouched.
    before = as_json(podterm, "queue")
    assert failure(podterm, "queue", "add", str(one), "99999") == (
        "podterm: no episode with id 99999 (see `podterm episodes`)\n")
    assert "is not in the queue" in failure(podterm, "queue", "remove", str(one), str(two))
    assert "position must be 1 or more" in failure(podterm, "queue", "move", str(two), "0")
    assert "episode ids are numbers" in failure(podterm, "queue", "add", "three", code=2)
    assert as_json(podterm, "queue") == before

    assert "Cleared the queue." in podterm("queue", "clear").stdout
    assert as_json(podterm, "queue") == []
    assert "The queue is empty" in podterm("queue").stdout


def test_mark_played_and_unplayed(server, podterm, data_dir):
    url = serve(server, "m", [episode("m", n, 1_700_000_000 + n) for n in (3, 2, 1)])
    podterm("add", url)
    ids = ids_by_title(podterm)
    podterm("queue", "add", str(ids["m 1"]), str(ids["m 2"]))

    marked = as_json(podterm, "mark", str(ids["m 1"]), str(ids["m 3"]), "--played")
    assert [(e["id"], e["played"]) for e in marked] == [(ids["m 1"], True), (ids["m 3"], True)]
    played = {e["title"]: e["played"] for e in as_json(podterm, "episodes")}
    assert played == {"m 1": True, "m 2": False, "m 3": True}
    # Marked played: it left the queue.
    assert [e["episode_id"] for e in as_json(podterm, "queue")] == [ids["m 2"]]
    unmarked = podterm("mark", str(ids["m 3"]), "--unplayed").stdout
    assert "Marked 1 episode unplayed." in unmarked

    assert "no episode with id 4242" in failure(podterm, "mark", str(ids["m 2"]), "4242",
                                                "--played")
    assert "one of the arguments --played --unplayed is required" in failure(
        podterm, "mark", str(ids["m 2"]), code=2)
    played = {e["title"]: e["played"] for e in as_json(podterm, "episodes")}
    assert played == {"m 1": True, "m 2": False, "m 3": False}


def test_inbox_after_import_and_refresh(server, podterm, data_dir):
    old = time.time() - 400 * 24 * HOUR
    catalogue = {show: [episode(show, n, old + n * HOUR) for n in range(20, 0, -1)]
                 for show in ("alpha", "beta")}
    urls = {show: serve(server, show, items) for show, items in catalogue.items()}
    subscriptions = data_dir.parent / "subs.opml"
    subscriptions.write_bytes(opml(*(f'<outline type="rss" text="{s}" xmlUrl="{u}"/>'
                                     for s, u in urls.items())))
    podterm("import", str(subscriptions))
    # 40 episodes arrived with the import: none of them is news.
    assert as_json(podterm, "inbox") == []
    assert "No new episodes." in podterm("inbox").stdout

    later = time.time() + HOUR
    serve(server, "alpha", [episode("alpha", 21, later), episode("alpha", 22, later + HOUR),
                            *catalogue["alpha"]])
    serve(server, "beta", [episode("beta", 21, later + 2 * HOUR), *catalogue["beta"]])
    podterm("refresh")
    new = as_json(podterm, "inbox")
    assert [(e["title"], e["feed_title"]) for e in new] == [
        ("beta 21", "beta"), ("alpha 22", "alpha"), ("alpha 21", "alpha")]
    human = podterm("inbox").stdout
    assert "Inbox: 3 new episodes, newest first" in human and "alpha 22" in human

    ids = ids_by_title(podterm)
    assert "is not in the inbox" in failure(podterm, "inbox", "dismiss", str(ids["beta 21"]),
                                            str(ids["beta 3"]))
    assert "name the episodes to dismiss, or use --all" in failure(podterm, "inbox", "dismiss")
    left = as_json(podterm, "inbox", "dismiss", str(ids["beta 21"]))
    assert [e["title"] for e in left] == ["alpha 22", "alpha 21"]
    podterm("queue", "add", str(ids["alpha 21"]))   # queued: not new
    assert [e["title"] for e in as_json(podterm, "inbox")] == ["alpha 22"]
    assert "Dismissed 1 episode; 0 new left." in podterm("inbox", "dismiss", "--all").stdout
    assert as_json(podterm, "inbox") == []


def test_settings_show_defaults_overrides_and_refuse_bad_values(server, podterm, data_dir):
    url = serve(server, "set", [episode("set", 1, 1_700_000_000)], title="Settable")
    podterm("add", url)
    (data_dir.parent / "config.toml").write_text("[player]\nrate = 1.2\nskip_outro_s = 15\n")

    shown = podterm("settings", "settable").stdout
    assert "Settable (feed 1)" in shown
    assert "default (1.2×)" in shown and "default (100 %)" in shown
    assert "default (15 s)" in shown and "default (off)" in shown

    changed = as_json(podterm, "settings", "1", "--speed", "1.5", "--volume", "130",
                      "--skip-intro", "30", "--auto-queue", "on")
    assert changed["effective"] == {"speed": 1.5, "volume": 130, "skip_intro_s": 30,
                                    "skip_outro_s": 15, "auto_queue": True,
                                    "auto_download_newest": 0}
    assert changed["overrides"]["skip_outro_s"] is None and changed["feed_title"] == "Settable"
    shown = podterm("settings", "settable").stdout
    assert "1.5×" in shown and "default (1.5×)" not in shown and "130 %" in shown

    for args, message in (
            (("--speed", "5"), "speed must be 0.5-3.0 in steps of 0.1, not 5.0"),
            (("--volume", "151", "--speed", "1.1"), "volume must be a whole number"),
            (("--skip-intro", "9999"), "skip intro must be a whole number")):
        assert message in failure(podterm, "settings", "settable", *args)
    assert "expected a number or default, not 'fast'" in failure(
        podterm, "settings", "settable", "--speed", "fast", code=2)
    assert "use on, off or default" in failure(
        podterm, "settings", "settable", "--auto-queue", "yes", code=2)
    assert as_json(podterm, "settings", "settable")["effective"]["speed"] == 1.5

    reset = as_json(podterm, "settings", "settable", "--speed", "default")
    assert reset["overrides"]["speed"] is None and reset["effective"]["speed"] == 1.2


def test_auto_queue_from_the_command_line(server, podterm, data_dir):
    url = serve(server, "serial", [episode("serial", 1, 1_700_000_000)])
    podterm("add", url)
    podterm("settings", "serial", "--auto-queue", "on")
    later = time.time() + HOUR
    serve(server, "serial", [episode("serial", 3, later + HOUR), episode("serial", 2, later),
                             episode("serial", 1, 1_700_000_000)])
    podterm("refresh")
    assert [e["title"] for e in as_json(podterm, "queue")] == ["serial 2", "serial 3"]
    assert as_json(podterm, "inbox") == []
