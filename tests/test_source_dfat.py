"""Australia DFAT Consolidated List: the workbook and its CSV copy, grouped name rows, bad files."""

from __future__ import annotations

import csv
import functools
import io
import re
from pathlib import Path

import openpyxl
import pytest
from followthemoney import EntityProxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, shared_file
from watchlist.errors import SourceError
from watchlist.normalize.dates import parse_birth_date
from watchlist.sources import dfat_xlsx
from watchlist.sources.base import TARGET_TOPIC, Context, FileSet
from watchlist.sources.detect import sniff_file
from watchlist.sources.files import read_head
from watchlist.sources.parse import parse_entities, validate

XLSX = "au/regulation8_consolidated_2024-12.xlsx"
CSV = "au/regulation8_consolidated_2024-12_from_xlsx.csv"
SMALL = FIXTURES / "dfat_small.csv"
#: The Nov 2025 layout, as OpenSanctions' crawler reads it (column names inferred from its
#: slugs: alias_strength, imo_number, instrument_of_designation and the measure flags).
NEW_HEADER = [
    "Reference", "Name of Individual or Entity", "Type", "Name Type", "Alias Strength",
    "Date of Birth", "Place of Birth", "Citizenship", "Address", "Additional Information",
    "Listing Information", "IMO Number", "Committees", "Instrument of Designation",
    "Targeted Financial Sanction", "Travel Ban", "Arms Embargo", "Maritime Restriction",
    "Control Date",
]


def parse(path: Path) -> tuple[dict[str, EntityProxy], Context]:
    ctx = Context(source=dfat_xlsx.SOURCE, file=str(path))
    fn = dfat_xlsx.parse_xlsx if path.suffix == ".xlsx" else dfat_xlsx.parse_csv
    return {e.id: e for e in fn(ctx, {"main": path})}, ctx


def targets(entities: dict[str, EntityProxy]) -> list[EntityProxy]:
    return [e for e in entities.values() if TARGET_TOPIC in e.get("topics", quiet=True)]


def eid(ref: str) -> str:
    return f"au-dfat-sanctions-{ref}"


@pytest.fixture(scope="module")
def from_xlsx() -> tuple[dict[str, EntityProxy], Context]:
    return parse(shared_file(XLSX))


@pytest.fixture(scope="module")
def from_csv() -> tuple[dict[str, EntityProxy], Context]:
    return parse(shared_file(CSV))


def _primary_bases(rows: list[dict[str, object]]) -> set[str]:
    """Distinct reference numbers with a "Primary Name" row, counted without the parser."""
    bases = set()
    for row in rows:
        if str(row["Name Type"] or "").strip().lower() == "primary name":
            bases.add(re.match(r"\d+", str(row["Reference"]).strip()).group(0))
    return bases


