"""A man's and a woman's form of one given name are different names in any romanisation
(Yevgeniy / Yevhenia, Alexandr / Aleksandra, Alejandro / Alejandra), while the spellings of
one name, a feminine family name and the Tajik -o stay alike; an Indic script's final
vowel does not hide a compound name's ending."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from watchlist.match import symbols
from watchlist.match.model import DEFAULT_THRESHOLD, WatchlistV1
from watchlist.match.names import token_similarity
from watchlist.match.prepare import Party
from watchlist.names.slavic import given_group


@pytest.fixture(autouse=True)
def rigour_symbols() -> Iterator[None]:
    """Symbols of every token, as when the index is built (a screener asks only about the
    index's tokens)."""
    before = symbols.set_runtime(True)
    yield
    symbols.set_runtime(before)


def score(query: str, listed: str, schema: str = "Person") -> float:
    return WatchlistV1.compare(Party(schema, [(query, False)]),
                               Party(schema, [(listed, False)])).score


@pytest.mark.parametrize("a, b", [
    ("evhenyia", "evgenii"), ("evhenyia", "yevgeniy"), ("aleksandra", "alexandr"),
    ("alejandro", "alejandra"), ("mario", "maria"), ("yuliya", "yuliy"),
])
def test_a_mans_and_a_womans_form_differ_across_romanisations(a: str, b: str) -> None:
    assert token_similarity(a, b) <= 0.5
    assert token_similarity(b, a) <= 0.5


@pytest.mark.parametrize("a, b", [
    ("mustafo", "mustafa"), ("evgeniy", "yevhen"), ("mykola", "mykolo"),
    ("lebedev", "lebedeva"), ("ivanov", "ivanova"),
])
def test_spellings_of_one_name_and_feminine_family_names_stay_alike(a: str, b: str) -> None:
    assert token_similarity(a, b) >= 0.8


def test_a_womans_romanisation_is_not_grouped_with_the_mans_given_name() -> None:
    assert given_group("evhenyia") is None
    assert given_group("yevgeniy") == given_group("evgenii") is not None
    assert given_group("valyantsina") == "valentina"


def test_a_woman_is_not_alerted_on_a_man_of_her_family_name() -> None:
    assert score("Евгения Лебедева", "Evgeny Viktorovich LEBEDEV") < DEFAULT_THRESHOLD
    assert score("Евгения Орлов", "Yevgeniy ORLOV") < DEFAULT_THRESHOLD
    assert score("Alejandro Díaz", "María Alejandra DÍAZ") < DEFAULT_THRESHOLD
    assert score("Евгений Лебедев", "Evgeny Viktorovich LEBEDEV") >= DEFAULT_THRESHOLD


def test_an_indic_final_vowel_keeps_a_compound_ending() -> None:
    assert token_similarity("samasuddina", "sahabuddina") < 0.75
    assert score("মোহাম্মদ শামসুদ্দিন", "মোহাম্মদ সাহাবুদ্দিন") < DEFAULT_THRESHOLD


def test_an_organisations_region_costs_less_than_its_country() -> None:
    assert score("Faberlic", "FABERLIC EUROPE Sp. z o.o.", "Company") >= DEFAULT_THRESHOLD
    assert score("Banco Santander S.A.", "Banco Santander México S.A.",
                 "Company") < DEFAULT_THRESHOLD
    assert score("Bank Rossiya", "Rossiya-24", "Organization") < DEFAULT_THRESHOLD
