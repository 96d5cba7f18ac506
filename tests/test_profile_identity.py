"""Stable profile ids: a profile keeps its id while its records stay linked; a split keeps
it on the larger part, a merge on the larger profile, with the other recorded as merged."""

from __future__ import annotations

from watchlist.profiles.identity import fresh_id, name_profiles


def test_a_new_profile_is_named_from_its_records() -> None:
    naming = name_profiles([["b", "a"]], {})
    assert naming.ids == [fresh_id(["a", "b"])] and naming.merged == {}


def test_a_profile_keeps_its_id_when_a_record_joins_or_leaves() -> None:
    previous = {"a": "wl-p", "b": "wl-p"}
    assert name_profiles([["a", "b", "c"]], previous).ids == ["wl-p"]
    assert name_profiles([["a"], ["x"]], previous).ids[0] == "wl-p"


def test_a_split_keeps_the_id_on_the_part_keeping_most_records() -> None:
    previous = {"a": "wl-p", "b": "wl-p", "c": "wl-p"}
    naming = name_profiles([["c"], ["a", "b"]], previous)
    assert naming.ids[1] == "wl-p"
    assert naming.ids[0] not in {"wl-p", fresh_id(["a", "b", "c"])}
    assert naming.merged == {}


def test_a_merge_keeps_the_larger_profiles_id_and_records_the_other_as_merged() -> None:
    previous = {"a": "wl-p", "b": "wl-p", "c": "wl-q"}
    naming = name_profiles([["a", "b", "c"]], previous)
    assert naming.ids == ["wl-p"] and naming.merged == {"wl-q": "wl-p"}


def test_a_new_id_never_reuses_one_a_profile_had() -> None:
    previous = {"a": fresh_id(["x"])}
    [new] = name_profiles([["x"]], previous).ids
    assert new != fresh_id(["x"])
