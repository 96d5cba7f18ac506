"""Screening against a real store: OFAC SDN, OFSI, SEMA and UN lists from ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from followthemoney import model

from conftest import LISTS, module_home
from watchlist.screener import Hit, Query, Screener
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

FILES = [
    "ofac/sdn_csv_2022-11",
    "uk/ofsi_conlist_2025-04-10_from_xlsx.csv.gz",
    "ca/sema-lmes_2025-05.xml",
    "un/consolidated_2026-02-27.xml",
]
LUKASHENKO = {"us-ofac-sdn-9760", "gb-hmt-sanctions-13918",
              "ca-dfatd-sema-sanctions-by-part-1-item-8"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not LISTS.is_dir():
        pytest.skip(f"real list snapshots not found at {LISTS} (../shared/data absent)")
    with module_home(tmp_path_factory, "screener") as path:
        store = Store()
        report = update_from_paths(store, [LISTS / f for f in FILES])
        assert report.ok, report.failures
        store.close()
        yield path


@pytest.fixture(scope="module")
def screener(home: Path) -> Screener:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(home))
        return Screener.open()


def sources(hit: Hit) -> set[str]:
    return {d["source"] for d in hit.designations}


def test_lukashenko_with_birth_date_is_one_profile_naming_every_designation(
        screener: Screener) -> None:
    hits = screener.check({"name": "Aleksandr Lukashenko", "birth_date": "1954-08-30"})
    assert len(hits) == 1
    [hit] = hits
    assert LUKASHENKO <= set(hit.entity_ids)
    assert {"us_ofac_sdn", "gb_hmt_sanctions", "ca_dfatd_sema_sanctions"} <= sources(hit)
    refs = {(d["source"], d["ref"]) for d in hit.designations}
    assert ("us_ofac_sdn", "9760") in refs
    assert ("ca_dfatd_sema_sanctions", "Schedule 1, Part 1, Item 8") in refs
    regimes = {d["regime"] for d in hit.designations if d["source"] == "gb_hmt_sanctions"}
    assert {"Belarus", "Global Human Rights"} <= regimes
    assert hit.entity_id == "us-ofac-sdn-9760"
    assert hit.score >= 0.9


@pytest.mark.parametrize("name", [
    "Лукашенко Александр Григорьевич",
    "ЛУКАШЭНКА Аляксандр Рыгоравіч",
    "LUKASHENKA, Alyaksandr Ryhorovich",
    "Alexander Lukaschenko",
])
def test_lukashenko_in_other_scripts_and_spellings_finds_the_same_profile(
        screener: Screener, name: str) -> None:
    hits = screener.check({"name": name, "schema": "Person", "birth_date": "1954"})
    assert hits, name
    assert LUKASHENKO <= set(hits[0].entity_ids)


def test_tesco_plc_returns_nothing(screener: Screener) -> None:
    assert screener.check({"name": "Tesco PLC", "schema": "Company"}) == []
    assert screener.check("Tesco PLC") == []


def test_a_person_query_never_returns_a_vessel(screener: Screener) -> None:
    vessel = next(p for p in screener.index.parties if p.schema == "Vessel")
    name = vessel.names[0][0]
    assert screener.check({"name": name, "schema": "Vessel"})
    assert all(h.schema != "Vessel" for h in screener.check({"name": name,
                                                             "schema": "Person"}))


def test_an_identifier_alone_finds_the_party(screener: Screener) -> None:
    e, party = next((e, p) for e, p in enumerate(screener.index.parties)
                    if p.schema == "Person" and p.identifiers.get("passportNumber"))
    number = sorted(party.identifiers["passportNumber"])[0]
    hits = screener.check({"name": "Someone Unrelated", "identifier": number})
    assert party.id in {i for h in hits for i in h.entity_ids}
    top = next(h for h in hits if party.id in h.entity_ids)
    assert top.explanation["identifier_match"]["score"] == 1.0


def test_hits_serialise_best_first_with_designations_and_explanation(
        screener: Screener) -> None:
    hits = screener.check(Query(name="Kim Jong Un", schema="Person"))
    assert hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    data = hits[0].to_dict()
    assert {"entity_id", "profile_id", "entity_ids", "caption", "schema", "score",
            "designations", "explanation"} <= set(data)
    for designation in data["designations"]:
        assert {"source", "ref", "regime", "listed", "entity_id"} <= set(designation)
    name = data["explanation"]["name_match"]
    assert {"score", "weight", "detail", "query", "candidate"} <= set(name)


def test_screen_reports_bad_rows_and_goes_on(screener: Screener) -> None:
    rows = [
        {"id": 1, "name": "Aleksandr Lukashenko", "birth_date": "1954-08-30"},
        {"id": 2, "name": ""},
        {"id": 3, "name": "Ivan Petrov", "birth_date": "the day after tomorrow"},
        {"id": 4, "name": "Tesco PLC", "schema": "Company"},
        {"id": 5, "name": "Kim Jong Un", "schema": "Spaceship"},
    ]
    out = list(screener.screen(rows))
    assert [r["id"] for r in out] == [1, 2, 3, 4, 5]
    assert out[0]["matches"] and "error" not in out[0]
    assert out[1]["error"] == "no name" and out[1]["matches"] == []
    assert "birth date" in out[2]["error"] and out[2]["matches"] == []
    assert out[3] == {"id": 4, "matches": []}
    assert "schema" in out[4]["error"]


def test_check_accepts_dicts_dataclasses_and_lists_of_names(screener: Screener) -> None:
    @dataclass
    class Customer:
        name: list[str]
        birth_date: str

    hits = screener.check(Customer(name=["A. Nobody", "Aleksandr Lukashenko"],
                                   birth_date="1954-08-30"))
    assert hits and LUKASHENKO <= set(hits[0].entity_ids)


def test_score_compares_one_pair_of_entities(screener: Screener) -> None:
    a = model.make_entity("Person")
    a.id = "a"
    a.add("name", "Aleksandr Lukashenko")
    a.add("birthDate", "1954-08-30")
    b = model.make_entity("Person")
    b.id = "b"
    b.add("name", "Alyaksandr Ryhorovich LUKASHENKA")
    b.add("birthDate", "1954-08-30")
    result = screener.score(a, b)
    assert result.match and 0.9 <= result.score <= 1.0
    assert "birth_date_match" in result.explanation
    assert screener.score(b.to_dict(), a.to_dict()).score == pytest.approx(result.score)


def test_profile_keeps_the_evidence_of_each_link(screener: Screener) -> None:
    profile = screener.profile("gb-hmt-sanctions-13918")
    assert LUKASHENKO <= set(profile["entity_ids"])
    assert profile["links"]
    for link in profile["links"]:
        assert link["rule"] in ("name+birth_date", "identifier", "name+listing_date",
                                "name+birth_year")
        assert link["names"] and link["name_score"] >= 0.5


def test_a_new_process_loads_the_persisted_index(home: Path, screener: Screener,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_HOME", str(home))

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was rebuilt")

    monkeypatch.setattr("watchlist.index.build.build_index", fail)
    again = Screener.open()
    assert again.index.key == screener.index.key
    assert again.check({"name": "Aleksandr Lukashenko", "birth_date": "1954-08-30"})


def test_a_caller_may_set_the_threshold(screener: Screener) -> None:
    strict = Screener(screener.index, threshold=0.99)
    assert not strict.check({"name": "Alexander Lukaschenko", "schema": "Person"})
    assert screener.check({"name": "Alexander Lukaschenko", "schema": "Person"})
