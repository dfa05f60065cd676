"""library.record: the feeds' and episodes' class must catch a wrong field as a
dataclass would, or a typo in a field's name would pass silently."""

from __future__ import annotations

import pickle

import pytest

from library.record import Factory, Record


class Show(Record):
    title: str
    episodes: int = 0


def test_fields_by_position_or_name_with_defaults_equality_and_copies():
    show = Show("Tides", episodes=3)
    assert (show.title, show.episodes) == ("Tides", 3)
    assert Show(title="Tides").episodes == 0
    assert show == Show(title="Tides", episodes=3) != Show("Tides")
    assert repr(show) == "Show(title='Tides', episodes=3)"
    moved = show.replace(title="Tides (new feed)")
    assert (moved.title, moved.episodes, show.title) == ("Tides (new feed)", 3, "Tides")


def test_a_record_made_from_another_has_its_fields_first():
    class Special(Show):
        host: str = "nobody"

    special = Special("Tides", 2, host="Ann")
    assert repr(special) == "Special(title='Tides', episodes=2, host='Ann')"
    assert Special(title="Tides").host == "nobody" and Special("Tides").episodes == 0
    assert special != Show("Tides", 2)


@pytest.mark.parametrize("args, kwargs, complaint", [
    ((), {}, "missing: title"),
    (("Tides",), {"episode": 3}, "unknown: episode"),
    (("Tides",), {"title": "Tides"}, "given twice: title"),
    (("Tides", 3, 4), {}, "takes 2 fields"),
])
def test_a_wrong_field_is_refused_by_name(args, kwargs, complaint):
    with pytest.raises(TypeError, match=complaint):
        Show(*args, **kwargs)


class Rule(Record, frozen=True):
    name: str
    limit: int = 3


def test_a_frozen_record_refuses_changes_and_can_be_a_key():
    rule = Rule("retries")
    with pytest.raises(AttributeError, match="cannot change 'limit' of a Rule"):
        rule.limit = 4
    with pytest.raises(AttributeError, match="frozen"):
        del rule.name
    assert {rule: "kept"}[Rule("retries", 3)] == "kept"
    assert rule.replace(limit=4) == Rule("retries", 4) and rule.limit == 3
    assert rule.as_dict() == {"name": "retries", "limit": 3}
    assert pickle.loads(pickle.dumps(rule)) == rule  # (a refresh sends records to its caller)
    with pytest.raises(TypeError, match="unhashable"):
        hash(Show("Tides"))


class Playlist(Record):
    name: str
    items: list = Factory(list)


def test_a_factory_default_is_made_for_each_record():
    first, second = Playlist("a"), Playlist("b")
    first.items.append(1)
    assert (first.items, second.items) == ([1], [])
    assert Playlist("c", [2]).items == [2]
    assert repr(second) == "Playlist(name='b', items=[])"
