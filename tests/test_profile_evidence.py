"""Profiles: links on what the lists say beyond stated countries and birth dates (the regime's
country, distinctive names, people's full names), and names that keep parties apart."""

from __future__ import annotations

from typing import Any

import pytest
from followthemoney import EntityProxy
from hypothesis import given, settings
from hypothesis import strategies as st

from test_profiles import build, linked, no_runtime_symbols, target  # noqa: F401
from watchlist.match.prepare import DEFAULT_STATS, PERSON, Party, prepare_names
from watchlist.profiles.conflicts import name_hierarchy
from watchlist.profiles.evidence import spelled_alike
from watchlist.profiles.programmes import REGIME_COUNTRIES, regime_countries

OFAC, UK, CA, AU = "us_ofac_sdn", "gb_hmt_sanctions", "ca_dfatd_sema_sanctions", "au_dfat_sanctions"
SEMA_BELARUS = "Special Economic Measures (Belarus) Regulations, Schedule 1, Part 2"
SEMA_RUSSIA = "Special Economic Measures (Russia) Regulations, Schedule 1, Part 2"


def designated(source: str, ref: str, schema: str, names: list[str], regime: str,
               **props: Any) -> tuple[str, list[EntityProxy]]:
    """A record of `source` designated under `regime` (no listing date)."""
    return source, target(source, ref, schema, names, regime=regime, **props)


def common_word_fillers(word: str, count: int = 40) -> list[tuple[str, list[EntityProxy]]]:
    """Records that make `word` common over the lists (its weight falls)."""
    return [designated(AU, f"f{i}", "Organization", [f"{word} Q{i}x{i}"], "Autonomous (Iran)")
            for i in range(count)]


def test_a_distinctive_name_under_regimes_on_one_country_links_three_lists() -> None:
    index = build(
        designated(OFAC, "32746", "Organization", ["BELARUSKALI OAO"], "BELARUS-EO14038",
                   registrationNumber=["600122610"]),
        designated(UK, "14154", "Organization", ['OPEN JOINT STOCK COMPANY "BELARUSKALI"'],
                   "Belarus", country=["by"]),
        designated(CA, "15", "Organization", ["Belaruskali OAO"], SEMA_BELARUS),
    )
    assert len(index.profiles) == 1
    assert {link["rule"] for link in index.links} == {"name+regime"}
    assert all(link["regime_country"] == "by" for link in index.links)


def test_regimes_on_different_countries_do_not_link_a_name() -> None:
    index = build(
        designated(OFAC, "1", "Organization", ["ZARYANKA OAO"], "IRAN"),
        designated(CA, "2", "Organization", ["Zaryanka OAO"], SEMA_RUSSIA),
    )
    assert not linked(index, f"{OFAC}-1", f"{CA}-2")


def test_stated_countries_against_outweigh_a_regime_in_common() -> None:
    index = build(
        designated(OFAC, "1", "Organization", ["ZARYANKA LLC"], "RUSSIA-EO14024", country=["ae"]),
        designated(UK, "2", "Organization", ["ZARYANKA LLC"], "Russia", country=["tr"]),
    )
    assert not linked(index, f"{OFAC}-1", f"{UK}-2")


def test_a_name_two_records_of_one_list_hold_links_neither() -> None:
    index = build(
        designated(OFAC, "1", "Organization", ["ZARYANKA"], "RUSSIA-EO14024"),
        designated(OFAC, "2", "Organization", ["ZARYANKA"], "RUSSIA-EO14024"),
        designated(CA, "3", "Organization", ["Zaryanka"], SEMA_RUSSIA),
    )
    assert not linked(index, f"{OFAC}-1", f"{CA}-3")
    assert not linked(index, f"{OFAC}-2", f"{CA}-3")


def test_a_generic_name_does_not_link_on_a_regime() -> None:
    index = build(
        designated(OFAC, "1", "Organization", ["CENTRAL BANK"], "RUSSIA-EO14024"),
        designated(CA, "2", "Organization", ["Central Bank"], SEMA_RUSSIA),
        *common_word_fillers("Central"),
    )
    assert not linked(index, f"{OFAC}-1", f"{CA}-2")


