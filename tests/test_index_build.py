"""The candidate index: built once per set of serving versions, persisted, reloaded as built."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES
from watchlist.index.build import index_key, index_path, load_index, open_index
from watchlist.index.search import CandidateSearch
from watchlist.match.names import Sims
from watchlist.match.prepare import PERSON, Party
from watchlist.match.symbols import set_runtime
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

SMALL = [FIXTURES / "un_small_v1.xml", FIXTURES / "ofac_csv_small"]


@pytest.fixture(autouse=True)
def no_runtime_symbols(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    set_runtime(False)
    monkeypatch.setattr("watchlist.index.build.symbol_table", lambda tokens: {})
    yield


@pytest.fixture
def store(home: Path) -> Store:
    store = Store()
    report = update_from_paths(store, SMALL)
    assert report.ok, report.failures
    return store


def test_index_is_persisted_next_to_the_store_and_reloaded_identical(store: Store,
                                                                     home: Path) -> None:
    built = open_index(store)
    path = index_path(built.key)
    assert path.parent == home / "index"
    assert path.is_file()
    loaded = load_index(path)
    assert loaded is not None
    assert loaded.key == built.key == index_key(store.serving())
    assert [p.id for p in loaded.parties] == [p.id for p in built.parties]
    assert loaded.forms == built.forms
    assert loaded.vocab == built.vocab
    assert np.array_equal(loaded.post_forms, built.post_forms)
    assert np.array_equal(loaded.profile_of, built.profile_of)
    assert loaded.designations == built.designations
    assert loaded.links == built.links
    assert loaded.summary() == built.summary()


def test_a_persisted_index_is_loaded_not_rebuilt(store: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first = open_index(store)

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was rebuilt")

    monkeypatch.setattr("watchlist.index.build.build_index", fail)
    again = open_index(store)
    assert again.key == first.key


def test_a_new_list_version_gets_a_new_index(store: Store) -> None:
    first = open_index(store)
    update_from_paths(store, [FIXTURES / "un_small_v2.xml"])
    second = open_index(store)
    assert second.key != first.key
    assert index_path(second.key).is_file()


def test_a_corrupt_index_file_is_rebuilt(store: Store) -> None:
    first = open_index(store)
    index_path(first.key).write_bytes(b"not an index")
    again = open_index(store)
    assert again.key == first.key
    assert [p.id for p in again.parties] == [p.id for p in first.parties]
    assert load_index(index_path(first.key)) is not None


def test_every_target_is_indexed_with_its_designations(store: Store) -> None:
    index = open_index(store)
    ids = {p.id for p in index.parties}
    assert {"un-sc-sanctions-kpi.901", "us-ofac-sdn-9760"} <= ids
    e = index.by_id["us-ofac-sdn-9760"]
    [designation] = index.designations[e]
    assert designation["source"] == "us_ofac_sdn"
    assert designation["ref"] == "9760"
    assert designation["entity_id"] == "us-ofac-sdn-9760"
    vessel = index.parties[index.by_id["us-ofac-sdn-52327"]]
    assert "9313149" in vessel.identifier_values


@pytest.mark.parametrize("query, expected", [
    ("Ivan Testovsky", "un-sc-sanctions-kpi.901"),
    ("Ivan Testovskiy", "un-sc-sanctions-kpi.901"),
    ("Иван Тестовский", "un-sc-sanctions-kpi.901"),
    ("Alyaksandr Lukashenka", "us-ofac-sdn-9760"),
    ("Alyaksander Lukashenko", "us-ofac-sdn-9760"),
])
def test_candidates_include_the_entry_despite_typos_and_scripts(store: Store, query: str,
                                                                expected: str) -> None:
    index = open_index(store)
    search = CandidateSearch(index, Sims())
    party = Party.from_query(query, schema="Person")
    found = search.search(party.forms(PERSON, index.stats), floor=0.5)
    assert expected in {index.parties[e].id for e, _pre, _forms in found}


def test_candidates_are_capped(store: Store) -> None:
    index = open_index(store)
    search = CandidateSearch(index, Sims())
    party = Party.from_query("Ivan Testovsky", schema="Person")
    assert len(search.search(party.forms(PERSON, index.stats), floor=0.0, limit=1)) == 1
