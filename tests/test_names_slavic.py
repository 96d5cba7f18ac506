"""Name forms of Belarus, Ukraine and Russia: given names, patronymics and family names in
their Belarusian, Ukrainian and Russian forms and romanisations match one another."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchlist.match import symbols
from watchlist.match.model import DEFAULT_THRESHOLD, WatchlistV1
from watchlist.match.names import token_similarity
from watchlist.match.prepare import Party
from watchlist.match.symbols import set_runtime
from watchlist.names.slavic import family_key, given_group, patronymic_of, slavic_symbols
from watchlist.names.slavic_table import GIVEN_NAMES


@pytest.fixture(autouse=True)
def no_runtime_symbols(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """rigour's person tagger takes seconds to load: these tests do without it, and with a
    symbol table of their own (another test's index may have left a token without any)."""
    set_runtime(False)
    monkeypatch.setattr(symbols, "_TABLE", {})
    yield


def name_score(a: str, b: str) -> float:
    return WatchlistV1.compare(Party.from_query(a, schema="Person"),
                               Party.from_query(b, schema="Person")).score


@pytest.mark.parametrize("forms", [
    ("aliaksandr", "alyaksandr", "alexander", "aleksandr", "oleksandr"),
    ("mikalai", "nikolai", "mykola", "nikolay"),
    ("aleh", "oleg", "oleh"),
    ("siarhei", "sergei", "sergey", "serhiy"),
    ("uladzimir", "vladimir", "volodymyr"),
    ("henadz", "gennady", "gennadiy", "hennadiy"),
    ("ihar", "igor", "ihor"),
    ("ryhor", "grigory"),
    ("oleksii", "aleksei", "alexey"),
])
def test_given_name_forms_share_one_group(forms: tuple[str, ...]) -> None:
    assert len({given_group(f) for f in forms}) == 1 and given_group(forms[0]) is not None


@pytest.mark.parametrize("forms", [
    ("aliaksandravich", "aleksandrovich", "oleksandrovych", "alexandrovich"),
    ("aliaksandrauna", "aleksandrovna", "oleksandrivna"),
    ("siarheevich", "sergeevich", "sergeyevich", "serhiyovych"),
    ("mikalaevich", "nikolaevich", "mykolayovych"),
    ("ryhoravich", "grigoryevich", "grigorievich", "hryhorovych"),
    ("uladzimiravich", "vladimirovich", "volodymyrovych"),
    ("ivanavich", "ivanovich", "ivanovych"),
])
def test_patronymic_forms_share_one_name_and_gender(forms: tuple[str, ...]) -> None:
    found = {patronymic_of(f) for f in forms}
    assert len(found) == 1 and None not in found


@pytest.mark.parametrize("forms", [
    ("lukashenka", "lukashenko"), ("ivanou", "ivanov"), ("hromov", "gromov"),
    ("makei", "makey"), ("slutskii", "slutsky", "slutskiy"), ("novikau", "novikof"),
    ("ponomaryov", "ponomarev", "ponomariov"), ("aksyonov", "aksenov"),
    ("ageeva", "aheieva"), ("myronov", "mironov"), ("simanienka", "simonenko"),
])
def test_family_name_forms_share_one_key(forms: tuple[str, ...]) -> None:
    found = {family_key(f) for f in forms}
    assert len(found) == 1 and None not in found


def test_a_patronymic_is_not_its_given_name_nor_a_man_a_woman() -> None:
    assert slavic_symbols("aleksandr").isdisjoint(slavic_symbols("aleksandrovich"))
    assert slavic_symbols("aleksandrovich").isdisjoint(slavic_symbols("aleksandrovna"))
    assert slavic_symbols("petrov").isdisjoint(slavic_symbols("petrova"))
    assert slavic_symbols("oleg").isdisjoint(slavic_symbols("olga"))


def test_other_tokens_have_no_slavic_symbols() -> None:
    assert slavic_symbols("smith") == frozenset()
    assert slavic_symbols("mohammed") == frozenset()
    assert slavic_symbols("jan") == frozenset()  # also Chinese Yan: not in the table


def test_tokens_of_one_group_are_as_alike_as_rigour_s_name_forms() -> None:
    assert token_similarity("aleh", "oleg") >= 0.9
    assert token_similarity("henadz", "gennady") >= 0.9
    assert token_similarity("ryhoravich", "grigoryevich") >= 0.9
    assert token_similarity("olga", "oleg") < 0.75


@pytest.mark.parametrize("a, b", [
    ("Aleh Siarheevich HAIDUKEVICH", "Oleg Sergeyevich Gaidukevich"),
    ("Mikalai Lukashenka", "Nikolai Aleksandrovich LUKASHENKO"),
    ("Henadz Kazakevich", "Gennady Arkadievich Kazakevich"),
    ("Uladzimir Makei", "Vladimir Vladimirovich MAKEY"),
    ("Ihar Sergeenko", "Igor Petrovich SERGEENKO"),
    ("Siarhei Novikau", "Sergey Ignatovich NOVIKOF"),
    ("Volodymyr Oleksandrovych Ivanov", "Vladimir Aleksandrovich IVANOU"),
])
def test_a_name_in_one_convention_matches_the_list_s_other(a: str, b: str) -> None:
    assert name_score(a, b) >= DEFAULT_THRESHOLD


@pytest.mark.parametrize("a, b", [
    ("Aleksandr Lukashenko", "Viktor Aliaksandravich LUKASHENKO"),
    ("Oleg Ivanov", "Olga Ivanova"),
    ("Nikolai Petrov", "Mikhail Nikolaevich PETROV"),
    ("Siarhei Ivanou", "Ivan Sergeyevich SIDOROV"),
])
def test_other_people_of_one_family_or_name_do_not_match(a: str, b: str) -> None:
    assert name_score(a, b) < DEFAULT_THRESHOLD


def test_every_table_line_has_a_group_form_count_and_record() -> None:
    lines = GIVEN_NAMES.strip().splitlines()
    assert len(lines) > 200
    for line in lines:
        group, form, records, example = line.split("\t")
        assert group.isalpha() and form.isalpha() and int(records) >= 1 and example
        assert given_group(form) == group


STEMS = st.text(alphabet=st.sampled_from("bcdfklmnprstvz"), min_size=3, max_size=6).map(
    lambda s: s[0] + "a" + s[1:] + "i" + "n")


@given(STEMS, st.sampled_from([("ov", "ou", "au", "ow", "off"), ("sky", "skiy", "skii"),
                               ("enko", "enka"), ("ova", "ava", "owa")]))
def test_family_ending_respelt_keeps_the_key(stem: str, endings: tuple[str, ...]) -> None:
    assert len({family_key(stem + e) for e in endings}) == 1


CONSONANT_FINAL = [line.split("\t")[1] for line in GIVEN_NAMES.strip().splitlines()
                   if line.split("\t")[1][-1] not in "aeiouyj"]


@given(st.sampled_from(CONSONANT_FINAL), st.sampled_from(["ovich", "avich", "ovych", "evich"]),
       st.sampled_from(["", "f"]))
def test_patronymic_of_a_table_name_is_that_name_s(form: str, ending: str, woman: str) -> None:
    if woman:
        ending = ending.replace("ich", "na").replace("ych", "na")
    assert patronymic_of(form + ending) == (given_group(form), woman or "m")


@given(st.text(alphabet=st.characters(codec="ascii", categories=["Ll", "Nd"]), max_size=20))
def test_slavic_symbols_is_total_and_stable(token: str) -> None:
    assert slavic_symbols(token) == slavic_symbols(token)
    assert all(s.startswith("SLAVIC:") for s in slavic_symbols(token))
