"""Name matching: scripts, spellings, typos, order, initials, legal forms and numbers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchlist.match.model import DEFAULT_THRESHOLD, WatchlistV1
from watchlist.match.names import best_name_match, token_similarity
from watchlist.match.prepare import ORG, PERSON, Party, prepare_names
from watchlist.match.symbols import load_symbols, set_runtime


@pytest.fixture(autouse=True)
def no_runtime_symbols() -> Iterator[None]:
    """rigour's person tagger takes seconds to load: these tests do without it."""
    set_runtime(False)
    yield


def name_score(a: str, b: str, schema: str = "Person") -> float:
    return WatchlistV1.compare(Party.from_query(a, schema=schema),
                               Party.from_query(b, schema=schema)).score


def matches(a: str, b: str, schema: str = "Person") -> bool:
    return name_score(a, b, schema) >= DEFAULT_THRESHOLD


@pytest.mark.parametrize("a, b", [
    ("Aleksandr Grigoryevich Lukashenko", "Лукашенко Александр Григорьевич"),
    ("Alyaksandr Ryhorovich LUKASHENKA", "ЛУКАШЭНКА, Аляксандр Рыгоравіч"),
    ("Alexander Lukashenko", "Aleksandr LUKASHENKO"),
    ("Aliaksandr Lukashenka", "Alyaksandr Ryhorovich LUKASHENKA"),
    ("LUKASHENKO, Alexander", "Alexander Grigorievich LUKASHENKO"),
])
def test_lukashenko_matches_across_scripts_and_spellings(a: str, b: str) -> None:
    assert matches(a, b)


@pytest.mark.parametrize("a, b", [
    ("Olaf Scholze", "Olaf Scholz"),
    ("Mohamed bin Salman", "Mohammed bin Salman"),
    ("Usama bin Ladin", "Osama bin Laden"),
    ("Putin, Vladimir", "Vladimir Putin"),
    ("VladimirPutin", "Vladimir Putin"),
    ("V. Putin", "Vladimir Putin"),
    ("Ig0r Sech1n", "Igor Sechin"),
    ("Vladimir Vladimirovich Putin", "Vladimir Putin"),
])
def test_spelling_variants_typos_and_forms_of_a_person_name_match(a: str, b: str) -> None:
    assert matches(a, b)


@pytest.mark.parametrize("a, b", [
    ("Octavian Scholz", "Olaf Scholz"),
    ("Alexander Lukashevich", "Alexander Lukashenko"),
    ("BARZAN IBRAHIM HASSAN AL-MOSULI", "BARZAN IBRAHIM HASSAN AL-TIKRITI"),
    ("SALMAN BIN MUHAMMAD AL-RAWI", "MUHAMMAD BIN SALMAN AL-RAWI"),
    ("N.N.", "Nursultan Nazarbayev"),
    ("WALIJAN ABDUL GHAFOOR HAQQANI", "WALIJAN"),
])
def test_different_people_do_not_match(a: str, b: str) -> None:
    assert not matches(a, b)


def test_a_differing_name_part_outweighs_many_agreeing_ones() -> None:
    same = name_score("AYMAN SABAWI IBRAHIM HASAN AL-TIKRITI",
                      "AYMAN SABAWI IBRAHIM HASAN AL-TIKRITI")
    swapped = name_score("AYMAN SABAWI IBRAHIM HASAN AL-DULAIMI",
                         "AYMAN SABAWI IBRAHIM HASAN AL-TIKRITI")
    assert same == 1.0
    assert swapped < DEFAULT_THRESHOLD - 0.1


def test_rare_name_parts_weigh_more_than_common_ones() -> None:
    from watchlist.match.prepare import TokenStats

    stats = TokenStats({"mohammad": 800, "ahmad": 600, "hassan": 400}, 25000, key="t")
    common = Party.from_query("Mohammad Hassan Zarkawi", schema="Person")
    swapped_common = Party.from_query("Ahmad Hassan Zarkawi", schema="Person")
    rare = Party.from_query("Mohammad Hassan Qurbani", schema="Person")
    low = WatchlistV1.compare(common, rare, stats=stats).score
    high = WatchlistV1.compare(common, swapped_common, stats=stats).score
    assert high > low


