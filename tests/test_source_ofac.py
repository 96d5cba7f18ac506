"""OFAC SDN and consolidated lists: sdnList XML and the legacy headerless CSV set."""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from followthemoney import EntityProxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, shared_file
from watchlist.errors import SourceError
from watchlist.sources import ofac_csv, ofac_xml
from watchlist.sources.base import Context
from watchlist.sources.files import read_head

CSV_SMALL = FIXTURES / "ofac_csv_small"
XML_SMALL = FIXTURES / "ofac_sdn_small.xml"
OFAC = "ofac"
SDN, CONS = "us_ofac_sdn", "us_ofac_cons"

#: Real CSV sets: directory, {role: file name}, source.
CSV_SETS = {
    "sdn_2021_07": ("sdn_csv_2021-07", {"main": "sdn.csv", "add": "add.csv", "alt": "alt.csv",
                                        "comments": "sdn_comments.csv"}, SDN),
    "sdn_2022_11": ("sdn_csv_2022-11", {"main": "sdn.csv"}, SDN),
    "cons_2022_11": ("sdn_csv_2022-11", {"main": "cons_prim.csv"}, CONS),
    "cons_2018_05": ("cons_csv_2018-05", {"main": "cons_prim.csv", "add": "cons_add.csv",
                                          "alt": "cons_alt.csv"}, CONS),
    "cons_2025_12": ("cons_csv_2025-12", {"main": "cons_prim.csv", "add": "cons_add.csv",
                                          "alt": "cons_alt.csv", "comments": "cons_comments.csv"},
                     CONS),
    "ofactest": ("fixtures", {"main": "ofactest_sdn.csv", "add": "ofactest_add.csv",
                              "alt": "ofactest_alt.csv", "comments": "ofactest_sdn_comments.csv"},
                 SDN),
}
XML_FILES = {
    "cons_2025_03": ("cons_xml_2025-03/consolidated.xml", CONS),
    "cons_2018_05": ("cons_csv_2018-05/consolidated.xml", CONS),
}

_CACHE: dict[tuple[str, ...], tuple[dict[str, EntityProxy], Context]] = {}


def run(fmt: str, source: str, files: Mapping[str, Path]) -> tuple[dict[str, EntityProxy], Context]:
    """Parse a file set, entities merged by id as the store does."""
    key = (fmt, source, *sorted(f"{r}={p}" for r, p in files.items()))
    if key in _CACHE:
        return _CACHE[key]
    ctx = Context(source=source, file=str(next(iter(files.values()))))
    module = ofac_csv if fmt == "ofac_csv" else ofac_xml
    out: dict[str, EntityProxy] = {}
    for entity in module.parse(ctx, files):
        if entity.id in out:
            out[entity.id].merge(entity)
        else:
            out[entity.id] = entity
    _CACHE[key] = (out, ctx)
    return out, ctx


def real_csv(name: str) -> tuple[dict[str, EntityProxy], Context]:
    directory, roles, source = CSV_SETS[name]
    files = {role: shared_file(f"{OFAC}/{directory}/{file}") for role, file in roles.items()}
    return run("ofac_csv", source, files)


def real_xml(name: str) -> tuple[dict[str, EntityProxy], Context]:
    relative, source = XML_FILES[name]
    return run("ofac_xml", source, {"main": shared_file(f"{OFAC}/{relative}")})


def targets(entities: Mapping[str, EntityProxy]) -> list[EntityProxy]:
    return [e for e in entities.values() if "sanction" in e.get("topics", quiet=True)]


def sanction_of(entities: Mapping[str, EntityProxy], target: EntityProxy) -> EntityProxy:
    return entities[f"{target.id}-sanction"]


def linked(entities: Mapping[str, EntityProxy], target: EntityProxy, schema: str,
           prop: str = "holder") -> list[EntityProxy]:
    return [e for e in entities.values()
            if e.schema.is_a(schema) and target.id in e.get(prop, quiet=True)]