def test_differing_identifiers_of_one_kind_keep_a_regime_link_apart() -> None:
    index = build(
        designated(OFAC, "1", "Organization", ["ZARYANKA"], "RUSSIA-EO14024",
                   registrationNumber=["1027700167110"]),
        designated(UK, "2", "Organization", ["ZARYANKA"], "Russia",
                   registrationNumber=["1037728033606"]),
    )
    assert not linked(index, f"{OFAC}-1", f"{UK}-2")


def test_a_person_without_birth_date_links_on_full_name_and_nationality() -> None:
    index = build(
        designated(OFAC, "1", "Person", ["Uladzimir Mikalaevich KHOMYAKEVICH"], "BELARUS",
                   birthDate=["1961-04-02"]),
        designated(UK, "2", "Person", ["Uladzimir Mikalaevich KHOMYAKEVICH"], "Belarus",
                   nationality=["by"]),
    )
    [link] = index.links
    assert link["rule"] == "name+nationality" and link["country"] == "by"


def test_a_person_without_birth_date_needs_the_full_name() -> None:
    index = build(
        designated(OFAC, "1", "Person", ["Uladzimir KHOMYAKEVICH"], "BELARUS",
                   birthDate=["1961-04-02"]),
        designated(UK, "2", "Person", ["Uladzimir KHOMYAKEVICH"], "Belarus", nationality=["by"]),
    )
    assert not linked(index, f"{OFAC}-1", f"{UK}-2")


def test_a_person_without_birth_date_stays_apart_with_nationalities_against() -> None:
    index = build(
        designated(OFAC, "1", "Person", ["Uladzimir Mikalaevich KHOMYAKEVICH"], "BELARUS",
                   nationality=["ru"], birthDate=["1961-04-02"]),
        designated(UK, "2", "Person", ["Uladzimir Mikalaevich KHOMYAKEVICH"], "Belarus",
                   nationality=["ua"]),
    )
    assert not linked(index, f"{OFAC}-1", f"{UK}-2")


def test_a_nationality_more_on_one_side_is_not_against() -> None:
    index = build(
        designated(OFAC, "1", "Person", ["Fuada Mohamed KHALAFA"], "SOMALIA",
                   nationality=["so", "se"], birthDate=["1965-03-28"]),
        designated(UK, "2", "Person", ["FUADA MOHAMED KHALAFA"], "Somalia", nationality=["so"]),
    )
    assert linked(index, f"{OFAC}-1", f"{UK}-2")


@pytest.mark.parametrize(("left", "right", "alike"), [
    ("Aleksandr Grigoryevich VOLFOVICH", "Aleksandr Grigorievich VOLFOVICH", True),
    ("Yan Igorovich PETROVSKIY", "PETROVSKIY Yan Igorevich", True),
    ("Jong Un KIM", "Tong-Un KIM", False),  # equivalent only as Korean romanisations
    ("Ivan Ivanovich PETROV", "Ivan PETROV", False),
])
def test_people_without_birth_date_need_their_names_spelled_alike(
        left: str, right: str, alike: bool) -> None:
    [a] = prepare_names([(left, False)], PERSON)[:1]
    [b] = prepare_names([(right, False)], PERSON)[:1]
    assert spelled_alike(a, b) is alike


def test_particles_do_not_count_as_parts_of_a_full_name() -> None:
    index = build(
        designated(OFAC, "1", "Person", ["Khaleda AL-ZUBAIDIYA"], "SYRIA",
                   birthDate=["1976-04-10"]),
        designated(UK, "2", "Person", ["Khaleda AL-ZUBAIDIYA"], "Syria", nationality=["sy"]),
    )
    assert not linked(index, f"{OFAC}-1", f"{UK}-2")


def test_a_nationality_the_other_record_is_not_listed_over_keeps_people_apart() -> None:
    index = build(
        designated(AU, "1", "Person", ["Aleksandr Viktorovich NAUMENKOV"], "Autonomous (Ukraine)",
                   birthDate=["1970-11-26"]),
        designated(UK, "2", "Person", ["Aleksandr Viktorovich NAUMENKOV"], "Russia",
                   nationality=["by"]),
    )
    assert not linked(index, f"{AU}-1", f"{UK}-2")


