"""The UK lists: OFSI ConList (CSV, gzip CSV, XLSX; closed 2026) and the FCDO UK Sanctions List."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tempfile
import zipfile
from datetime import datetime
from functools import cache
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest
from followthemoney import EntityProxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, shared_file
from watchlist.errors import SourceError
from watchlist.sources import fcdo_xml, ofsi
from watchlist.sources.base import TARGET_TOPIC, Context
from watchlist.sources.files import read_head
from watchlist.sources.uk_helpers import country_codes, split_enumerated

OFSI_2018 = "uk/ofsi_conlist_2018-04-13.csv"
OFSI_2025_CSV = "uk/ofsi_conlist_2025-04-10_from_xlsx.csv.gz"
OFSI_2025_XLSX = "uk/UK_Sanctions_List_2025-04.xlsx"
FCDO_EXCERPT = "uk/fixtures/UK_Sanctions_List_excerpt_2026-09-10.xml"
SMALL_CSV = FIXTURES / "ofsi_conlist_2022_small.csv"

Parsed = tuple[dict[str, EntityProxy], Context]


def parse_file(module: ModuleType, path: Path, source: str) -> Parsed:
    """Every entity of a file, duplicates merged as the importer does, and the context."""
    ctx = Context(source=source, file=str(path))
    entities: dict[str, EntityProxy] = {}
    for entity in module.parse(ctx, {"main": path}):
        if entity.id in entities:
            entities[entity.id].merge(entity)
        else:
            entities[entity.id] = entity
    return entities, ctx


def parse_ofsi(path: Path) -> Parsed:
    return parse_file(ofsi, path, "gb_hmt_sanctions")


def parse_fcdo(path: Path) -> Parsed:
    return parse_file(fcdo_xml, path, "gb_fcdo_sanctions")


def targets(entities: dict[str, EntityProxy]) -> list[EntityProxy]:
    return [e for e in entities.values() if TARGET_TOPIC in e.get("topics", quiet=True)]


def sanctions_of(entities: dict[str, EntityProxy], target_id: str) -> list[EntityProxy]:
    return [e for e in entities.values()
            if e.schema.name == "Sanction" and target_id in e.get("entity")]


def helpers_of(entities: dict[str, EntityProxy], target_id: str, schema: str) -> list[EntityProxy]:
    return [e for e in entities.values() if e.schema.name == schema
            and target_id in e.get("holder", quiet=True)]


def props(entity: EntityProxy, prop: str) -> set[str]:
    return set(entity.get(prop, quiet=True))


def comparable(entities: dict[str, EntityProxy]) -> dict[str, dict[str, list[str]]]:
    """Entities as plain data with sorted values, for order-independent comparison."""
    return {i: {p: sorted(v) for p, v in e.to_dict()["properties"].items()}
            for i, e in entities.items()}


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# ------------------------------------------------------------------ real snapshots, parsed once


@pytest.fixture(scope="module")
def ofsi_2018() -> Parsed:
    return parse_ofsi(shared_file(OFSI_2018))


@pytest.fixture(scope="module")
def ofsi_2025_csv() -> Parsed:
    return parse_ofsi(shared_file(OFSI_2025_CSV))


@pytest.fixture(scope="module")
def ofsi_2025_xlsx() -> Parsed:
    return parse_ofsi(shared_file(OFSI_2025_XLSX))


@pytest.fixture(scope="module")
def fcdo_excerpt() -> Parsed:
    return parse_fcdo(shared_file(FCDO_EXCERPT))


@cache
def csv_rows(path: Path) -> list[list[str]]:
    """The rows of a ConList CSV read with nothing but the csv module (independent count)."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_group_ids(path: Path) -> set[str]:
    rows = csv_rows(path)
    column = rows[1].index("Group ID")
    return {row[column] for row in rows[2:] if row and row[column]}


# ------------------------------------------------------------------ 1. counts


def test_ofsi_2018_csv_has_one_target_per_group_id(ofsi_2018: Parsed) -> None:
    entities, ctx = ofsi_2018
    expected = csv_group_ids(shared_file(OFSI_2018))
    assert len(expected) == 2106
    assert len(targets(entities)) == len(expected)
    assert {t.id for t in targets(entities)} == {f"gb-hmt-sanctions-{g}" for g in expected}
    assert ctx.published == "2018-04-13"


def test_ofsi_2025_gzip_csv_has_one_target_per_group_id(ofsi_2025_csv: Parsed) -> None:
    entities, ctx = ofsi_2025_csv
    expected = csv_group_ids(shared_file(OFSI_2025_CSV))
    assert len(expected) == 4686
    assert len(targets(entities)) == len(expected)
    assert ctx.published == "2025-04-10"