def distinct_ent_nums(path: Path) -> set[str]:
    """Independent count: first column of every 12-column row, read with the csv module."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    return {row[0] for row in csv.reader(io.StringIO(text)) if len(row) == 12}


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def csv_row(ent_num: str, name: str, sdn_type: str = '"individual"', program: str = "SDGT",
            remarks: str = "-0- ") -> str:
    quoted = remarks if remarks == "-0- " else f'"{remarks}"'
    return (f'{ent_num},"{name}",{sdn_type},"{program}",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
            f"{quoted}")


def xml_doc(entries: str, count: int | None = 1, root: str = "sdnList") -> str:
    declared = f"<Record_Count>{count}</Record_Count>" if count is not None else ""
    return (f'<?xml version="1.0" standalone="yes"?>\n<{root} xmlns="http://tempuri.org/sdnList.xsd">'
            f"<publshInformation><Publish_Date>04/06/2018</Publish_Date>{declared}"
            f"</publshInformation>{entries}</{root}>")


# --- 1. counts on every real snapshot --------------------------------------------------

@pytest.mark.parametrize("name", sorted(CSV_SETS))
def test_csv_targets_equal_distinct_ent_nums_of_primary_file(name: str) -> None:
    directory, roles, _source = CSV_SETS[name]
    expected = distinct_ent_nums(shared_file(f"{OFAC}/{directory}/{roles['main']}"))
    entities, _ctx = real_csv(name)
    found = targets(entities)
    assert len(found) == len(expected)
    assert {t.id.rsplit("-", 1)[1] for t in found} == expected
    assert all(sanction_of(entities, t).get("entity") == [t.id] for t in found)


def test_csv_counts_are_the_published_record_counts() -> None:
    counts = {name: len(targets(real_csv(name)[0])) for name in CSV_SETS}
    assert counts == {"sdn_2021_07": 8976, "sdn_2022_11": 11118, "cons_2022_11": 449,
                      "cons_2018_05": 639, "cons_2025_12": 442, "ofactest": 17}


@pytest.mark.parametrize("name", sorted(XML_FILES))
def test_xml_targets_equal_sdn_entries_and_record_count(name: str) -> None:
    text = shared_file(f"{OFAC}/{XML_FILES[name][0]}").read_text(encoding="utf-8")
    entries = len(re.findall(r"<sdnEntry>", text))
    declared = int(re.search(r"<Record_Count>(\d+)</Record_Count>", text).group(1))
    entities, ctx = real_xml(name)
    assert len(targets(entities)) == entries == declared
    assert ctx.warnings == []


def test_xml_fixture_counts_and_publish_date() -> None:
    entities, ctx = run("ofac_xml", SDN, {"main": XML_SMALL})
    assert len(targets(entities)) == 5
    assert ctx.published == "2025-12-24"


def test_xml_publish_date_is_month_first() -> None:
    _entities, ctx = real_xml("cons_2018_05")
    assert ctx.published == "2018-04-06"
    _entities, ctx = real_xml("cons_2025_03")
    assert ctx.published == "2025-03-28"


def test_csv_carries_no_publication_date() -> None:
    _entities, ctx = real_csv("sdn_2021_07")
    assert ctx.published is None
    assert ctx.latest_listing is None


# --- 2. real records, field by field ---------------------------------------------------

def test_ofac_lukashenko_2021_csv_with_all_aliases() -> None:
    entities, _ctx = real_csv("sdn_2021_07")
    luka = entities["us-ofac-sdn-9760"]
    assert luka.schema.name == "Person"
    assert luka.get("name") == ["Alyaksandr Hryhoryavich LUKASHENKA"]
    assert luka.get("firstName") == ["Alyaksandr Hryhoryavich"]
    assert luka.get("lastName") == ["LUKASHENKA"]
    aliases = set(luka.get("alias"))
    assert len(aliases) == 31
    assert {"Aleksandr Grigoriyevich LUKASHENKO", "Alexander Ryhoravich LUKASHENKA",
            "Aliaksandr Grigorievich LUKASHENKA", "Alyaksandr Ryhoravich LUKASHENKO"} <= aliases
    assert luka.get("birthDate") == ["1954-08-30"]
    assert luka.get("birthPlace") == ["Kopys, Vitebsk oblast, Belarus"]
    assert luka.get("position") == ["President"]
    assert luka.get("notes") == []
    sanction = sanction_of(entities, luka)
    assert sanction.get("program") == ["BELARUS"]
    assert sanction.get("authorityId") == ["9760"]
    assert sanction.get("authority") == [ofac_xml.AUTHORITY]
    assert sanction.get("listingDate") == []


def test_ofac_lukashenko_2022_csv_alt_dob_nationality_gender() -> None:
    entities, _ctx = real_csv("sdn_2022_11")
    luka = entities["us-ofac-sdn-9760"]
    assert luka.get("name") == ["Alyaksandr Ryhorovich LUKASHENKA"]
    assert sorted(luka.get("birthDate")) == ["1954-08-30", "1954-08-31"]
    assert luka.get("birthPlace") == ["Kopys, Vitebsk oblast, Belarus"]
    assert luka.get("nationality") == ["by"]
    assert luka.get("gender") == ["male"]
    assert sanction_of(entities, luka).get("program") == ["BELARUS"]


def test_ofac_lukashenko_in_sdn_xml_schema() -> None:
    entities, _ctx = run("ofac_xml", SDN, {"main": XML_SMALL})
    luka = entities["us-ofac-sdn-9760"]
    assert luka.get("name") == ["Alyaksandr Ryhorovich LUKASHENKA"]
    assert set(luka.get("alias")) == {"Aleksandr Grigorevich LUKASHENKO",
                                      "Alexander Grigoryevich LUKASHENKO",
                                      "Alyaksandr Hryhoryavich LUKASHENKA"}
    assert sorted(luka.get("birthDate")) == ["1954-08-30", "1954-08-31"]
    assert luka.get("nationality") == ["by"]
    assert luka.get("gender") == ["male"]
    assert luka.get("address") == ["38 Karl Marx St., Minsk, Belarus"]
    assert luka.get("addressEntity") == ["us-ofac-sdn-9760-addr-53607"]
    address = entities["us-ofac-sdn-9760-addr-53607"]
    assert (address.get("street"), address.get("city"), address.get("country")) == (
        ["38 Karl Marx St."], ["Minsk"], ["by"])
    assert sanction_of(entities, luka).get("program") == ["BELARUS"]


def test_ofac_passports_keep_country_and_issue_and_expiry_dates() -> None:
    entities, ctx = real_csv("sdn_2022_11")
    person = entities["us-ofac-sdn-12562"]
    assert person.get("name") == ["Said Jan 'ABD AL-SALAM"]
    assert sorted(person.get("birthDate")) == ["1972-01-01", "1981-02-05"]
    assert person.get("nationality") == ["af"]
    assert sorted(person.get("passportNumber")) == ["4117921", "OR801168"]
    assert person.get("idNumber") == ["281020505755"]
    assert person.get("weakAlias") == ["NANGIALI"]
    passport = entities["us-ofac-sdn-12562-id-passport-or801168-afghanistan"]
    assert passport.schema.name == "Passport"
    assert passport.get("country") == ["af"]
    assert passport.get("startDate") == ["2006-02-28"]
    assert passport.get("endDate") == ["2011-02-27"]
    national = entities["us-ofac-sdn-12562-id-national-id-281020505755-kuwait"]
    assert national.get("type") == ["National ID No."]
    assert national.get("country") == ["kw"]
    # sentences about the documents are kept as notes, not read as identifiers
    assert any("issued under the name Dilawar Khan Zain Khan" in n for n in person.get("notes"))
    assert not any("12562" in w for w in ctx.warnings)


def test_ofac_remarks_overflow_from_comments_file_is_parsed() -> None:
    entities, _ctx = real_csv("sdn_2021_07")
    person = entities["us-ofac-sdn-28264"]
    assert person.get("name") == ["Jiadong LI"]
    # 'khaleesi' and the Linked To sit in sdn_comments.csv, after the cut at 1000 characters
    assert set(person.get("weakAlias")) == {"blackjack1987", "khaleesi"}
    assert "Linked To: LAZARUS GROUP" in person.get("notes")
    assert person.get("idNumber") == ["210302198701102136"]
    assert sorted(person.get("phone")) == ["+8613314257947", "+8618004121000"]
    wallets = linked(entities, person, "CryptoWallet")
    assert len(wallets) == 12
    assert {w.first("currency") for w in wallets} == {"XBT"}
    assert sanction_of(entities, person).get("program") == ["DPRK3", "CYBER2"]


def test_ofac_cons_xml_person_with_citizenship_passport_gender() -> None:
    entities, _ctx = real_xml("cons_2025_03")
    person = entities["us-ofac-cons-26182"]
    assert person.get("name") == ["Evren KAYAKIRAN"]
    assert person.get("citizenship") == ["tr"]
    assert person.get("birthDate") == ["1980-02-08"]
    assert person.get("gender") == ["male"]
    assert person.get("passportNumber") == ["U00242309"]
    assert person.get("country") == ["tr"]
    assert sanction_of(entities, person).get("program") == ["FSE-IR"]
    passport = entities["us-ofac-cons-26182-id-passport-u00242309-turkey"]
    assert passport.get("holder") == [person.id]


def test_ofac_cons_xml_vessel_previous_names_flags_and_imo() -> None:
    entities, _ctx = real_xml("cons_2018_05")
    vessel = entities["us-ofac-cons-15036"]
    assert vessel.schema.name == "Vessel"
    assert vessel.get("name") == ["SHONA"]
    assert set(vessel.get("previousName")) == {"ABADAN", "ALPHA"}
    assert vessel.get("imoNumber") == ["IMO9187629"]
    assert vessel.get("mmsi") == ["572469210"]
    assert vessel.get("callSign") == ["T2EU4"]
    assert vessel.get("flag") == ["tz"]
    assert set(vessel.get("pastFlags")) == {"mt", "tv"}
    assert vessel.get("tonnage") == ["99144"]
    assert "Linked To: NATIONAL IRANIAN TANKER COMPANY" in vessel.get("notes")
    provisions = " ".join(sanction_of(entities, vessel).get("provisions"))
    assert "Not on the SDN List" in provisions


def test_ofac_cons_csv_record_with_aliases_dob_pob() -> None:
    entities, _ctx = real_csv("cons_2025_12")
    person = entities["us-ofac-cons-9639"]
    assert person.get("name") == ["Ismail Abdul Salah HANIYA"]
    assert set(person.get("alias")) >= {"Ismail HANIYA", "Ismaeel HANIYYA"}
    assert person.get("birthDate") == ["1962"]
    assert person.get("birthPlace") == ["Shati"]
    assert sanction_of(entities, person).get("program") == ["NS-PLC"]


def test_ofac_csv_and_xml_of_one_snapshot_agree() -> None:
    """The 2018 consolidated list was published as CSV and XML: same targets, same facts."""
    from_csv, _ = real_csv("cons_2018_05")
    from_xml, _ = real_xml("cons_2018_05")
    csv_targets = {t.id: t for t in targets(from_csv)}
    xml_targets = {t.id: t for t in targets(from_xml)}
    assert csv_targets.keys() == xml_targets.keys()
    def values(entity: EntityProxy, prop: str) -> set[str]:
        # the CSV writes the XML's double quotes inside names as single quotes
        return {v.replace('"', "'") for v in entity.get(prop, quiet=True)}

    for prop in ("name", "alias", "previousName", "weakAlias", "birthDate", "birthPlace",
                 "nationality", "citizenship", "gender", "passportNumber", "idNumber",
                 "imoNumber", "mmsi", "callSign", "flag", "swiftBic", "taxNumber", "email"):
        differ = [i for i in csv_targets
                  if values(csv_targets[i], prop) != values(xml_targets[i], prop)]
        assert differ == [], prop


def test_ofac_weak_alias_from_remarks_and_strong_from_alt_file() -> None:
    entities, _ctx = run("ofac_csv", SDN, {"main": CSV_SMALL / "sdn.csv",
                                           "alt": CSV_SMALL / "alt.csv",
                                           "add": CSV_SMALL / "add.csv"})
    bank = entities["us-ofac-sdn-306"]
    assert bank.schema.name == "Organization"
    assert bank.get("alias") == ["NATIONAL BANK OF CUBA"]
    assert bank.get("weakAlias") == ["BNC"]
    assert len(bank.get("addressEntity")) == 4
    assert sorted(bank.get("country")) == ["ch", "es", "jp", "pa"]


def test_ofac_aircraft_and_vessel_features_from_remarks() -> None:
    entities, _ctx = real_csv("ofactest")
    plane = entities["us-ofac-sdn-48727"]
    assert plane.schema.name == "Airplane"
    assert plane.get("buildDate") == ["1992"]
    assert plane.get("model") == ["Ilyushin IL-76TD"]
    assert plane.get("icaoCode") == ["7342B3"]
    ship = entities["us-ofac-sdn-47371"]
    assert ship.schema.name == "Vessel"
    assert ship.get("imoNumber") == ["IMO9339301"]
    assert ship.get("callSign") == ["A8LU7"]
    assert ship.get("flag") == ["ga"]


def test_ofac_dob_range_and_circa() -> None:
    entities, _ctx = run("ofac_xml", SDN, {"main": XML_SMALL})
    person = entities["us-ofac-sdn-15962"]
    assert sorted(person.get("birthDate")) == ["1961", "1962"]
    assert "birthDate: 1961-1962" in person.get("notes")
    assert len(person.get("position")) == 3
    rec = ofac_xml.OfacRecord(Context(source=SDN, file="t"), "1", "individual")
    rec.birth_date("circa 1955")
    rec.birth_date("Mar 1962 to Feb 1963")
    assert sorted(rec.target.get("birthDate")) == ["1955", "1962-03", "1963-02"]
    assert "birthDate: Mar 1962 to Feb 1963" in rec.notes


def test_ofac_ids_same_in_csv_and_xml_for_same_record() -> None:
    xml_entities, _ = run("ofac_xml", SDN, {"main": XML_SMALL})
    csv_entities, _ = run("ofac_csv", SDN, {"main": CSV_SMALL / "sdn.csv"})
    assert {"us-ofac-sdn-306", "us-ofac-sdn-9760", "us-ofac-sdn-52327"} <= (
        xml_entities.keys() & csv_entities.keys())
    assert xml_entities["us-ofac-sdn-52327"].get("imoNumber") == \
        csv_entities["us-ofac-sdn-52327"].get("imoNumber") == ["IMO9313149"]


def test_ofac_truncated_remarks_without_comments_file_is_warned() -> None:
    _entities, ctx = real_csv("sdn_2022_11")
    assert any("1000-character limit" in w for w in ctx.warnings)


# --- 3. recognising files ----------------------------------------------------------------

EXPECTED_SNIFF = {
    "sdn_csv_2021-07/sdn.csv": ("ofac_csv", SDN, "main"),
    "sdn_csv_2021-07/add.csv": ("ofac_csv", SDN, "add"),
    "sdn_csv_2021-07/alt.csv": ("ofac_csv", SDN, "alt"),
    "sdn_csv_2021-07/sdn_comments.csv": ("ofac_csv", SDN, "comments"),
    "sdn_csv_2022-11/sdn.csv": ("ofac_csv", SDN, "main"),
    "sdn_csv_2022-11/cons_prim.csv": ("ofac_csv", CONS, "main"),
    "cons_csv_2018-05/cons_prim.csv": ("ofac_csv", CONS, "main"),
    "cons_csv_2018-05/cons_add.csv": ("ofac_csv", SDN, "add"),
    "cons_csv_2018-05/cons_alt.csv": ("ofac_csv", SDN, "alt"),
    "cons_csv_2018-05/consolidated.xml": ("ofac_xml", CONS, "main"),
    "cons_csv_2025-12/cons_prim.csv": ("ofac_csv", CONS, "main"),
    "cons_csv_2025-12/cons_comments.csv": ("ofac_csv", SDN, "comments"),
    "cons_xml_2025-03/consolidated.xml": ("ofac_xml", CONS, "main"),
    "fixtures/ofactest_sdn.csv": ("ofac_csv", SDN, "main"),
    "sdn_csv_2025-12_partial/add.csv": ("ofac_csv", SDN, "add"),
}


def sniff_any(path: Path) -> tuple[str, str, str] | None:
    head = read_head(path)
    for module in (ofac_xml, ofac_csv):
        found = module.sniff(path, head)
        if found:
            return found.format, found.source, found.role
    return None


@pytest.mark.parametrize("relative", sorted(EXPECTED_SNIFF))
def test_sniff_recognises_each_real_ofac_file(relative: str) -> None:
    assert sniff_any(shared_file(f"{OFAC}/{relative}")) == EXPECTED_SNIFF[relative]


def test_sniff_recognises_own_fixtures() -> None:
    assert sniff_any(XML_SMALL) == ("ofac_xml", SDN, "main")
    assert sniff_any(CSV_SMALL / "sdn.csv") == ("ofac_csv", SDN, "main")
    assert sniff_any(CSV_SMALL / "sdn_comments.csv") == ("ofac_csv", SDN, "comments")


def test_sniff_refuses_other_publishers_files(lists_dir: Path) -> None:
    others = [p for p in sorted(lists_dir.rglob("*"))
              if p.is_file() and OFAC not in p.relative_to(lists_dir).parts]
    assert others
    assert [p for p in others if sniff_any(p) is not None] == []


@pytest.mark.parametrize("content", [
    b"",
    b"\x00\x01\x02garbage\xff\xfe",
    b"<!DOCTYPE html><html><body>Access denied</body></html>",
    b"<html><head><title>sdnList</title></head></html>",
    b"1,2,3\n4,5,6\n",
    b"id,name\n1,Foo\n",
    b"12,hello\n13,world\n",
    b'<?xml version="1.0"?><Designations><Designation/></Designations>',
    b"ent_num,SDN_Name,SDN_Type,Program,Title,Call_Sign,Vess_type,Tonnage,GRT,Vess_flag,"
    b"Vess_owner,Remarks\n",
])
def test_sniff_returns_none_on_junk_and_html(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "sdn.csv", content)
    assert ofac_csv.sniff(path, content) is None
    assert ofac_xml.sniff(path, content) is None


def test_assemble_reports_set_without_primary_file() -> None:
    directory = shared_file(f"{OFAC}/sdn_csv_2025-12_partial/add.csv").parent
    found = [(p, ofac_csv.sniff(p, read_head(p))) for p in sorted(directory.glob("*.csv"))]
    sets, messages = ofac_csv.assemble(found)
    assert sets == []
    assert len(messages) == 1
    assert "lacks its primary file (sdn.csv / cons_prim.csv); not imported" in messages[0]
    assert str(directory) in messages[0]


def test_assemble_keeps_sdn_and_cons_primaries_of_one_directory_apart() -> None:
    directory = shared_file(f"{OFAC}/sdn_csv_2022-11/sdn.csv").parent
    found = [(p, ofac_csv.sniff(p, read_head(p))) for p in sorted(directory.glob("*.csv"))]
    sets, messages = ofac_csv.assemble(found)
    assert messages == []
    assert sorted((s.source, s.files["main"].name) for s in sets) == [
        (CONS, "cons_prim.csv"), (SDN, "sdn.csv")]


def test_assemble_gives_companion_to_primary_it_overlaps_most(tmp_path: Path) -> None:
    write(tmp_path, "sdn.csv", csv_row("10", "ONE, Person") + "\r\n" +
          csv_row("11", "TWO, Person") + "\r\n\x1a")
    write(tmp_path, "cons_prim.csv", csv_row("20", "THREE, Person", program="NS-PLC") + "\r\n" +
          csv_row("21", "FOUR, Person", program="NS-PLC") + "\r\n\x1a")
    write(tmp_path, "cons_alt.csv", '20,1,"aka","TRES, Persona",-0- \r\n'
          '21,2,"aka","CUATRO, Persona",-0- \r\n\x1a')
    write(tmp_path, "alt.csv", '10,3,"aka","UNO, Persona",-0- \r\n\x1a')
    write(tmp_path, "stray_add.csv", '99,4,"Street 1","City","Spain",-0- \r\n\x1a')
    found = [(p, ofac_csv.sniff(p, read_head(p))) for p in sorted(tmp_path.glob("*.csv"))]
    assert all(s is not None for _p, s in found)
    sets, messages = ofac_csv.assemble(found)
    by_source = {s.source: {r: p.name for r, p in s.files.items()} for s in sets}
    assert by_source == {SDN: {"main": "sdn.csv", "alt": "alt.csv"},
                         CONS: {"main": "cons_prim.csv", "alt": "cons_alt.csv"}}
    assert len(messages) == 1 and "stray_add.csv" in messages[0]


# --- 4. bad inputs -------------------------------------------------------------------------

def parse_csv(tmp_path: Path, text: str | bytes, **extra: str) -> tuple[dict[str, EntityProxy],
                                                                         Context]:
    files = {"main": write(tmp_path, "sdn.csv", text)}
    files.update({role: write(tmp_path, f"{role}.csv", body) for role, body in extra.items()})
    ctx = Context(source=SDN, file=str(tmp_path))
    return {e.id: e for e in ofac_csv.parse(ctx, files)}, ctx


def parse_xml(tmp_path: Path, text: str) -> tuple[dict[str, EntityProxy], Context]:
    path = write(tmp_path, "sdn.xml", text)
    ctx = Context(source=SDN, file=str(path))
    return {e.id: e for e in ofac_xml.parse(ctx, {"main": path})}, ctx


def test_csv_with_a_header_row_is_refused_naming_the_file(tmp_path: Path) -> None:
    text = ("ent_num,SDN_Name,SDN_Type,Program,Title,Call_Sign,Vess_type,Tonnage,GRT,Vess_flag,"
            "Vess_owner,Remarks\r\n" + csv_row("10", "ONE, Person") + "\r\n\x1a")
    with pytest.raises(SourceError, match=r"sdn\.csv row 1: ent_num 'ent_num' is not a number"):
        parse_csv(tmp_path, text)


def test_csv_with_a_missing_column_is_refused(tmp_path: Path) -> None:
    row = csv_row("10", "ONE, Person").rsplit(",", 1)[0]
    with pytest.raises(SourceError, match="has 11 columns, expected 12"):
        parse_csv(tmp_path, row + "\r\n\x1a")


def test_csv_truncated_inside_remarks_is_refused(tmp_path: Path) -> None:
    data = (CSV_SMALL / "sdn.csv").read_bytes()
    cut = data[: data.index(b"Kopys") + 3]
    with pytest.raises(SourceError, match="truncated"):
        parse_csv(tmp_path, cut)


def test_csv_empty_or_html_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="empty"):
        parse_csv(tmp_path, b"")
    with pytest.raises(SourceError, match="HTML"):
        parse_csv(tmp_path, b"<!DOCTYPE html><html><body>Request blocked</body></html>")


def test_csv_companion_with_wrong_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"alt\.csv row 1 has 3 columns, expected 5"):
        parse_csv(tmp_path, csv_row("10", "ONE, Person") + "\r\n\x1a", alt="10,1,aka\r\n")


def test_csv_set_without_primary_file_is_refused() -> None:
    ctx = Context(source=SDN, file="x")
    with pytest.raises(SourceError, match="lacks its primary file"):
        list(ofac_csv.parse(ctx, {"alt": CSV_SMALL / "alt.csv"}))


def test_csv_record_with_absurd_name_and_impossible_date_is_kept(tmp_path: Path) -> None:
    rows = [csv_row("10", "X" * 10_000, remarks="DOB 31 Feb 1999; nationality Atlantis"),
            csv_row("11", "GOOD, Person")]
    entities, ctx = parse_csv(tmp_path, "\r\n".join(rows) + "\r\n\x1a",
                              alt='10,1,"aka","KEPT, Alias",-0- \r\n')
    bad = entities["us-ofac-sdn-10"]
    assert bad.get("name") == []
    assert bad.get("alias") == ["Alias KEPT"]
    assert bad.get("birthDate") == ["1999-02"]
    assert "nationality: Atlantis" in bad.get("notes")
    assert entities["us-ofac-sdn-11"].get("name") == ["Person GOOD"]
    joined = "\n".join(ctx.warnings)
    assert "record 10: name of 10000 characters dropped" in joined
    assert "day 31 does not exist" in joined
    assert "'Atlantis' is not a known country" in joined


def test_csv_repeated_ent_num_yields_one_target(tmp_path: Path) -> None:
    rows = [csv_row("10", "ONE, Person"), csv_row("10", "ONE, Person")]
    entities, ctx = parse_csv(tmp_path, "\r\n".join(rows) + "\r\n\x1a")
    assert len(targets(entities)) == 1
    assert any("repeated" in w for w in ctx.warnings)


def test_csv_joined_files_stop_at_end_of_file_mark(tmp_path: Path) -> None:
    text = (csv_row("10", "ONE, Person") + "\r\n\x1a" +
            csv_row("20", "TWO, Person", program="NS-PLC") + "\r\n\x1a")
    entities, ctx = parse_csv(tmp_path, text)
    assert [t.id for t in targets(entities)] == ["us-ofac-sdn-10"]
    assert any("after the end-of-file mark" in w for w in ctx.warnings)


def test_csv_cp1252_file_is_read_with_a_note(tmp_path: Path) -> None:
    text = csv_row("10", "MU\xd1OZ, Jos\xe9").encode("cp1252") + b"\r\n\x1a"
    entities, ctx = parse_csv(tmp_path, text)
    assert entities["us-ofac-sdn-10"].get("name") == ["Jos\xe9 MU\xd1OZ"]
    assert any("Windows-1252" in w for w in ctx.warnings)


def test_xml_wrong_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not OFAC's <sdnList>"):
        parse_xml(tmp_path, xml_doc("", root="CONSOLIDATED_LIST"))


def test_xml_record_count_mismatch_is_refused(tmp_path: Path) -> None:
    entry = "<sdnEntry><uid>1</uid><lastName>ACME</lastName><sdnType>Entity</sdnType></sdnEntry>"
    with pytest.raises(SourceError, match="declares Record_Count 2 but holds 1"):
        parse_xml(tmp_path, xml_doc(entry, count=2))


def test_xml_without_entries_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no <sdnEntry>"):
        parse_xml(tmp_path, xml_doc("", count=0))


def test_xml_truncated_file_is_refused(tmp_path: Path) -> None:
    text = XML_SMALL.read_text(encoding="utf-8")
    with pytest.raises(SourceError, match="truncated|malformed"):
        parse_xml(tmp_path, text[: len(text) // 2])


def test_xml_doctype_is_refused(tmp_path: Path) -> None:
    text = ('<?xml version="1.0"?><!DOCTYPE sdnList [<!ENTITY x "boom">]>'
            "<sdnList><sdnEntry><uid>1</uid><lastName>&x;</lastName></sdnEntry></sdnList>")
    with pytest.raises(SourceError, match="DOCTYPE"):
        parse_xml(tmp_path, text)


def test_xml_record_with_absurd_name_and_impossible_date_is_kept(tmp_path: Path) -> None:
    entry = ("<sdnEntry><uid>7</uid><firstName>A</firstName><lastName>" + "Y" * 10_000 +
             "</lastName><sdnType>Individual</sdnType><akaList><aka><uid>1</uid>"
             "<type>a.k.a.</type><category>weak</category><lastName>SHORTY</lastName></aka>"
             "</akaList><dateOfBirthList><dateOfBirthItem><uid>2</uid>"
             "<dateOfBirth>31 Feb 1999</dateOfBirth></dateOfBirthItem></dateOfBirthList>"
             "<sdnType>Individual</sdnType></sdnEntry>")
    entities, ctx = parse_xml(tmp_path, xml_doc(entry))
    person = entities["us-ofac-sdn-7"]
    assert person.get("name") == []
    assert person.get("weakAlias") == ["SHORTY"]
    assert person.get("birthDate") == ["1999-02"]
    assert any("name of 10002 characters dropped" in w for w in ctx.warnings)
    assert any("day 31 does not exist" in w for w in ctx.warnings)


def test_xml_entry_without_uid_is_skipped_with_warning(tmp_path: Path) -> None:
    entries = ("<sdnEntry><lastName>NOBODY</lastName></sdnEntry>"
               "<sdnEntry><uid>2</uid><lastName>SOMEBODY</lastName></sdnEntry>")
    entities, ctx = parse_xml(tmp_path, xml_doc(entries, count=2))
    assert [t.id for t in targets(entities)] == ["us-ofac-sdn-2"]
    assert any("without a usable uid" in w for w in ctx.warnings)


def test_xml_unknown_type_and_unknown_idtype_are_kept(tmp_path: Path) -> None:
    entry = ("<sdnEntry><uid>3</uid><lastName>THING</lastName><sdnType>Spaceship</sdnType>"
             "<idList><id><uid>9</uid><idType>Galactic Registry No.</idType>"
             "<idNumber>GX-42</idNumber><idCountry>Mars</idCountry></id></idList></sdnEntry>")
    entities, ctx = parse_xml(tmp_path, xml_doc(entry))
    thing = entities["us-ofac-sdn-3"]
    assert thing.schema.name == "LegalEntity"
    assert thing.get("idNumber") == ["GX-42"]
    ident = linked(entities, thing, "Identification")[0]
    assert ident.get("type") == ["Galactic Registry No."]
    assert any("unknown type 'Spaceship'" in w for w in ctx.warnings)


# --- 5. properties -------------------------------------------------------------------------

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _mutate(data: bytes, seed: int, edits: int) -> bytes:
    rng = random.Random(seed)
    buf = bytearray(data)
    for _ in range(edits):
        op = rng.randrange(3)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            del buf[pos % len(buf)]
        elif op == 1:
            buf.insert(pos, rng.choice(b'",;\r\n\x1a\x00-0 aA9\xff<>&'))
        elif buf:
            buf[pos % len(buf)] = rng.randrange(256)
    return bytes(buf)


@FUZZ
@given(seed=st.integers(0, 2**32), edits=st.integers(1, 30))
def test_csv_parser_only_raises_source_error_on_garbled_input(tmp_path: Path, seed: int,
                                                              edits: int) -> None:
    files = {}
    for role, name in (("main", "sdn.csv"), ("alt", "alt.csv"), ("comments", "sdn_comments.csv")):
        data = (CSV_SMALL / name).read_bytes()
        files[role] = write(tmp_path, name, _mutate(data, seed + len(name), edits))
    ctx = Context(source=SDN, file=str(tmp_path))
    try:
        for entity in ofac_csv.parse(ctx, files):
            assert entity.id
    except SourceError:
        pass
    head = files["main"].read_bytes()[:65536]
    ofac_csv.sniff(files["main"], head)


@FUZZ
@given(seed=st.integers(0, 2**32), edits=st.integers(1, 30))
def test_xml_parser_only_raises_source_error_on_garbled_input(tmp_path: Path, seed: int,
                                                              edits: int) -> None:
    path = write(tmp_path, "sdn.xml", _mutate(XML_SMALL.read_bytes(), seed, edits))
    ctx = Context(source=SDN, file=str(path))
    try:
        for entity in ofac_xml.parse(ctx, {"main": path}):
            assert entity.id
    except SourceError:
        pass
    ofac_xml.sniff(path, path.read_bytes()[:65536])


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_remarks_parser_never_raises(text: str) -> None:
    rec = ofac_xml.OfacRecord(Context(source=SDN, file="t"), "1", "individual")
    ofac_xml.apply_remarks(rec, text)
    assert rec.finish()[0].id == "us-ofac-sdn-1"


@settings(FUZZ, max_examples=25)
@given(seed=st.integers(0, 2**32))
def test_ids_do_not_depend_on_row_order(tmp_path: Path, seed: int) -> None:
    lines = (CSV_SMALL / "sdn.csv").read_bytes().split(b"\r\n")
    rows = [line for line in lines if line and line != b"\x1a"]
    random.Random(seed).shuffle(rows)
    entities, _ = parse_csv(tmp_path, b"\r\n".join(rows) + b"\r\n\x1a")
    reference, _ = run("ofac_csv", SDN, {"main": CSV_SMALL / "sdn.csv"})
    assert entities.keys() == reference.keys()


@given(last=st.from_regex(r"[A-Z][A-Z' -]{0,20}[A-Z]", fullmatch=True),
       first=st.from_regex(r"[A-Z][a-z]{1,10}( [A-Z][a-z]{1,10})?", fullmatch=True))
def test_last_first_names_are_reordered_keeping_every_part(last: str, first: str) -> None:
    display, got_first, got_last, suffix = ofac_xml.reorder_name(f"{last}, {first}")
    assert display == f"{first} {last}"
    assert (got_first, got_last, suffix) == (first, last, None)


def test_a_set_without_alias_and_address_files_is_warned_naming_both(tmp_path: Path) -> None:
    rows = [csv_row("10", "ONE, Person")]
    _entities, ctx = parse_csv(tmp_path, "\r\n".join(rows) + "\r\n\x1a")
    [warning] = [w for w in ctx.warnings if "has no file of" in w]
    assert "aliases (alt)" in warning and "addresses (add)" in warning
    _entities, ctx = parse_csv(tmp_path, "\r\n".join(rows) + "\r\n\x1a",
                               alt='10,1,"aka","KEPT, Alias",-0- \r\n')
    [warning] = [w for w in ctx.warnings if "has no file of" in w]
    assert "addresses (add)" in warning and "aliases (alt)" not in warning


def test_a_complete_set_has_no_missing_file_warning() -> None:
    _entities, ctx = run("ofac_csv", SDN, {"main": CSV_SMALL / "sdn.csv",
                                           "add": CSV_SMALL / "add.csv",
                                           "alt": CSV_SMALL / "alt.csv",
                                           "comments": CSV_SMALL / "sdn_comments.csv"})
    assert not any("has no file of" in w for w in ctx.warnings)