def test_chinese_names_must_agree_character_for_character() -> None:
    assert not matches("习近朋", "习近平")
    assert matches("习近平", "Xi Jinping")


def test_rigour_name_symbols_join_forms_of_one_name() -> None:
    load_symbols({"mikhail": frozenset({"NAME:Q4927524"}),
                  "michael": frozenset({"NAME:Q4927524"})})
    assert token_similarity("mikhail", "michael") >= 0.9
    assert matches("Mikhail Gorbachev", "Michael Gorbachev")


@pytest.mark.parametrize("a, b", [
    ("OOO Romashka", "Romashka LLC"),
    ("Siemens Aktiengesellschaft", "Siemens AG"),
    ("Limited Liability Company Iskusstvo Krasoty", "Iskusstvo Krasoty"),
    ("A.B.C. Company", "ABC Company"),
    ("Brigade Forty-Four", "Brigade 44"),
    ("PLA", "People's Liberation Army"),
])
def test_organisation_names_match_across_legal_forms_and_abbreviations(a: str, b: str
                                                                       ) -> None:
    assert matches(a, b, "Company")


@pytest.mark.parametrize("legal", ["LTD", "Limited", "OOO", "S.A.", "Co., Ltd."])
def test_a_legal_form_alone_never_matches(legal: str) -> None:
    assert name_score(legal, "Acme Trading LTD", "Company") == 0.0
    assert name_score(legal, legal, "Company") == 0.0
    assert prepare_names([(legal, False)], ORG) == []


def test_numbers_in_company_names_must_agree() -> None:
    same = WatchlistV1.compare(Party.from_query("Goldman Sachs Mortgage Trust 2004-1",
                                                schema="Company"),
                               Party.from_query("Goldman Sachs Mortgage Trust 2004-1",
                                                schema="Company"))
    other = WatchlistV1.compare(Party.from_query("Goldman Sachs Mortgage Trust 2004-1",
                                                 schema="Company"),
                                Party.from_query("Goldman Sachs Mortgage Trust 2004-2",
                                                 schema="Company"))
    assert same.score == 1.0
    assert other.score < same.score
    assert other.explanation["numbers_mismatch"]["contribution"] < 0


def test_legal_forms_of_different_kinds_count_against() -> None:
    same = name_score("Deutsche Bank AG", "Deutsche Bank AG", "Company")
    other = name_score("Deutsche Bank AG", "Deutsche Bank GmbH", "Company")
    assert other < same


name_parts = st.sampled_from([
    "vladimir", "putin", "al", "bin", "mohammad", "ahmad", "hassan", "lukashenko", "v",
    "olaf", "scholz", "ltd", "bank", "trading", "7", "2004", "ivanovich", "kim", "jong",
    "un", "sergey", "lavrov", "x", "abu", "company",
])
names = st.lists(name_parts, min_size=1, max_size=6).map(" ".join)
scripts = st.sampled_from(["", "Лукашенко", "محمد", "习近平"])


@settings(max_examples=300, deadline=None)
@given(a=names, b=names, extra=scripts,
       schema=st.sampled_from(["Person", "Company", "LegalEntity", "Vessel"]))
def test_scores_are_symmetric_and_bounded(a: str, b: str, extra: str, schema: str) -> None:
    left = Party.from_query(f"{a} {extra}".strip(), schema=schema)
    right = Party.from_query(b, schema=schema)
    forward = WatchlistV1.compare(left, right).score
    backward = WatchlistV1.compare(right, left).score
    assert 0.0 <= forward <= 1.0
    assert forward == pytest.approx(backward, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(a=names)
def test_a_name_matches_itself_perfectly(a: str) -> None:
    forms = prepare_names([(a, False)], PERSON)
    if forms:
        assert best_name_match(forms, forms, PERSON).score == 1.0
