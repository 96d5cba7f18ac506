"""Candidate search finds a listed name written with another transliteration's vowels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watchlist.match.names import token_similarity
from watchlist.screener import Screener
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

LISTED = {
    "id": "belarus-1", "schema": "Person", "topics": ["sanction"],
    "properties": {"name": ["Alyaksandr Ryhorovich LUKASHENKA"], "birthDate": ["1954-08-30"],
                   "topics": ["sanction"]},
}
OTHER = {
    "id": "other-1", "schema": "Person",
    "properties": {"name": ["Oleksandr Lukianenko"], "topics": ["sanction"]},
}


@pytest.fixture
def screener(home: Path, tmp_path: Path) -> Screener:
    path = tmp_path / "list.ftm.json"
    path.write_text("\n".join(json.dumps(e) for e in (LISTED, OTHER)) + "\n")
    store = Store()
    update_from_paths(store, [path])
    return Screener.open(store)


@pytest.mark.parametrize("query", [
    {"name": "Aleksandr Lukashenko"},
    {"name": "Lukashenko Aleksandr"},
])
def test_belarusian_spelling_is_found_from_the_russian_one(screener: Screener,
                                                            query: dict[str, str]) -> None:
    hits = screener.check(query)
    assert [h.entity_id for h in hits][:1] == ["belarus-1"]
    assert hits[0].score >= screener.threshold


def test_consonant_expansion_does_not_invent_hits(screener: Screener) -> None:
    assert screener.check({"name": "Alexis Lukas"}) == []


@pytest.mark.parametrize("written,other", [("maxim", "maksim"), ("alexander", "aleksander"),
                                           ("xenia", "ksenia")])
def test_x_and_ks_are_the_same_letters(written: str, other: str) -> None:
    assert token_similarity(written, other) == 1.0
    assert token_similarity("maxim", "martin") < 0.8