def test_a_subsidiary_by_name_is_not_its_parent() -> None:
    index = build(
        designated(OFAC, "1", "Organization", ["ZARYANKA TRADING"], "RUSSIA-EO14024",
                   country=["ru"]),
        designated(UK, "2", "Organization", ["ZARYANKA"], "Russia", country=["ru"]),
    )
    assert not linked(index, f"{OFAC}-1", f"{UK}-2")


def test_a_branch_is_not_its_bank() -> None:
    index = build(
        designated(OFAC, "1", "Organization", ["BANK ZARYANKA, MOSCOW BRANCH"], "RUSSIA-EO14024",
                   country=["ru"]),
        designated(UK, "2", "Organization", ["BANK ZARYANKA"], "Russia", country=["ru"]),
    )
    assert not linked(index, f"{OFAC}-1", f"{UK}-2")


def test_a_shared_identifier_links_names_that_look_like_a_subsidiary() -> None:
    index = build(
        designated(OFAC, "1", "Organization", ["ZARYANKA TRADING"], "RUSSIA-EO14024",
                   registrationNumber=["1027700167110"]),
        designated(UK, "2", "Organization", ["ZARYANKA"], "Russia",
                   registrationNumber=["1027700167110"]),
    )
    assert linked(index, f"{OFAC}-1", f"{UK}-2")


@pytest.mark.parametrize(("parent", "other"), [
    ("ZARYANKA", "ZARYANKA TRADING"), ("BANK ZARYANKA", "BANK ZARYANKA, MOSCOW BRANCH")])
def test_a_profile_does_not_take_in_a_subsidiary_or_branch_through_a_third_record(
        parent: str, other: str) -> None:
    index = build(
        designated(OFAC, "1", "Organization", [parent], "RUSSIA-EO14024",
                   registrationNumber=["1027700167110"]),
        designated(UK, "2", "Organization", [other], "Russia",
                   registrationNumber=["5555500001"]),
        designated(CA, "3", "Organization", [other.title()], SEMA_RUSSIA,
                   registrationNumber=["1027700167110", "5555500001"]),
    )
    # CA-3 shares an identifier with each, but OFAC-1 and UK-2 are told apart by name
    assert not linked(index, f"{OFAC}-1", f"{UK}-2")


@pytest.mark.parametrize(("regime", "countries"), [
    ("BELARUS-EO14038", {"by"}), (SEMA_BELARUS, {"by"}), ("Belarus", {"by"}),
    ("Autonomous (Russia)", {"ru"}), ("RUSSIA-EO14024; UKRAINE-EO13662", {"ru"}),
    ("1718 (DPRK)", {"kp"}), ("Special Economic Measures (Myanmar (Burma)) Regulations, Part 1",
                              {"mm"}),
    ("GB", set()), ("SDGT", set()), ("Autonomous (Thematic - Cyber)", set()),
])
def test_a_regime_names_the_country_it_is_about(regime: str, countries: set[str]) -> None:
    assert regime_countries([regime]) == countries


@given(st.sampled_from(sorted(REGIME_COUNTRIES)))
def test_every_declared_regime_is_read_back_with_its_countries(key: str) -> None:
    assert regime_countries([key.upper()]) == REGIME_COUNTRIES[key][0]


@settings(max_examples=50)
@given(st.sampled_from(["trading", "leasing", "invest", "shipping", "branch", "office"]),
       st.lists(st.sampled_from(["zaryanka", "vostok", "kama", "neva"]), min_size=1,
                max_size=3, unique=True))
def test_a_name_plus_a_business_or_branch_word_is_another_organisation(
        word: str, core: list[str]) -> None:
    parent = Party("Company", [(" ".join(core), False)], primary=frozenset({" ".join(core)}))
    child_name = " ".join([*core, word])
    child = Party("Company", [(child_name, False)], primary=frozenset({child_name}))
    assert name_hierarchy(parent, child, DEFAULT_STATS) is not None
    assert name_hierarchy(parent, parent, DEFAULT_STATS) is None
