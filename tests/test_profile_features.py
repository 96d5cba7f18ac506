"""The features comparing facts read the whole profile: a birth date, country or
identifier stated by any linked record counts, and the explanation names that record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from test_profiles import build, target
from watchlist.match.symbols import set_runtime
from watchlist.screener import Screener
from watchlist.web.explain import explain

OFAC = "us-ofac-sdn-1"
UK = "gb-hmt-sanctions-2"


@pytest.fixture(autouse=True)
def no_runtime_symbols(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    set_runtime(False)
    monkeypatch.setattr("watchlist.index.build.symbol_table", lambda tokens: {})
    yield


@pytest.fixture(scope="module")
def screener() -> Screener:
    set_runtime(False)
    index = build(
        ("us_ofac_sdn", target("us_ofac_sdn", "1", "Person", ["Ivan Petrovich Testovsky"],
                               birthDate="1961-07-14")),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "2", "Person",
                                    ["Ivan Petrovych Testovskiy"], birthDate="1961-07-14",
                                    nationality="by", passportNumber="BY1234567")),
    )
    assert index.profile_of[index.by_id[OFAC]] == index.profile_of[index.by_id[UK]]
    return Screener(index)


def test_a_country_of_a_linked_record_is_compared_and_named(screener: Screener) -> None:
    [hit] = screener.check({"name": "Ivan Petrovich Testovsky", "country": "Belarus"})
    assert hit.matched_entity_id == OFAC
    country = hit.explanation["country_match"]
    assert country["score"] == 1.0 and country["by"] == [UK]
    aspects = {a.key: a for a in explain(hit.explanation, {"country": "Belarus"})}
    assert aspects["country"].verdict == "for" and UK in aspects["country"].text


def test_a_country_against_from_a_linked_record_counts_against(screener: Screener) -> None:
    hits = screener.check({"name": "Ivan Petrovich Testovsky", "country": "Russia"},
                          threshold=0.5)
    [hit] = hits
    assert hit.explanation["country_mismatch"]["score"] == 1.0
    assert hit.explanation["country_mismatch"]["by"] == [UK]
    aspects = {a.key: a for a in explain(hit.explanation, {"country": "Russia"})}
    assert "has no country" not in aspects["country"].text


def test_an_identifier_of_a_linked_record_is_decisive(screener: Screener) -> None:
    [hit] = screener.check({"name": "Ivan Petrovich Testovsky", "identifier": "BY1234567"})
    assert hit.explanation["identifier_match"]["score"] == 1.0
    assert hit.explanation["identifier_match"]["by"] == [UK]


def test_a_single_record_profile_is_scored_as_before(screener: Screener) -> None:
    target_party = screener.index.parties[screener.index.by_id[OFAC]]
    alone = Screener(screener.index).score({"name": "Ivan Petrovich Testovsky",
                                            "country": "Belarus"}, target_party)
    assert "by" not in alone.explanation["country_match"]
    assert alone.explanation["country_match"]["detail"] == "nothing to compare"


def test_check_names_the_record_that_supplied_the_listed_value(screener: Screener) -> None:
    from rich.console import Console

    from watchlist.cli.screen import explanation_table

    [hit] = screener.check({"name": "Ivan Petrovich Testovsky", "country": "Belarus"})
    table, _idle = explanation_table(hit.explanation)
    console = Console(width=200, record=True)
    console.print(table)
    assert f"by {UK}" in console.export_text()
