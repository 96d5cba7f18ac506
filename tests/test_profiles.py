"""Profiles: records of the same party linked on evidence beyond the name, never on a name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from followthemoney import EntityProxy, model

from watchlist.index.build import Index, build_index
from watchlist.match.symbols import set_runtime


@pytest.fixture(autouse=True)
def no_runtime_symbols(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    set_runtime(False)
    monkeypatch.setattr("watchlist.index.build.symbol_table", lambda tokens: {})
    yield


@dataclass
class FakeVersion:
    id: int
    source: str
    sha256: str = "0" * 64
    version: int = 1
    published: str | None = "2025-01-01"


@dataclass
class FakeStore:
    """Just enough of a store for build_index: serving versions and their entities."""

    entities: dict[str, list[EntityProxy]] = field(default_factory=dict)

    def serving(self) -> list[FakeVersion]:
        return [FakeVersion(i + 1, s) for i, s in enumerate(sorted(self.entities))]

    def iter_entities(self, versions: list[FakeVersion], targets_only: bool = False
                      ) -> Iterator[EntityProxy]:
        for v in versions:
            yield from self.entities.get(v.source, [])


def target(source: str, ref: str, schema: str, names: list[str], listed: str | None = None,
           un_ref: str | None = None, regime: str | None = None,
           **props: Any) -> list[EntityProxy]:
    entity = model.make_entity(schema)
    entity.id = f"{source}-{ref}".replace("_", "-")
    entity.add("name", names)
    entity.add("topics", "sanction")
    for prop, values in props.items():
        entity.add(prop, values)
    sanction = model.make_entity("Sanction")
    sanction.id = f"{entity.id}-sanction"
    sanction.add("entity", entity.id)
    sanction.add("authorityId", ref)
    sanction.add("program", regime or f"{source} programme")
    sanction.add("listingDate", listed)
    sanction.add("unscId", un_ref)
    return [entity, sanction]


def build(*records: tuple[str, list[EntityProxy]]) -> Index:
    store = FakeStore()
    for source, entities in records:
        store.entities.setdefault(source, []).extend(entities)
    return build_index(store)


def linked(index: Index, a: str, b: str) -> bool:
    a, b = a.replace("_", "-"), b.replace("_", "-")
    return index.profile_of[index.by_id[a]] == index.profile_of[index.by_id[b]]


def test_same_person_in_three_lists_is_one_profile_with_evidence() -> None:
    index = build(
        ("us_ofac_sdn", target("us_ofac_sdn", "9760", "Person",
                               ["Alyaksandr Ryhorovich LUKASHENKA"],
                               birthDate=["1954-08-30"])),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "13918", "Person",
                                    ["Alexander Grigorievich LUKASHENKO"],
                                    alias=["Aliaksandr Ryhoravich LUKASHENKA"],
                                    birthDate=["1954-08-30"])),
        ("ca_dfatd_sema_sanctions", target("ca_dfatd_sema_sanctions", "8", "Person",
                                           ["Aleksandr Grigoryevich Lukashenko"],
                                           birthDate=["1954-08-30"])),
    )
    assert linked(index, "us_ofac_sdn-9760", "gb_hmt_sanctions-13918")
    assert linked(index, "gb_hmt_sanctions-13918", "ca_dfatd_sema_sanctions-8")
    assert len(index.profiles) == 1
    assert index.parties[index.profile_lead[0]].id == "us-ofac-sdn-9760"
    sources = {d["source"] for m in index.profiles[0] for d in index.designations[m]}
    assert sources == {"us_ofac_sdn", "gb_hmt_sanctions", "ca_dfatd_sema_sanctions"}
    rules = {link["rule"] for link in index.links}
    assert rules == {"name+birth_date"}
    for link in index.links:
        assert link["birth_date"] == "1954-08-30"
        assert link["name_score"] >= 0.8
        assert link["profile_id"] == index.profile_ids[0]


def test_a_name_alone_never_links() -> None:
    index = build(
        ("us_ofac_sdn", target("us_ofac_sdn", "1", "Person", ["Ivan Ivanovich PETROV"])),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "2", "Person",
                                    ["Ivan Ivanovich PETROV"], nationality=["ru"],
                                    listed="2021-03-01")),
    )
    assert not linked(index, "us_ofac_sdn-1", "gb_hmt_sanctions-2")
    assert index.links == []


def test_same_name_with_different_birth_dates_stays_apart() -> None:
    index = build(
        ("us_ofac_sdn", target("us_ofac_sdn", "1", "Person", ["Ivan Ivanovich PETROV"],
                               birthDate=["1960-01-01"])),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "2", "Person",
                                    ["Ivan Ivanovich PETROV"], birthDate=["1971-05-05"])),
    )
    assert not linked(index, "us_ofac_sdn-1", "gb_hmt_sanctions-2")


def test_a_shared_passport_links_records_whose_names_agree() -> None:
    index = build(
        ("us_ofac_sdn", target("us_ofac_sdn", "1", "Person", ["Hannibal GADDAFI"],
                               passportNumber=["B002210"])),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "2", "Person",
                                    ["HANNIBAL MUAMMAR QADHAFI"],
                                    passportNumber=["B002210"])),
        ("un_sc_sanctions", target("un_sc_sanctions", "3", "Person", ["Someone ELSE"],
                                   passportNumber=["B002210"])),
    )
    assert linked(index, "us_ofac_sdn-1", "gb_hmt_sanctions-2")
    assert not linked(index, "us_ofac_sdn-1", "un_sc_sanctions-3")
    [link] = index.links
    assert link["rule"] == "identifier" and link["identifier"] == "B002210"


def test_one_list_may_list_a_person_twice_but_not_a_company() -> None:
    index = build(
        ("gb_fcdo_sanctions", target("gb_fcdo_sanctions", "BEL0045", "Person",
                                     ["Aleksandr LUKASHENKO"], birthDate=["1954-08-30"])
         + target("gb_fcdo_sanctions", "GHR0050", "Person", ["Aleksandr LUKASHENKO"],
                  birthDate=["1954-08-30"])),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "1", "Organization", ["AVANGARD"],
                                    country=["ru"])
         + target("gb_hmt_sanctions", "2", "Organization", ["AVANGARD JSC"],
                  country=["ru"])),
    )
    assert linked(index, "gb_fcdo_sanctions-BEL0045", "gb_fcdo_sanctions-GHR0050")
    assert not linked(index, "gb_hmt_sanctions-1", "gb_hmt_sanctions-2")


def test_organisations_link_on_name_and_country_but_not_across_numbers() -> None:
    index = build(
        ("un_sc_sanctions", target("un_sc_sanctions", "1", "Organization", ["KORYO BANK"],
                                   country=["kp"])
         + target("un_sc_sanctions", "2", "Organization", ["99TH LIGHT INFANTRY DIVISION"],
                  country=["mm"])),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "3", "Organization", ["Koryo Bank"],
                                    country=["kp"])
         + target("gb_hmt_sanctions", "4", "Organization", ["77TH LIGHT INFANTRY DIVISION"],
                  country=["mm"])
         + target("gb_hmt_sanctions", "5", "Organization", ["Koryo Bank"],
                  country=["cn"])),
    )
    assert linked(index, "un_sc_sanctions-1", "gb_hmt_sanctions-3")
    assert not linked(index, "un_sc_sanctions-2", "gb_hmt_sanctions-4")
    assert not linked(index, "un_sc_sanctions-1", "gb_hmt_sanctions-5")


def test_a_chain_of_links_never_joins_conflicting_records() -> None:
    index = build(
        ("us_ofac_sdn", target("us_ofac_sdn", "1", "Person", ["Yasir Sabawi AL-TIKRITI"],
                               birthDate=["1968-05-15", "1970"], nationality=["iq"])),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "2", "Person",
                                    ["Yasir Sabawi AL-TIKRITI"], birthDate=["1970"],
                                    nationality=["iq"])),
        ("un_sc_sanctions", target("un_sc_sanctions", "3", "Person",
                                   ["Yasir Sabawi AL-TIKRITI"], birthDate=["1968-05-15"],
                                   nationality=["iq"])
         + target("un_sc_sanctions", "4", "Person", ["Yasir Sabawi AL-TIKRITI"],
                  birthDate=["1970-07-17"], nationality=["iq"])),
    )
    assert linked(index, "us_ofac_sdn-1", "un_sc_sanctions-3")
    assert not linked(index, "un_sc_sanctions-3", "un_sc_sanctions-4")


def test_a_shared_un_reference_links_the_lists_implementing_one_un_listing() -> None:
    index = build(
        ("un_sc_sanctions", target("un_sc_sanctions", "KPi.005", "Person", ["HAN YU-RO"],
                                   un_ref="KPi.005")),
        ("gb_hmt_sanctions", target("gb_hmt_sanctions", "10918", "Person", ["HAN YU-RO"],
                                    un_ref="KPi.005")),
    )
    assert linked(index, "un_sc_sanctions-KPi.005", "gb_hmt_sanctions-10918")
    [link] = index.links
    assert link["rule"] == "identifier" and link["identifier"] == "KPI005"


def test_the_same_name_listed_the_same_day_by_two_lists_links_but_not_by_alias() -> None:
    index = build(
        ("un_sc_sanctions", target("un_sc_sanctions", "1", "Person", ["Amadou KOUFA"],
                                   listed="2020-02-04")
         + target("un_sc_sanctions", "2", "Organization", ["ANSAR AL CHARIA DERNA"],
                  listed="2014-11-19", alias=["Ansar al-Sharia"])),
        ("au_dfat_sanctions", target("au_dfat_sanctions", "3", "Person", ["Amadou Koufa"],
                                     listed="2020-02-04")
         + target("au_dfat_sanctions", "4", "Organization", ["Ansar al Charia Benghazi"],
                  listed="2014-11-19", alias=["Ansar al-Sharia"])
         + target("au_dfat_sanctions", "5", "Person", ["Amadou Koufa"],
                  listed="2021-01-01")),
    )
    assert linked(index, "un_sc_sanctions-1", "au_dfat_sanctions-3")
    assert not linked(index, "un_sc_sanctions-2", "au_dfat_sanctions-4")
    assert not linked(index, "un_sc_sanctions-1", "au_dfat_sanctions-5")