def test_ofsi_2025_xlsx_has_one_target_per_group_id(ofsi_2025_xlsx: Parsed) -> None:
    entities, ctx = ofsi_2025_xlsx
    workbook = openpyxl.load_workbook(shared_file(OFSI_2025_XLSX), read_only=True, data_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    column = list(rows[1]).index("Group ID")
    expected = {str(row[column]) for row in rows[2:] if row[column] is not None}
    assert len(expected) == 4686
    assert len(targets(entities)) == len(expected)
    assert ctx.published == "2025-04-10"


def test_ofsi_2025_xlsx_and_its_csv_export_give_the_same_entities(
        ofsi_2025_csv: Parsed, ofsi_2025_xlsx: Parsed) -> None:
    assert comparable(ofsi_2025_csv[0]) == comparable(ofsi_2025_xlsx[0])


def test_fcdo_excerpt_has_one_target_per_designation(fcdo_excerpt: Parsed) -> None:
    entities, ctx = fcdo_excerpt
    raw = shared_file(FCDO_EXCERPT).read_bytes()
    assert len(re.findall(rb"<Designation>", raw)) == 5
    assert len(targets(entities)) == 5
    assert ctx.published == "2026-09-10"
    assert ctx.warnings == []


def test_every_target_has_a_name_and_a_sanction(ofsi_2018: Parsed, ofsi_2025_csv: Parsed,
                                                fcdo_excerpt: Parsed) -> None:
    for entities, _ctx in (ofsi_2018, ofsi_2025_csv, fcdo_excerpt):
        sanctioned = {i for e in entities.values() if e.schema.name == "Sanction"
                      for i in e.get("entity")}
        for target in targets(entities):
            assert target.get("name"), target.id
            assert target.id in sanctioned, target.id


# ------------------------------------------------------------------ 2. records field by field


LUKASHENKO_NAMES = {"Alexander Ryhorovich LUKASHENKO", "Alexander Grigorievich LUKASHENKO"}
LUKASHENKO_ALIASES = {
    "Aleksandr Grigorievich LUKASHENKA", "Aleksandr Grogorievich LUKASHENKA",
    "Aleksandr Ryhoravich LUKASHENKA", "Alexander Grigorievich LUKASHENKA",
    "Alexander Ryhoravich LUKASHENKA", "Alexander Ryhorovich LUKASHENKA",
    "Aliaksandr Grigorievich LUKASHENKA", "Aliaksandr Ryhoravich LUKASHENKA",
    "Aleksandr Grigorievich LUKASHENKO", "Aleksandr Grogorievich LUKASHENKO",
    "Aleksandr Ryhoravich LUKASHENKO", "Alexander Grigorievich LUKASHENKO",
    "Alexander Ryhoravich LUKASHENKO", "Aliaksandr Grigorievich LUKASHENKO",
    "Aliaksandr Ryhoravich LUKASHENKO",
    "ЛУКАШЭНКА, Аляксандр Рыгоравіч", "ЛУКАШЕНКО, Александр Григорьевич",
}


@pytest.mark.parametrize("snapshot", ["ofsi_2025_csv", "ofsi_2025_xlsx"])
def test_ofsi_2025_lukashenko_field_by_field(snapshot: str, request: pytest.FixtureRequest) -> None:
    entities, _ctx = request.getfixturevalue(snapshot)
    person = entities["gb-hmt-sanctions-13918"]
    assert person.schema.name == "Person"
    assert props(person, "name") == LUKASHENKO_NAMES
    assert props(person, "alias") == LUKASHENKO_ALIASES
    assert not props(person, "weakAlias")
    assert props(person, "firstName") == {"Alexander"}
    assert props(person, "middleName") == {"Ryhorovich", "Grigorievich"}
    assert props(person, "lastName") == {"LUKASHENKO"}
    assert props(person, "birthDate") == {"1954-08-30"}
    assert props(person, "birthPlace") == {"Kopys, Vitebsk/Viciebsk district, Belarus"}
    assert props(person, "birthCountry") == {"by"}
    assert props(person, "nationality") == {"by"}
    assert props(person, "gender") == {"male"}
    assert props(person, "position") == {"President of Belarus"}
    assert props(person, "address") == {
        "Independence Palace, Prospekte Pobeditelei, Minsk, Belarus"}
    assert props(person, "notes") == {
        "Listed under the Global Human Rights and Belarus sanctions regimes."}
    by_program = {s.first("program"): s for s in sanctions_of(entities, person.id)}
    assert set(by_program) == {"Belarus", "Global Human Rights"}
    belarus, ghr = by_program["Belarus"], by_program["Global Human Rights"]
    assert props(belarus, "listingDate") == {"2020-11-06"}
    assert props(belarus, "date") == {"2020-12-31"}
    assert props(ghr, "listingDate") == {"2020-09-29"}
    for sanction in (belarus, ghr):
        assert props(sanction, "authorityId") == {"13918", "BEL0045", "GHR0050"}
        assert props(sanction, "modifiedAt") == {"2022-02-04"}
        assert sanction.first("reason").startswith("Alexander Lukashenko is the President")
        assert sanction.first("authority").startswith("HM Treasury")
    [address] = [e for e in entities.values() if e.id in props(person, "addressEntity")]
    assert props(address, "city") == {"Minsk"} and props(address, "country") == {"by"}


def test_ofsi_2025_lukashenko_every_name_row_is_kept(ofsi_2025_csv: Parsed) -> None:
    rows = csv_rows(shared_file(OFSI_2025_CSV))
    header = rows[1]
    mine = [dict(zip(header, r, strict=True)) for r in rows[2:] if r[-1] == "13918"]
    assert len(mine) == 60
    person = ofsi_2025_csv[0]["gb-hmt-sanctions-13918"]
    names = props(person, "name") | props(person, "alias")
    for row in mine:
        parts = [row[f"Name {i}"] for i in (1, 2, 3, 4, 5, 6)]
        assert " ".join(p for p in parts if p) in names
        assert row["DOB"] == "30/08/1954"
        if row["Name Non-Latin Script"]:
            assert row["Name Non-Latin Script"] in names


def test_ofsi_2025_bahaji_passports_paired_with_their_countries(ofsi_2025_csv: Parsed) -> None:
    entities, _ctx = ofsi_2025_csv
    person = entities["gb-hmt-sanctions-7059"]
    assert props(person, "name") == {"Said BAHAJI"}
    assert props(person, "weakAlias") == {"Mohamed ABBATTAY", "Abderrahmane AL MAGHRIBI"}
    assert "Zouheir AL MAGHRIBI" in props(person, "alias")
    assert "سعيد باهاجى" in props(person, "alias")
    assert props(person, "birthDate") == {"1975-07-15"}
    assert props(person, "nationality") == {"de", "ma"}
    assert props(person, "passportNumber") == {"28642163", "954242"}
    passports = {p.first("number"): p for p in helpers_of(entities, person.id, "Passport")}
    assert props(passports["28642163"], "country") == {"de"}
    assert props(passports["954242"], "country") == {"ma"}
    assert passports["954242"].first("summary").startswith("Moroccan. Issued on 28 June 1995")
    [ident] = helpers_of(entities, person.id, "Identification")
    assert ident.first("number") == "1336597587" and props(ident, "country") == {"de"}
    [sanction] = sanctions_of(entities, person.id)
    assert props(sanction, "unscId") == {"QDi.080"}
    assert props(sanction, "program") == {"ISIL (Da'esh) and Al-Qaida"}
    assert props(sanction, "listingDate") == {"2002-10-01"}
    assert props(sanction, "authorityId") == {"7059", "AQD0300"}


def test_ofsi_2025_ship_details_from_other_information(ofsi_2025_csv: Parsed) -> None:
    entities, _ctx = ofsi_2025_csv
    ship = entities["gb-hmt-sanctions-13651"]
    assert ship.schema.name == "Vessel"
    assert props(ship, "name") == {"SAM JONG 2"}
    assert {"PETROCHEM VALOUR", "RAINBOW CHASER", "YU_JONG_3"} <= props(ship, "alias")
    assert props(ship, "imoNumber") == {"IMO7408873"}
    assert props(ship, "flag") == {"kp"}
    assert props(ship, "pastFlags") == {"ru"}
    assert props(ship, "type") == {"Oil tanker"}
    assert props(ship, "tonnage") == {"1676"}
    assert props(ship, "buildDate") == {"1975"}
    assert {"Current owners: Korea Samjong Shipping", "Length of ship: 80"} <= props(ship, "notes")
    [sanction] = sanctions_of(entities, ship.id)
    assert props(sanction, "listingDate") == {"2018-04-03"}
    assert props(sanction, "authorityId") == {"13651", "DPR0100"}
    assert not props(sanction, "unscId")  # the remark's UN Ref is the owner's, not the ship's


def test_ofsi_2025_company_contacts_and_registration(ofsi_2025_csv: Parsed) -> None:
    entities, _ctx = ofsi_2025_csv
    company = entities["gb-hmt-sanctions-16656"]
    assert company.schema.name == "Organization"
    assert props(company, "name") == {"AK MICROTECH"}
    assert props(company, "alias") == {"АК МИКРОТЕХ"}
    assert props(company, "phone") == {"+74993980770"}
    assert props(company, "email") == {"main@akmicrotech.ru"}
    assert props(company, "website") == {"https://akmicrotech.ru/"}
    assert props(company, "legalForm") == {"Limited Liability Company"}
    assert props(company, "registrationNumber") == {"7731339867"}
    assert props(company, "country") == {"ru"}
    [sanction] = sanctions_of(entities, company.id)
    assert props(sanction, "program") == {"Russia"}
    assert props(sanction, "listingDate") == {"2024-11-07"}


def test_ofsi_2018_belarus_record_sivakau(ofsi_2018: Parsed) -> None:
    entities, _ctx = ofsi_2018
    person = entities["gb-hmt-sanctions-11723"]
    assert props(person, "name") == {"Iury Leanidavich SIVAKAU"}
    assert props(person, "alias") == {"Yury Leanidavich SIVAKAU", "Iury Leonidovich SIVAKOV",
                                      "Yuri Leonidovich SIVAKOV", "Yurij Leonidovich SIVAKOV"}
    assert props(person, "firstName") == {"Iury"}
    assert props(person, "middleName") == {"Leanidavich"}
    assert props(person, "lastName") == {"SIVAKAU"}
    assert props(person, "birthDate") == {"1946-08-05"}
    assert props(person, "birthPlace") == {"Onory, Sakhalin Region"}
    [sanction] = sanctions_of(entities, person.id)
    assert props(sanction, "program") == {"Belarus"}
    assert props(sanction, "listingDate") == {"2011-03-29"}
    assert props(sanction, "modifiedAt") == {"2014-11-04"}
    assert props(sanction, "authorityId") == {"11723"}


def test_ofsi_2018_every_partial_birth_date_and_free_text_passport(ofsi_2018: Parsed) -> None:
    entities, _ctx = ofsi_2018
    person = entities["gb-hmt-sanctions-13349"]
    assert props(person, "name") == {"Nayef Salam Muhammad Ujaym AL-HABABI"}
    assert "Sheikh Farooq AL-QAHTANI" in props(person, "alias")
    assert props(person, "birthDate") == {"1980", "1981"}
    assert props(person, "birthCountry") == {"sa"}
    assert props(person, "nationality") == {"sa", "qa"}
    assert props(person, "passportNumber") == {"592667"}
    [passport] = helpers_of(entities, person.id, "Passport")
    assert props(passport, "country") == {"qa"}
    [sanction] = sanctions_of(entities, person.id)
    assert props(sanction, "unscId") == {"QDe.004"}
    assert props(sanction, "program") == {"The ISIL (Da'esh) and Al-Qaida organisations"}
    assert props(sanction, "listingDate") == {"2016-04-01"}


def test_ofsi_2018_vessel_listed_as_entity_keeps_its_imo(ofsi_2018: Parsed) -> None:
    entities, _ctx = ofsi_2018
    ship = entities["gb-hmt-sanctions-13556"]
    assert ship.schema.name == "Organization"  # the 2018 list had no Ship group type
    assert props(ship, "name") == {"TONG SAN 2"}
    assert props(ship, "imoNumber") == {"IMO8937675"}


def test_ofsi_2018_has_no_lukashenko(ofsi_2018: Parsed) -> None:
    names = {n for e in targets(ofsi_2018[0]) for n in e.get_type_values(
        e.schema.properties["name"].type)}
    assert not any("LUKASH" in n.upper() for n in names)


def test_fcdo_individual_afg0006_field_by_field(fcdo_excerpt: Parsed) -> None:
    entities, _ctx = fcdo_excerpt
    person = entities["gb-fcdo-sanctions-afg0006"]
    assert person.schema.name == "Person"
    assert props(person, "name") == {"MOHAMMAD HASSAN AKHUND"}
    assert props(person, "firstName") == {"MOHAMMAD"}
    assert props(person, "middleName") == {"HASSAN"}
    assert props(person, "lastName") == {"AKHUND"}
    assert props(person, "alias") == {"Mohammad Akhwand", "محمد حسن آخوند"}
    assert props(person, "title") == {"Mullah", "Haji"}
    assert props(person, "birthDate") == {"1958-05-12", "1945", "1946"}
    assert props(person, "birthPlace") == {"Pashmul village, Panjwai District, Afghanistan"}
    assert props(person, "birthCountry") == {"af"}
    assert props(person, "nationality") == {"af"}
    assert props(person, "gender") == {"male"}
    assert props(person, "position") == {"Deputy Minister of Agriculture under the Taliban regime"}
    assert props(person, "passportNumber") == {"P04581926"}
    assert props(person, "idNumber") == {"2132370"}
    assert props(person, "address") == {"Kabul, Afghanistan"}
    assert person.first("notes").startswith("A close associate of Mullah Mohammed Omar")
    [passport] = helpers_of(entities, person.id, "Passport")
    assert props(passport, "country") == {"af"}
    [ident] = helpers_of(entities, person.id, "Identification")
    assert ident.first("summary") == "Afghan national identification card (tazkira) number"
    [sanction] = sanctions_of(entities, person.id)
    assert props(sanction, "authorityId") == {"AFG0006"}
    assert props(sanction, "unscId") == {"TAi.002"}
    assert props(sanction, "program") == {"The Afghanistan (Sanctions) (EU Exit) Regulations 2020"}
    assert props(sanction, "provisions") == {"Asset freeze", "Travel Ban"}
    assert props(sanction, "listingDate") == {"2001-01-25"}
    assert props(sanction, "modifiedAt") == {"2026-04-14"}
    assert props(sanction, "summary") == {"Designation source: UK, UN", "OFSI Group ID: 7172"}
    assert not props(sanction, "reason")  # UKStatementofReasons is just a newline


def test_fcdo_entity_bel0107_alias_strength_and_company_details(fcdo_excerpt: Parsed) -> None:
    entities, _ctx = fcdo_excerpt
    company = entities["gb-fcdo-sanctions-bel0107"]
    assert company.schema.name == "Organization"
    assert props(company, "name") == {"BNK (UK) Ltd"}
    assert props(company, "alias") == {"BNK UK Limited"}
    assert props(company, "weakAlias") == {"BNK"}
    assert props(company, "legalForm") == {"Oil trading company"}
    assert props(company, "registrationNumber") == {"06527449"}
    assert props(company, "website") == {"http://www.belnaft.co.uk/"}
    assert props(company, "country") == {"gb"}
    assert {"Parent company: CJSC Belarusian Oil Company", "Parent company: Belneftekhim",
            "Subsidiary: BNK (Deutschland) GmbH"} <= props(company, "notes")
    [address] = [e for e in entities.values() if e.id in props(company, "addressEntity")]
    assert props(address, "postalCode") == {"SM2 5DA"}
    [sanction] = sanctions_of(entities, company.id)
    assert props(sanction, "provisions") == {"Asset freeze", "Director Disqualification Sanction"}
    assert sanction.first("reason").startswith("BNK (UK) Ltd is controlled by")
    assert props(sanction, "listingDate") == {"2021-06-21"}


def test_fcdo_ship_dpr0075_without_ofsi_group(fcdo_excerpt: Parsed) -> None:
    entities, _ctx = fcdo_excerpt
    ship = entities["gb-fcdo-sanctions-dpr0075"]
    assert ship.schema.name == "Vessel"
    assert props(ship, "name") == {"Petrel 8"}
    assert props(ship, "alias") == {"Tian Tai 36"}
    assert props(ship, "imoNumber") == {"IMO9562233"}
    assert props(ship, "flag") == {"km"}
    assert props(ship, "pastFlags") == {"in"}
    assert props(ship, "type") == {"Bulk Carrier"}
    assert props(ship, "tonnage") == {"7078"}
    assert {"Current owner/operator: Global United Shipping India",
            "Length of ship: 134.5"} <= props(ship, "notes")
    [sanction] = sanctions_of(entities, ship.id)
    assert props(sanction, "provisions") == {"Prohibition of port entry"}
    assert props(sanction, "unscId") == {"KPv.001"}
    assert props(sanction, "summary") == {"Designation source: UN"}


def test_fcdo_entity_afg0001_contacts_and_non_latin_name(fcdo_excerpt: Parsed) -> None:
    entities, _ctx = fcdo_excerpt
    org = entities["gb-fcdo-sanctions-afg0001"]
    assert props(org, "alias") == {"Haji Alim Hawala", "حاجی خيرالله صرافی"}
    assert props(org, "email") == {"helmand_exchange_msp@yahoo.com"}
    assert "Phone: 0202-104748" in props(org, "notes")  # no country code: kept as a note
    assert props(org, "country") == {"af", "ae"}
    assert len(props(org, "addressEntity")) == 2
    person = entities["gb-fcdo-sanctions-aqd0195"]
    assert props(person, "name") == {"Fadhil Harun"}
    assert props(person, "birthDate") == {"1972"}
    assert props(person, "nationality") == {"km"}


# ------------------------------------------------------------------ small fixture (no shared data)


def test_ofsi_small_fixture_every_column_read() -> None:
    entities, ctx = parse_ofsi(SMALL_CSV)
    assert ctx.published == "2025-06-05" and ctx.warnings == []
    assert len(targets(entities)) == 3
    person = entities["gb-hmt-sanctions-90001"]
    assert props(person, "name") == {"Ivan Petrovich TESTOV"}
    assert props(person, "alias") == {"Iwan Petrovich TESTOV", "ТЕСТОВ, Иван Петрович"}
    assert props(person, "weakAlias") == {"Ivan TESTOFF"}
    assert props(person, "title") == {"General"}
    assert props(person, "birthDate") == {"1961-03-12", "1962"}
    assert props(person, "nationality") == {"ru", "cy"}
    assert props(person, "position") == {"Director of Example Plant", "Former Deputy Minister"}
    assert props(person, "idNumber") == {"770123456789"}
    passports = {p.first("number"): p.first("country")
                 for p in helpers_of(entities, person.id, "Passport")}
    assert passports == {"7012345678": "ru", "K1234567": "cy"}
    assert {s.first("program") for s in sanctions_of(entities, person.id)} == {
        "Russia", "Global Human Rights"}
    company = entities["gb-hmt-sanctions-90002"]
    assert props(company, "ogrnCode") == {"1027700000008"}
    assert props(company, "innCode") == {"7700000009"}
    assert props(company, "phone") == {"+375171234567", "+375177654321"}
    ship = entities["gb-hmt-sanctions-90003"]
    assert props(ship, "previousName") == {"OCEAN EXAMPLE"}
    assert props(ship, "imoNumber") == {"IMO9123453"}
    [sanction] = sanctions_of(entities, ship.id)
    assert props(sanction, "unscId") == {"KPv.999"}


def _small_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SMALL_CSV.read_text(encoding="utf-8"), newline="")))


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _xlsx_from(rows: list[list[str]], path: Path) -> Path:
    """The small fixture as a workbook, with its dates as real date cells (as Excel saves)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header = rows[1]
    for i, row in enumerate(rows):
        cells: list[object] = list(row)
        for j, value in enumerate(row):
            date_column = i > 1 and header[j] in ofsi.DATE_COLUMNS
            if (i == 0 and j == 1 or date_column) and re.fullmatch(r"\d\d/\d\d/\d{4}", value):
                if not value.startswith("00/"):
                    cells[j] = datetime.strptime(value, "%d/%m/%Y")
        sheet.append([c if c != "" else None for c in cells])
    workbook.save(path)
    return path


def test_ofsi_xlsx_with_date_cells_reads_like_the_csv(tmp_path: Path) -> None:
    path = _xlsx_from(_small_rows(), tmp_path / "conlist.xlsx")
    assert ofsi.sniff_xlsx(path, read_head(path)) is not None
    xlsx, ctx = parse_ofsi(path)
    assert ctx.published == "2025-06-05"
    assert comparable(xlsx) == comparable(parse_ofsi(SMALL_CSV)[0])


def test_ofsi_windows_1252_csv_is_read_with_a_warning(tmp_path: Path) -> None:
    rows = [[c.replace("ТЕСТОВ, Иван Петрович", "") for c in r] for r in _small_rows()]
    rows[2][0] = "TESTOVÉ"
    path = write(tmp_path, "conlist.csv", _csv_text(rows).encode("cp1252"))
    entities, ctx = parse_ofsi(path)
    assert "Ivan Petrovich TESTOVÉ" in props(entities["gb-hmt-sanctions-90001"], "alias") | props(
        entities["gb-hmt-sanctions-90001"], "name")
    assert any("Windows-1252" in w for w in ctx.warnings)


def test_ofsi_group_ids_do_not_depend_on_row_order() -> None:
    rows = _small_rows()
    reordered = rows[:2] + rows[2:][::-1]
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "conlist.csv", _csv_text(reordered))
        assert comparable(parse_ofsi(path)[0]) == comparable(parse_ofsi(SMALL_CSV)[0])


# ------------------------------------------------------------------ 3. sniffing


def test_sniffers_recognise_each_real_uk_file() -> None:
    cases = [(OFSI_2018, "ofsi_csv"), (OFSI_2025_CSV, "ofsi_csv"), (OFSI_2025_XLSX, "ofsi_xlsx"),
             (FCDO_EXCERPT, "fcdo_xml")]
    sniffers = [ofsi.sniff_csv, ofsi.sniff_xlsx, fcdo_xml.sniff]
    for relative, expected in cases:
        path = shared_file(relative)
        head = read_head(path)
        found = [s for s in (f(path, head) for f in sniffers) if s is not None]
        assert [s.format for s in found] == [expected], relative
        source = "gb_fcdo_sanctions" if expected == "fcdo_xml" else "gb_hmt_sanctions"
        assert found[0].source == source and found[0].role == "main"


def test_sniffers_refuse_other_publishers_files(lists_dir: Path) -> None:
    others = [p for p in sorted(lists_dir.rglob("*"))
              if p.is_file() and "uk" not in p.relative_to(lists_dir).parts]
    assert len(others) > 20
    for path in others:
        head = read_head(path)
        for sniff in (ofsi.sniff_csv, ofsi.sniff_xlsx, fcdo_xml.sniff):
            assert sniff(path, head) is None, (sniff.__module__, path)


JUNK = {
    "empty": b"",
    "html": b"<!DOCTYPE html><html><head><title>Error</title></head><body>"
            b"Name 6,Name 1,Group ID,Group Type,Alias Type,Regime</body></html>",
    "html_gzip": gzip.compress(b"<html><body>Service unavailable</body></html>"),
    "random": bytes(range(256)) * 8,
    "not_a_zip": b"PK\x03\x04 this is not really a zip file",
    "other_xml": b'<?xml version="1.0"?><CONSOLIDATED_LIST dateGenerated="x"/>',
    "gzip_junk": b"\x1f\x8b\x08\x00garbage",
}


@pytest.mark.parametrize("name", sorted(JUNK))
def test_sniffers_refuse_junk(name: str, tmp_path: Path) -> None:
    path = write(tmp_path, "file.bin", JUNK[name])
    for sniff in (ofsi.sniff_csv, ofsi.sniff_xlsx, fcdo_xml.sniff):
        assert sniff(path, JUNK[name][:65536]) is None


def test_xlsx_sniffer_refuses_a_zip_that_is_not_the_conlist(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Date of Birth", "Citizenship", "Control Date"])
    workbook.save(path)
    assert ofsi.sniff_xlsx(path, read_head(path)) is None
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("readme.txt", "Name 6 Group ID")
    assert ofsi.sniff_xlsx(plain, read_head(plain)) is None


def test_gzip_sniff_reads_the_compressed_header(tmp_path: Path) -> None:
    path = write(tmp_path, "conlist.csv.gz", gzip.compress(SMALL_CSV.read_bytes()))
    assert ofsi.sniff_csv(path, read_head(path)).format == "ofsi_csv"
    assert len(targets(parse_ofsi(path)[0])) == 3


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_sniffers_never_raise(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "f", data)
        for sniff in (ofsi.sniff_csv, ofsi.sniff_xlsx, fcdo_xml.sniff):
            sniff(path, data)


# ------------------------------------------------------------------ 4. bad input: OFSI


def _refused(path: Path, *words: str, module: ModuleType = ofsi) -> str:
    source = "gb_hmt_sanctions" if module is ofsi else "gb_fcdo_sanctions"
    with pytest.raises(SourceError) as info:
        parse_file(module, path, source)
    message = str(info.value)
    assert str(path) in message, message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def test_ofsi_renamed_column_is_refused_naming_it(tmp_path: Path) -> None:
    rows = _small_rows()
    rows[1] = ["GroupRef" if c == "Group ID" else c for c in rows[1]]
    _refused(write(tmp_path, "conlist.csv", _csv_text(rows)), "'Group ID'", "2022")


def test_ofsi_missing_column_is_refused_naming_it(tmp_path: Path) -> None:
    rows = _small_rows()
    drop = rows[1].index("Regime")
    rows = [rows[0]] + [r[:drop] + r[drop + 1:] for r in rows[1:]]
    _refused(write(tmp_path, "conlist.csv", _csv_text(rows)), "'Regime'")


def test_ofsi_2018_layout_missing_ni_number_is_refused(tmp_path: Path) -> None:
    rows = _small_rows()
    for extra in ("Name Non-Latin Script", "Non-Latin Script Type", "Non-Latin Script Language",
                  "Passport Number", "National Identification Number",
                  "National Identification Details", "Alias Quality",
                  "UK Sanctions List Date Designated"):
        i = rows[1].index(extra)
        rows = [rows[0]] + [r[:i] + r[i + 1:] for r in rows[1:]]
    _refused(write(tmp_path, "conlist.csv", _csv_text(rows)), "'NI Number'", "2018")


def test_ofsi_truncated_row_is_refused(tmp_path: Path) -> None:
    text = SMALL_CSV.read_text(encoding="utf-8")
    cut = text.rstrip("\r\n").rfind(",Ship,")
    _refused(write(tmp_path, "conlist.csv", text[:cut]), "truncated")


def test_ofsi_truncated_inside_a_quoted_cell_is_refused(tmp_path: Path) -> None:
    text = SMALL_CSV.read_text(encoding="utf-8")
    cut = text.rfind("(IMO number)")
    _refused(write(tmp_path, "conlist.csv", text[:cut]), "truncated")


def test_ofsi_truncated_gzip_is_refused(tmp_path: Path) -> None:
    data = gzip.compress(SMALL_CSV.read_bytes())
    _refused(write(tmp_path, "conlist.csv.gz", data[: len(data) // 2]), "truncated")


def test_ofsi_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    data = _xlsx_from(_small_rows(), tmp_path / "full.xlsx").read_bytes()
    _refused(write(tmp_path, "conlist.xlsx", data[: len(data) // 2]), "xlsx")


def test_ofsi_header_without_rows_is_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, "conlist.csv", _csv_text(_small_rows()[:2])), "no records")


@pytest.mark.parametrize(("data", "word"), [
    (b"", "empty"), (b"   \r\n", "empty"), (b"<html><body>Not found</body></html>", "HTML"),
    (b"Last Updated,01/01/2025\r\nName,Date of Birth\r\nX,1970\r\n", "no ConList header"),
])
def test_ofsi_empty_html_or_foreign_csv_is_refused(data: bytes, word: str, tmp_path: Path) -> None:
    _refused(write(tmp_path, "conlist.csv", data), word)
    _refused(write(tmp_path, "conlist.csv.gz", gzip.compress(data)), word)


def test_ofsi_absurd_name_and_impossible_date_keep_the_record(tmp_path: Path) -> None:
    rows = _small_rows()
    header = rows[1]
    row = next(r for r in rows[2:] if r[header.index("Name 1")] == "Iwan")
    row[header.index("Name 6")] = "X" * 10_000
    row[header.index("DOB")] = "31/02/1999"
    entities, ctx = parse_ofsi(write(tmp_path, "conlist.csv", _csv_text(rows)))
    person = entities["gb-hmt-sanctions-90001"]
    assert props(person, "name") == {"Ivan Petrovich TESTOV"}
    assert not any(len(n) > 500 for n in props(person, "alias"))
    assert "1999-02" in props(person, "birthDate")
    assert any("name of 10015 characters" in w for w in ctx.warnings), ctx.warnings
    assert any("31/02/1999" in w and "90001" in w for w in ctx.warnings), ctx.warnings


def test_ofsi_short_row_in_the_middle_is_kept_with_a_warning(tmp_path: Path) -> None:
    rows = _small_rows()
    rows[3] = rows[3][:30]
    entities, ctx = parse_ofsi(write(tmp_path, "conlist.csv", _csv_text(rows)))
    assert len(targets(entities)) == 3
    assert any("missing cells" in w for w in ctx.warnings)


def test_ofsi_unknown_group_type_becomes_legal_entity(tmp_path: Path) -> None:
    rows = _small_rows()
    column = rows[1].index("Group Type")
    for row in rows[2:]:
        if row[column] == "Ship":
            row[column] = "Aircraft"
    entities, ctx = parse_ofsi(write(tmp_path, "conlist.csv", _csv_text(rows)))
    assert entities["gb-hmt-sanctions-90003"].schema.name == "LegalEntity"
    assert any("'Aircraft'" in w for w in ctx.warnings)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_ofsi_garbled_input_raises_only_source_error(data: st.DataObject) -> None:
    raw = bytearray(SMALL_CSV.read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at:at + data.draw(st.integers(0, 40))] = data.draw(st.binary(max_size=8))
        if not raw:
            break
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "conlist.csv", bytes(raw))
        try:
            entities, _ctx = parse_ofsi(path)
        except SourceError:
            return
        for entity in entities.values():
            assert entity.id and entity.id.startswith("gb-hmt-sanctions-")


# ------------------------------------------------------------------ 4. bad input: FCDO

DESIGNATION = """  <Designation>
    <LastUpdated>01/02/2026</LastUpdated>
    <DateDesignated>15/03/2022</DateDesignated>
    <UniqueID>RUS9901</UniqueID>
    <OFSIGroupID>90001</OFSIGroupID>
    <Names>
      <Name><Name1>Ivan</Name1><Name6>TESTOV</Name6><NameType>Primary Name</NameType></Name>
      <Name><Name6>{alias}</Name6><NameType>Alias</NameType>
        <AliasStrength>Low quality a.k.a</AliasStrength></Name>
    </Names>
    <NonLatinNames />
    <RegimeName>The Russia (Sanctions) (EU Exit) Regulations 2019</RegimeName>
    <IndividualEntityShip>Individual</IndividualEntityShip>
    <DesignationSource>UK</DesignationSource>
    <SanctionsImposed>Asset freeze|Travel Ban</SanctionsImposed>
    <OtherInformation>An invented person for tests.</OtherInformation>
    <UKStatementofReasons>
