"""Organisation names that hold other names: a bracketed alternative, a quoted short name
inside a long official name, the acronym of a long name; and matching through them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchlist.match.model import DEFAULT_THRESHOLD, WatchlistV1
from watchlist.match.prepare import ORG, Party, prepare_names
from watchlist.match.symbols import set_runtime
from watchlist.names.orgs import (
    acronym,
    alternative_names,
    bracketed_alternative,
    quoted_names,
)

ROSTEC = ('STATE CORPORATION FOR THE PROMOTION OF THE DEVELOPMENT, MANUFACTURE AND EXPORT '
          'OF HIGH TECHNOLOGY PRODUCTS "ROSTEC"')
SGM = "STROYGAZMONTAZH-MOST OOO (SGM-MOST OOO)"
MCST = "JSC MOSCOW CENTER OF SPARC TECHNOLOGIES"


@pytest.fixture(autouse=True)
def no_runtime_symbols() -> Iterator[None]:
    set_runtime(False)
    yield


def org_score(a: str, b: str) -> float:
    return WatchlistV1.compare(Party.from_query(a, schema="Organization"),
                               Party.from_query(b, schema="Organization")).score


def test_a_bracketed_name_with_its_legal_form_is_a_name_of_its_own() -> None:
    assert bracketed_alternative(SGM) == ["STROYGAZMONTAZH-MOST OOO", "SGM-MOST OOO"]


def test_a_bracketed_abbreviation_or_marked_alias_is_a_name_of_its_own() -> None:
    assert bracketed_alternative("BANK MELLI IRAN (BMI)") == ["BANK MELLI IRAN", "BMI"]
    assert bracketed_alternative("Metrotek Ltd. (also known as NTC Metrotek)") == [
        "Metrotek Ltd.", "NTC Metrotek"]
    assert bracketed_alternative("X Ltd (a.k.a. Y Trading, Z Holding)") == [
        "X Ltd", "Y Trading, Z Holding", "Y Trading", "Z Holding"]


@pytest.mark.parametrize("name", [
    "Deutsche Bank (Schweiz) AG", "XYZ Trading Ltd (Cyprus)",
    "Bank Melli Iran (Hamburg Branch)", "Now Trading Ltd (Nowshahr)", "(ABC)",
])
def test_a_bracketed_qualifier_is_no_name(name: str) -> None:
    assert bracketed_alternative(name) == []


def test_a_quoted_short_name_inside_a_long_official_name_is_a_name() -> None:
    assert quoted_names(ROSTEC) == ["ROSTEC"]
    assert quoted_names('АО "НИИ "Нептун"') == ["Нептун"]
    assert quoted_names("Акционерное общество «Центральное морское конструкторское бюро "
                        "«Алмаз»") == ["Алмаз"]


def test_quotes_in_a_person_s_name_or_around_generic_words_give_no_name() -> None:
    assert quoted_names('Ivan "Vanya" Petrov') == []
    assert quoted_names('AO "Nauchno-Issledovatelskiy Institut" Imeni Popova') == []


def test_acronym_of_a_long_name_keeps_its_legal_form() -> None:
    assert acronym(MCST) == "mcst jsc"
    assert acronym("Islamic Revolutionary Guard Corps") == "irgc"
    assert acronym("Bank Melli Iran") is None  # three initials: the scorer reads them
    assert acronym("ایمن صنعت زمان فرا ساز") is None
    assert acronym("Iranian Army/Armee iranienne") is None


def test_a_bracketed_abbreviation_is_a_weak_name() -> None:
    fesco = "FAR EASTERN SHIPPING COMPANY (FESCO)"
    assert ("FESCO", True) in alternative_names(fesco)
    assert org_score("FESCO", fesco) >= DEFAULT_THRESHOLD
    assert org_score("Tesco PLC", fesco) < DEFAULT_THRESHOLD


def test_an_acronym_is_a_weak_name_and_a_name_given_in_full_stays_strong() -> None:
    assert ("mcst jsc", True) in alternative_names(MCST)
    forms = prepare_names([(MCST, False), ("MCST JSC", False)], ORG)
    assert [f.weak for f in forms if f.tokens == ("mcst",)] == [False]


@pytest.mark.parametrize("a, b", [
    ("MCST JSC", MCST), ("SGM-MOST OOO", SGM), ("Stroygazmontazh-Most", SGM),
    ("ROSTEC", ROSTEC), ("BMI", "BANK MELLI IRAN (BMI)"),
])
def test_an_organisation_is_found_by_the_names_its_name_holds(a: str, b: str) -> None:
    assert org_score(a, b) >= DEFAULT_THRESHOLD


@pytest.mark.parametrize("a, b", [
    ("Cyprus Ltd", "XYZ TRADING LTD (CYPRUS)"), ("Schweiz AG", "Deutsche Bank (Schweiz) AG"),
    ("MCST JSC", "JSC MOSCOW CITY TRADING"), ("Vanya", 'Ivan "Vanya" Petrov'),
    ("State Corporation", ROSTEC),
    ("China State Construction Equipment Corporation",
     "China State Construction Engineering Corporation"),
    ("Industrial and Commercial Bank of Chad Limited",
     "Industrial and Commercial Bank of China Limited"),
    ("A.B.C. Company", "ABC International"),
])
def test_qualifiers_and_parts_of_a_name_are_not_found_alone(a: str, b: str) -> None:
    assert org_score(a, b) < DEFAULT_THRESHOLD


WORDS = st.text(alphabet=st.sampled_from("abcdefghklmnoprst"), min_size=2, max_size=8)


@given(st.lists(WORDS, min_size=1, max_size=7), WORDS)
def test_alternatives_are_parts_of_the_name(words: list[str], extra: str) -> None:
    for name in (" ".join(words), f"{' '.join(words)} ({extra})", f'{words[0]} "{extra}"'):
        for alternative, weak in alternative_names(name):
            if alternative not in name:  # only an acronym is made up
                assert weak and 4 <= len(alternative.split()[0]) <= 6


@given(st.lists(WORDS, min_size=4, max_size=6))
def test_acronym_is_the_initials_of_the_words(words: list[str]) -> None:
    found = acronym(" ".join(words))
    if found is not None:
        assert set(found.split()[0]) <= {w[0] for w in words}