def test_dfat_csv_one_target_per_primary_reference(from_csv) -> None:
    with open(shared_file(CSV), encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    bases = _primary_bases(rows)
    exact = sum(1 for r in rows if r["Name Type"] == "Primary Name")
    assert exact == 2925 and len(bases) == 3062
    entities, ctx = from_csv
    assert {t.id for t in targets(entities)} == {eid(b) for b in bases}
    assert len([e for e in entities.values() if e.schema.name == "Sanction"]) == 3062
    assert ctx.published == "2024-11-11"


def test_dfat_xlsx_one_target_per_primary_reference(from_xlsx) -> None:
    workbook = openpyxl.load_workbook(shared_file(XLSX), read_only=True, data_only=True)
    sheet_rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [str(h).strip() if h else "" for h in next(sheet_rows)]
    rows = [dict(zip(header, r, strict=False)) for r in sheet_rows if r[0] is not None]
    workbook.close()
    bases = _primary_bases(rows)
    assert len(bases) == 3062
    entities, ctx = from_xlsx
    assert {t.id for t in targets(entities)} == {eid(b) for b in bases}
    assert ctx.published == "2024-11-11"


def test_dfat_workbook_and_its_csv_copy_give_the_same_entities(from_xlsx, from_csv) -> None:
    a, b = from_xlsx[0], from_csv[0]
    assert set(a) == set(b)
    assert all(a[k].to_dict() == b[k].to_dict() for k in a)
    assert from_xlsx[1].warnings == [w.replace(str(shared_file(CSV)), str(shared_file(XLSX)))
                                     for w in from_csv[1].warnings]


def test_dfat_record_2_akhund_field_by_field(from_csv) -> None:
    entities, _ctx = from_csv
    person = entities[eid("2")]
    assert person.schema.name == "Person"
    assert person.get("name") == ["MOHAMMAD HASSAN AKHUND"]
    assert person.get("alias") == ["محمد حسن أخوند"]
    assert sorted(person.get("birthDate")) == [str(y) for y in range(1945, 1951)] + [
        str(y) for y in range(1955, 1959)]
    assert "birthDate: circa 1955-1958" in person.get("notes")
    assert person.get("birthPlace") == [
        "Pashmul village, Panjwai District, Kandahar Province, Afghanistan"]
    assert person.get("citizenship") == ["af"]
    assert person.get("title") == ["Mullah", "Haji"]
    assert "Governor of Kandahar under the Taliban regime" in person.get("position")
    sanction = entities[eid("2-sanction")]
    assert sanction.get("entity") == [person.id]
    assert sanction.get("program") == ["1988 (Taliban)"]
    assert sanction.get("authorityId") == ["2"]
    assert sanction.get("listingDate") == ["2001-01-25"]
    assert sanction.get("modifiedAt") == ["2014-12-15"]


def test_dfat_lukashenko_field_by_field(from_csv) -> None:
    entities, _ctx = from_csv
    person = entities[eid("6824")]
    assert person.get("name") == ["Alexander Ryhoravich LUKASHENKO"]
    assert person.get("birthDate") == ["1954-08-30"]
    assert person.get("birthPlace") == ["Kopys, Vitebsk district, Belarusian SSR (Belarus)"]
    assert person.get("notes") == ["President of Belarus"]
    sanction = entities[eid("6824-sanction")]
    assert sanction.get("program") == ["Autonomous (Russia)"]
    assert sanction.get("modifiedAt") == ["2022-03-25"]
    assert sanction.get("summary") == [
        "Autonomous Sanctions (Designated Persons and Entities and Declared Persons—Russia and "
        "Ukraine) Amendment (No. 10) Instrument 2022"]


def test_dfat_previous_name_and_national_id_from_notes(from_csv) -> None:
    entities, _ctx = from_csv
    person = entities[eid("339")]
    assert person.get("name") == ["MOHAMED LAKHAL"]
    assert person.get("previousName") == ["Mohamed Aouani"]
    assert "Abu Obeida" in person.get("alias")
    assert sorted(person.get("birthDate")) == ["1969-02-05", "1970-02-05"]
    assert person.get("idNumber") == ["W374031"]
    ident = [e for e in entities.values()
             if e.schema.name == "Identification" and e.first("holder") == person.id]
    assert [(i.first("number"), i.first("country")) for i in ident] == [("W374031", "tn")]
    assert entities[eid("339-sanction")].get("listingDate") == ["2002-04-24"]


def test_dfat_entity_with_imo_number_and_addresses(from_csv) -> None:
    entities, _ctx = from_csv
    org = entities[eid("3164")]
    assert org.schema.name == "Organization"
    assert org.get("name") == ["CHONGCHONGANG SHIPPING COMPANY"]
    assert sorted(org.get("alias")) == ["Chong Chon Gang Shipping Co. Ltd.",
                                        "Chongchongang Shipping Co LTD"]
    assert org.get("imoNumber") == ["IMO5342883"]
    addresses = [entities[a] for a in org.get("addressEntity")]
    assert len(addresses) == 2 and all(a.schema.name == "Address" for a in addresses)
    assert entities[eid("3164-sanction")].get("listingDate") == ["2016-03-02"]


def test_dfat_alias_rows_away_from_their_primary_are_grouped(from_csv) -> None:
    """2940j sits after 2989d in the sheet; it still belongs to 2940."""
    entities, _ctx = from_csv
    assert len(entities[eid("2940")].get("alias")) >= 10
    assert "Chernomorneftegaz" not in " ".join(entities[eid("2989")].get("alias"))


# Small fixture and the 2025 layout ---------------------------------------------------------


def test_dfat_small_fixture_rows_grouped_and_read() -> None:
    entities, ctx = parse(SMALL)
    assert sorted(t.id for t in targets(entities)) == [eid("10"), eid("11")]
    person = entities[eid("10")]
    assert person.get("alias") == ["Иван ТЕСТОВ", "Ivan TESTOFF"]
    assert sorted(person.get("birthDate")) == ["1955", "1956", "1957", "1958", "1960-03-12",
                                               "1961"]
    assert sorted(person.get("citizenship")) == ["ru", "ua"]
    assert person.get("gender") == ["male"]
    assert person.get("title") == ["Colonel"]
    assert person.get("passportNumber") == ["7512345678"]
    org = entities[eid("11")]
    assert org.get("previousName") == ["Test Shipping Company"]
    assert org.get("imoNumber") == ["IMO5342883"]
    assert len(org.get("addressEntity")) == 2
    assert entities[eid("10-sanction")].get("program") == ["Autonomous (Russia)"]
    assert entities[eid("10-sanction")].get("listingDate") == ["2022-08-09"]
    assert ctx.published == "2022-08-09"
    assert ctx.warnings == []


def _write_csv(path: Path, rows: list[list[object]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _new_layout_rows() -> list[list[object]]:
    return [
        ["Australian Sanctions Consolidated List"],
        NEW_HEADER,
        ["7001", "STAR TEST", "Vessel", "Primary Name", "", "", "", "", "", "",
         "Listed on 1 Mar. 2025", "9321483", "Autonomous (Russia)", "Instrument 2025", "TRUE",
         "FALSE", "FALSE", "TRUE", "45717"],
        ["7002", "Petr PROBNIK", "Person", "Primary Name", "", "1970", "", "Russian", "", "", "",
         "", "Autonomous (Russia)", "", "TRUE", "TRUE", "FALSE", "FALSE", "45717"],
        ["7002a", "Petya", "Person", "Alias", "Weak", "", "", "", "", "", "", "", "", "", "", "",
         "", "", "45717"],
    ]


def test_dfat_2025_layout_with_vessels_flags_and_weak_aliases(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "Australian_Sanctions_Consolidated_List.csv", _new_layout_rows())
    assert dfat_xlsx.sniff_csv(path, read_head(path)) is not None
    entities, ctx = parse(path)
    ship = entities[eid("7001")]
    assert ship.schema.name == "Vessel" and ship.get("imoNumber") == ["IMO9321483"]
    sanction = entities[eid("7001-sanction")]
    assert sorted(sanction.get("provisions")) == ["Maritime restriction",
                                                  "Targeted financial sanction"]
    assert sanction.get("listingDate") == ["2025-03-01"]
    assert "Instrument 2025" in sanction.get("summary")
    person = entities[eid("7002")]
    assert person.get("weakAlias") == ["Petya"]
    assert person.get("citizenship") == ["ru"]
    assert ctx.published == "2025-03-01"


def test_dfat_workbook_in_2025_layout_read_with_openpyxl(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in _new_layout_rows():
        sheet.append(row)
    path = tmp_path / "Australian_Sanctions_Consolidated_List.xlsx"
    workbook.save(path)
    assert dfat_xlsx.sniff_xlsx(path, read_head(path)) is not None
    entities, _ctx = parse(path)
    assert sorted(t.id for t in targets(entities)) == [eid("7001"), eid("7002")]
    download = tmp_path / "download.part"
    download.write_bytes(path.read_bytes())
    assert dfat_xlsx.sniff_xlsx(download, read_head(download)) is not None
    ctx = Context(source=dfat_xlsx.SOURCE, file=str(download))
    assert len(list(dfat_xlsx.parse_xlsx(ctx, {"main": download}))) == 5
    assert ctx.warnings == []


# Recognition -------------------------------------------------------------------------------


def test_dfat_sniff_recognises_both_real_files() -> None:
    xlsx, csv_path = shared_file(XLSX), shared_file(CSV)
    assert dfat_xlsx.sniff_xlsx(xlsx, read_head(xlsx)).format == "dfat_xlsx"
    assert dfat_xlsx.sniff_csv(csv_path, read_head(csv_path)).format == "dfat_csv"
    assert sniff_file(xlsx).format == "dfat_xlsx"
    assert sniff_file(csv_path).format == "dfat_csv"


def test_dfat_sniff_refuses_other_publishers_and_junk(lists_dir: Path, tmp_path: Path) -> None:
    others = ["uk/UK_Sanctions_List_2025-04.xlsx", "uk/ofsi_conlist_2018-04-13.csv",
              "ofac/cons_csv_2025-12/cons_prim.csv", "ca/sema-lmes_2025-05.xml",
              "matching/nomenklatura/name_bench_cases.csv",
              "opensanctions/yente_fixtures/zala_entities.ftm.json"]
    for relative in others:
        path = lists_dir / relative
        head = read_head(path)
        assert dfat_xlsx.sniff_xlsx(path, head) is None, relative
        assert dfat_xlsx.sniff_csv(path, head) is None, relative
    junk = tmp_path / "junk.xlsx"
    for data in [b"", b"PK\x03\x04garbage", b"<html><body>Reference</body></html>",
                 b"Reference,Name\n1,x\n", b"\xff\xfe\x00\x00"]:
        junk.write_bytes(data)
        assert dfat_xlsx.sniff_xlsx(junk, data) is None, data
        assert dfat_xlsx.sniff_csv(junk, data) is None, data


def test_dfat_real_list_passes_the_import_checks(from_csv) -> None:
    entities, ctx = from_csv
    validate(list(entities.values()), ctx)
    small, small_ctx = parse_entities(FileSet("dfat_csv", "au_dfat_sanctions", {"main": SMALL}))
    validate(small, small_ctx)
    assert sum(1 for e in small if e.schema.name == "Sanction") == 2


# Bad input ---------------------------------------------------------------------------------


def _refused(path: Path, *words: str) -> SourceError:
    with pytest.raises(SourceError) as info:
        parse(path)
    assert str(path) in str(info.value)
    for word in words:
        assert word in str(info.value), str(info.value)
    return info.value


def test_dfat_missing_column_is_refused_naming_it(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace(",Name Type,", ",Kind of Name,", 1)
    path = tmp_path / "dfat.csv"
    path.write_text(text, encoding="utf-8")
    _refused(path, "name_type", "changed the layout")


def test_dfat_unknown_header_is_refused(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "x.csv", [["Ref", "Name", "Kind"], ["1", "A", "Entity"]])
    _refused(path, "no header row")


def test_dfat_header_without_rows_is_zero_records(tmp_path: Path) -> None:
    path = tmp_path / "dfat.csv"
    path.write_text(SMALL.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    _refused(path, "zero records")


def test_dfat_truncated_workbook_is_refused(tmp_path: Path) -> None:
    data = shared_file(XLSX).read_bytes()
    path = tmp_path / "regulation8_consolidated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    _refused(path, "xlsx")


def test_dfat_absurd_name_and_impossible_date_keep_the_record(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8")
    text = text.replace("Ivan TESTOFF", "X" * 10_000).replace("1961", "31/02/1999")
    path = tmp_path / "dfat.csv"
    path.write_text(text, encoding="utf-8")
    entities, ctx = parse(path)
    assert len(targets(entities)) == 2
    person = entities[eid("10")]
    assert person.get("alias") == ["Иван ТЕСТОВ"]
    assert "1999-02" in person.get("birthDate")
    joined = "\n".join(ctx.warnings)
    assert "name of 10000 characters dropped" in joined
    assert "day 31 does not exist" in joined


def test_dfat_cp1252_csv_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "dfat.csv"
    path.write_bytes(SMALL.read_text(encoding="utf-8").replace("Иван ТЕСТОВ", "Iván TÉSTOV")
                     .encode("cp1252"))
    entities, ctx = parse(path)
    assert "Iván TÉSTOV" in entities[eid("10")].get("alias")
    assert any("Windows-1252" in w for w in ctx.warnings)


@pytest.mark.parametrize("text, expected", [
    ("a) Approximately 1955- 1958 b) Approximately 1945-1950",
     ["Approximately 1955- 1958", "Approximately 1945-1950"]),
    ("1/03/1961; 16/06/1960", ["1/03/1961", "16/06/1960"]),
    ("14 Mar 1974 >> 13 Apr 1974", ["14 Mar 1974", "13 Apr 1974"]),
    ("5 Feb. 1970 (this aka only, alt born 5 Feb. 1969", ["5 Feb. 1970", "5 Feb. 1969"]),
    ("24 Jan.1973", ["24 Jan. 1973"]),
    ("19-Dec-1992", ["19 Dec 1992"]),
    ("09/11/ 1954", ["09/11/1954"]),
    ("Between 1955 and 1958", ["Between 1955 and 1958"]),
])
def test_dfat_free_text_birth_dates_split_into_dates(text: str, expected: list[str]) -> None:
    assert dfat_xlsx.birth_items(text).dates == expected


def test_dfat_month_and_year_is_a_partial_date() -> None:
    [text] = dfat_xlsx.birth_items("03/1965").dates
    assert parse_birth_date(text).values == ("1965-03",)


def test_dfat_month_ranges_are_read_as_years() -> None:
    found = dfat_xlsx.birth_items("March 1968 to March 1969")
    assert found.dates == [] and found.years_only == [("March 1968 to March 1969", "1968-1969")]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_dfat_garbled_csv_raises_only_source_error(tmp_path: Path, data: st.DataObject) -> None:
    text = list(SMALL.read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 10))):
        pos = data.draw(st.integers(0, len(text) - 1))
        text[pos] = data.draw(st.sampled_from(list(',"\n;a)1/ ') + ["\x00", "é"]))
    path = tmp_path / "garbled.csv"
    path.write_text("".join(text), encoding="utf-8")
    try:
        entities, _ctx = parse(path)
    except SourceError:
        return
    for entity in entities.values():
        assert entity.id and entity.id.startswith("au-dfat-sanctions-")


@functools.cache
def _small_workbook() -> bytes:
    """The 2025-layout rows as workbook bytes, made once (a save stamps the time)."""
    workbook = openpyxl.Workbook()
    for row in _new_layout_rows():
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_dfat_garbled_workbook_raises_only_source_error(tmp_path: Path,
                                                        data: st.DataObject) -> None:
    path = tmp_path / "list.xlsx"
    raw = bytearray(_small_workbook())
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    path.write_bytes(bytes(raw))
    dfat_xlsx.sniff_xlsx(path, read_head(path))
    try:
        parse(path)
    except SourceError:
        pass


@settings(max_examples=40, deadline=None)
@given(st.permutations(list(range(5))))
def test_dfat_ids_do_not_depend_on_row_order(order: list[int]) -> None:
    rows = list(csv.reader(io.StringIO(SMALL.read_text(encoding="utf-8"))))
    shuffled = [rows[0]] + [rows[1:][i] for i in order]
    ctx = Context(source=dfat_xlsx.SOURCE, file="x")
    ids = {e.id for e in dfat_xlsx.parse_rows(ctx, iter(shuffled))}
    expected = {e.id for e in dfat_xlsx.parse_rows(Context(source="au_dfat_sanctions", file="y"),
                                                    iter(rows))}
    assert ids == expected