</UKStatementofReasons>
    <IndividualDetails><Individual><DOBs><DOB>{dob}</DOB></DOBs></Individual></IndividualDetails>{extra}
  </Designation>
"""


def _fcdo(alias: str = "TESTOFF", dob: str = "12/03/1961", extra: str = "",
          count: int = 1) -> str:
    body = "".join(DESIGNATION.format(alias=alias, dob=dob, extra=extra)
                   .replace("RUS9901", f"RUS{9901 + i}") for i in range(count))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<Designations>\n'
            f"  <DateGenerated>10/02/2026</DateGenerated>\n{body}</Designations>\n")


def test_fcdo_small_document_reads() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        entities, ctx = parse_fcdo(write(Path(tmp), "uksl.xml", _fcdo(count=2)))
    assert ctx.published == "2026-02-10"
    assert len(targets(entities)) == 2
    person = entities["gb-fcdo-sanctions-rus9901"]
    assert props(person, "weakAlias") == {"TESTOFF"}
    assert props(person, "birthDate") == {"1961-03-12"}


def test_fcdo_wrong_root_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "uksl.xml", _fcdo().replace("Designations>", "SanctionsList>"))
    _refused(path, "root", "Designations", module=fcdo_xml)


def test_fcdo_truncated_file_is_refused(tmp_path: Path) -> None:
    text = _fcdo(count=3)
    _refused(write(tmp_path, "uksl.xml", text[: len(text) * 2 // 3]), "truncated",
             module=fcdo_xml)


def test_fcdo_file_without_designations_is_refused(tmp_path: Path) -> None:
    text = ('<?xml version="1.0"?><Designations><DateGenerated>10/02/2026</DateGenerated>'
            "</Designations>")
    _refused(write(tmp_path, "uksl.xml", text), "no Designation", module=fcdo_xml)


def test_fcdo_doctype_is_refused(tmp_path: Path) -> None:
    text = _fcdo().replace("<Designations>", '<!DOCTYPE Designations [<!ENTITY x "y">]>'
                                             "\n<Designations>", 1)
    _refused(write(tmp_path, "uksl.xml", text), "DOCTYPE", module=fcdo_xml)


def test_fcdo_absurd_name_and_impossible_date_keep_the_record(tmp_path: Path) -> None:
    path = write(tmp_path, "uksl.xml", _fcdo(alias="Y" * 10_000, dob="31/02/1999"))
    entities, ctx = parse_fcdo(path)
    person = entities["gb-fcdo-sanctions-rus9901"]
    assert props(person, "name") == {"Ivan TESTOV"}
    assert not props(person, "weakAlias")
    assert props(person, "birthDate") == {"1999-02"}
    assert any("10000 characters" in w for w in ctx.warnings)
    assert any("31/02/1999" in w and "RUS9901" in w for w in ctx.warnings)


def test_fcdo_unknown_element_is_kept_in_notes_and_reported_once(tmp_path: Path) -> None:
    extra = "\n    <AircraftDetails><TailNumber>EW-001</TailNumber></AircraftDetails>"
    entities, ctx = parse_fcdo(write(tmp_path, "uksl.xml", _fcdo(extra=extra, count=2)))
    assert "TailNumber: EW-001" in props(entities["gb-fcdo-sanctions-rus9902"], "notes")
    assert sum("<TailNumber>" in w for w in ctx.warnings) == 1


def test_fcdo_missing_unique_id_falls_back_to_the_ofsi_group(tmp_path: Path) -> None:
    text = _fcdo().replace("<UniqueID>RUS9901</UniqueID>", "")
    entities, ctx = parse_fcdo(write(tmp_path, "uksl.xml", text))
    assert "gb-fcdo-sanctions-ofsi-90001" in entities
    assert any("no UniqueID" in w for w in ctx.warnings)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fcdo_garbled_input_raises_only_source_error(data: st.DataObject) -> None:
    raw = bytearray(_fcdo(count=2).encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at:at + data.draw(st.integers(0, 30))] = data.draw(
            st.sampled_from([b"", b"<", b">", b"</Name>", b"&", b"\x00", b"\xff", b"x"]))
        if not raw:
            break
    with tempfile.TemporaryDirectory() as tmp:
        try:
            entities, _ctx = parse_fcdo(write(Path(tmp), "uksl.xml", bytes(raw)))
        except SourceError:
            return
        for entity in entities.values():
            assert entity.id and entity.id.startswith("gb-fcdo-sanctions-")


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(3))))
def test_fcdo_ids_are_stable_whatever_the_order(order: list[int]) -> None:
    parts = _fcdo(count=3).split("  <Designation>")
    head, blocks = parts[0], ["  <Designation>" + b for b in parts[1:]]
    blocks[-1], tail = blocks[-1].split("</Designations>")[0], "</Designations>\n"
    text = head + "".join(blocks[i] for i in order) + tail
    with tempfile.TemporaryDirectory() as tmp:
        shuffled = parse_fcdo(write(Path(tmp), "a.xml", text))[0]
        plain = parse_fcdo(write(Path(tmp), "b.xml", _fcdo(count=3)))[0]
    assert comparable(shuffled) == comparable(plain)


# ------------------------------------------------------------------ helpers


@pytest.mark.parametrize(("text", "items"), [
    ("(1) Russia. (2) Ukraine", ["Russia", "Ukraine"]),
    ("1) Saudi Arabia 2) Qatar", ["Saudi Arabia", "Qatar"]),
    ("(1)-(2) Tunisia (3) Libya", ["Tunisia", "Libya"]),
    ("(a) Jordanian (b) American", ["Jordanian", "American"]),
    ("+375 (17) 215-40-51", ["+375 (17) 215-40-51"]),
    ("resolution 2662 (2022): (i) participating", ["resolution 2662 (2022): (i) participating"]),
])
def test_enumerated_cells_are_split(text: str, items: list[str]) -> None:
    assert split_enumerated(text) == items


@pytest.mark.parametrize(("text", "codes"), [
    ("Congo (Democratic Republic)", ["cd"]),
    ("(1) Belgium (2) Congo (Democratic Republic)", ["be", "cd"]),
    ("Occupied Palestinian Territories", ["ps"]),
    ("Latakia Province, Syria", ["sy"]),
    ("Former USSR Currently Belarus", ["suhh", "by"]),
    ("Trinidad and Tobago", ["tt"]),
    ("In Syria as at June 2013", []),
])
def test_uk_country_spellings(text: str, codes: list[str]) -> None:
    assert country_codes(text) == codes


def test_ofsi_ship_columns_are_read_when_present(tmp_path: Path) -> None:
    rows = _small_rows()
    rows[1] += ["IMO number", "Flag of ship", "Mystery column"]
    for row in rows[2:]:
        is_ship = row[rows[1].index("Group Type")] == "Ship"
        row += ["9562233", "Comoros", "?"] if is_ship else ["", "", ""]
    entities, ctx = parse_ofsi(write(tmp_path, "conlist.csv", _csv_text(rows)))
    ship = entities["gb-hmt-sanctions-90003"]
    assert props(ship, "imoNumber") == {"IMO9123453", "IMO9562233"}
    assert props(ship, "flag") == {"kp", "km"}
    assert [w for w in ctx.warnings if "column" in w] == [
        f"{tmp_path / 'conlist.csv'}: record (header): unknown column(s) 'Mystery column' ignored"]


def test_ofsi_number_failing_its_check_digit_is_kept(tmp_path: Path) -> None:
    text = SMALL_CSV.read_text(encoding="utf-8").replace("INN: 7700000009", "INN: 7700000001")
    entities, _ctx = parse_ofsi(write(tmp_path, "conlist.csv", text))
    company = entities["gb-hmt-sanctions-90002"]
    assert not props(company, "innCode")
    assert "7700000001" in props(company, "registrationNumber")
    assert {i.first("number") for i in helpers_of(entities, company.id, "Identification")} == {
        "1027700000008", "7700000001"}
