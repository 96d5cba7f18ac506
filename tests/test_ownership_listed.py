"""What the lists publish about ownership, read from their records' notes: OFAC's "Linked
To:", the UK's parent companies and subsidiaries, and statements of ownership or control."""

from __future__ import annotations

from watchlist.ownership.listed import relations_of, split_names
from watchlist.ownership.resolve import Directory, resolve
from watchlist.sources.relations import CONTROL, LINKED


def stated(note: str) -> list[tuple[str, str, str]]:
    return [(r.kind, r.owner or r.owner_name, r.owned or r.owned_name)
            for r in relations_of("t-1", "TARGET", [note], "list")]


def test_ofac_linked_to_is_a_link_of_unstated_kind():
    assert stated("Linked To: VTB BANK PUBLIC JOINT STOCK COMPANY") == [
        (LINKED, "VTB BANK PUBLIC JOINT STOCK COMPANY", "t-1")]


def test_a_uk_parent_company_controls_the_target_and_subsidiaries_are_controlled():
    assert stated("Parent company: Shahid Hemmat Industrial Group (SHIG)") == [
        (CONTROL, "Shahid Hemmat Industrial Group", "t-1")]
    assert stated("Subsidiaries: (1) EKC AG USA Corporation (2) EKC AG Turkey Madencilik") == [
        (CONTROL, "t-1", "EKC AG USA Corporation"), (CONTROL, "t-1", "EKC AG Turkey Madencilik")]


def test_addresses_in_a_note_are_not_parties():
    assert split_names("SSRC, Barzeh Street, PO Box 4470") == ["SSRC"]
    assert split_names("Neway Cnc (USA), Inc.; Star High Co., Ltd") == [
        "Neway Cnc (USA), Inc", "Star High Co., Ltd"]


def test_statements_of_ownership_or_control_in_the_text():
    assert stated("Syrian Lebanese Commercial Bank is owned or controlled by the Commercial "
                  "Bank of Syria, a designated person or entity.") == [
        (CONTROL, "Commercial Bank of Syria", "t-1")]
    assert stated("Mada Transport Group is a subsidiary of Cham Holding. Tel") == [
        (CONTROL, "Cham Holding", "t-1")]
    assert stated("KOMID is the parent company of Tosong Technology Trading Corporation.") == [
        (CONTROL, "t-1", "Tosong Technology Trading Corporation")]


def test_a_designation_basis_naming_several_ways_is_not_a_statement_of_control():
    assert stated("Owned or controlled by, or acts or purports to act for or on behalf of "
                  "Tanchon Commercial Bank.") == []


def test_names_resolve_to_the_listed_entity_of_that_name_or_stay_names():
    directory = Directory()
    directory.add("gb-1", "gb_hmt_sanctions", "CHAM HOLDING", ["Cham Holding Co"])
    listed, unlisted = (resolve(r, directory) for r in relations_of(
        "t-1", "TARGET", ["Mada is a subsidiary of Cham Holding.",
                          "It is the parent company of Pearl Bay Ltd."], "list"))
    assert (listed.owner, listed.owner_name) == ("gb-1", "CHAM HOLDING")
    assert (unlisted.owned, unlisted.owned_name) == ("name-pearl-bay-ltd", "Pearl Bay Ltd")
