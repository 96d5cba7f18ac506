"""EU Financial Sanctions Files: the XML v1.1 export and the semicolon CSVs (v1.0, v1.1)."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from followthemoney import EntityProxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import FIXTURES, shared_file
from watchlist.errors import SourceError
from watchlist.sources.base import TARGET_TOPIC, Context, make_id
from watchlist.sources.eu_fsf import (
    FORMATS,
    V10_COLUMNS,
    parse_csv,
    parse_xml,
    sniff_csv,
    sniff_xml,
)
from watchlist.sources.files import read_head

SOURCE = "eu_fsf"
XML_EXCERPT = "eu/fixtures/eu_fsf_excerpt_2026-08-05.xml"
CSV_2018 = "eu/eu_fsf_csv_2018-07-04_truncated.csv"
V11_SAMPLE = FIXTURES / "eu_fsf_v11_sample.csv"

Parser = Callable[[Context, Mapping[str, Path]], Iterator[EntityProxy]]


def run(parse: Parser, path: Path) -> tuple[dict[str, EntityProxy], Context]:
    """Parse one file; entities by id (duplicates merged, as the importer does)."""
    ctx = Context(source=SOURCE, file=str(path))
    found: dict[str, EntityProxy] = {}
    for entity in parse(ctx, {"main": path}):
        if entity.id in found:
            found[entity.id].merge(entity)
        else:
            found[entity.id] = entity
    return found, ctx


def targets(entities: dict[str, EntityProxy]) -> list[EntityProxy]:
    """The designated parties (what the store counts)."""
    return [e for e in entities.values() if TARGET_TOPIC in e.get("topics", quiet=True)]


def target(entities: dict[str, EntityProxy], ref: str) -> EntityProxy:
    """The target whose publisher reference (logicalId) is `ref`."""
    return entities[make_id(SOURCE, ref)]


def sanction_of(entities: dict[str, EntityProxy], ref: str) -> EntityProxy:
    """The Sanction entity pointing at the target `ref`."""
    tid = make_id(SOURCE, ref)
    [found] = [e for e in entities.values()
               if e.schema.name == "Sanction" and tid in e.get("entity")]
    return found


def held_by(entities: dict[str, EntityProxy], ref: str, schema: str) -> list[EntityProxy]:
    """Helper entities of one schema linked to the target `ref`."""
    tid = make_id(SOURCE, ref)
    return [e for e in entities.values() if e.schema.name == schema
            and tid in e.get("holder", quiet=True)]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# ---------------------------------------------------------------- counts on real files


def test_eu_xml_targets_equal_sanction_entities_counted_independently() -> None:
    path = shared_file(XML_EXCERPT)
    tree = etree.parse(str(path))
    ns = {"f": "http://eu.europa.ec/fpi/fsd/export"}
    logical_ids = {e.get("logicalId") for e in tree.getroot().findall("f:sanctionEntity", ns)}
    assert len(logical_ids) == 5
    assert len(tree.getroot().findall(".//f:nameAlias", ns)) == 45
    entities, ctx = run(parse_xml, path)
    assert len(targets(entities)) == len(logical_ids)
    assert {t.id for t in targets(entities)} == {make_id(SOURCE, i) for i in logical_ids}
    assert ctx.published == "2026-08-05"
    assert ctx.warnings == []


def test_eu_csv_2018_targets_equal_distinct_entity_logical_ids() -> None:
    path = shared_file(CSV_2018)
    lines = path.read_bytes().decode("cp1252").splitlines()[1:]
    ids = {m.group(1) for line in lines if (m := re.match(r'^"?[^;]*;(\d+);', line))}
    assert len(ids) == 93
    entities, ctx = run(parse_csv, path)
    assert len(targets(entities)) == len(ids)
    assert ctx.published == "2018-07-04"
    assert any("wrapped in quotes" in w for w in ctx.warnings)


def test_eu_csv_2018_is_truncated_but_its_last_entity_is_kept_with_what_is_there() -> None:
    entities, _ = run(parse_csv, shared_file(CSV_2018))
    last = target(entities, "481")
    assert last.get("name") == ["Salafist Group for Call and Combat"]
    assert "AQIM" in last.get("alias")
    assert set(last.get("country")) == {"dz", "ml", "mr", "ma"}


# ---------------------------------------------------------------- real records, field by field


def test_eu_xml_khalid_sheikh_mohammed_field_by_field() -> None:
    entities, _ = run(parse_xml, shared_file(XML_EXCERPT))
    ksm = target(entities, "191")
    assert ksm.schema.name == "Person"
    assert ksm.get("name") == ["Khalid Sheikh MOHAMMED"]
    assert set(ksm.get("alias")) == {
        "Bin Khalid Fahd Bin Adballah", "Wadood Khalid Adbul", "Henin Ashraf Refaat Nabith",
        "Bin Khalid Fahd Bin Abdallah", "Wadood Khalid Abdul", "Ali Salem"}
    assert ksm.get("firstName") == ["Khalid Sheikh"]
    assert ksm.get("lastName") == ["MOHAMMED"]
    assert ksm.get("gender") == ["male"]
    assert set(ksm.get("birthDate")) == {"1965-04-14", "1964-03-01"}
    assert ksm.get("birthCountry") == ["pk"]
    assert ksm.get("passportNumber") == ["488555"]
    [passport] = held_by(entities, "191", "Passport")
    assert passport.get("number") == ["488555"]
    assert passport.get("country") == []  # "00" is the EU's unknown country
    sanction = sanction_of(entities, "191")
    assert sanction.get("authorityId") == ["EU.3579.2"]
    assert sanction.get("program") == ["TERR"]
    assert sanction.get("modifiedAt") == ["2025-01-31"]
    assert sanction.get("listingDate") == []  # no designationDate in the file


def test_eu_xml_parchin_enterprise_keeps_doubled_space_name_folded_and_script() -> None:
    entities, _ = run(parse_xml, shared_file(XML_EXCERPT))
    pci = target(entities, "3822")
    assert pci.schema.name == "Organization"
    assert pci.get("name") == ["Parchin Chemical Industries (PCI)"]
    aliases = set(pci.get("alias"))
    assert "Tionscail Ceimiceán Parchin" in aliases  # "Tionscail  Ceimiceán" folded
    assert "صنایع شیمیایی پارچین" in aliases
    assert len(aliases) == 15
    assert pci.get("registrationNumber") == ["892"]
    assert pci.get("country") == ["ir"]
    addresses = [e for e in entities.values() if e.schema.name == "Address"
                 and e.id in pci.get("addressEntity")]
    assert len(addresses) == 6
    assert any(a.get("postOfficeBox") == ["16765/358"] for a in addresses)
    sanction = sanction_of(entities, "3822")
    assert sanction.get("listingDate") == ["2008-06-23"]
    assert sanction.get("program") == ["IRN"]
    assert sanction.get("summary") == ["UN designation:24/03/2007 (no longer valid)"]


def test_eu_xml_asiri_low_quality_aliases_are_weak_and_islamic_date_kept_gregorian() -> None:
    entities, _ = run(parse_xml, shared_file(XML_EXCERPT))
    asiri = target(entities, "6177")
    assert asiri.get("name") == ["Ibrahim Hassan Tali Al-Asiri"]
    assert set(asiri.get("weakAlias")) == {"Abu-Salaah", "Abosslah", "Abu Saleh"}
    assert "Ibrahim Hasan Tali al-’Asiri" in asiri.get("alias")  # typographic apostrophe
    assert "إبراهيم حسن طالع عسيري" in asiri.get("alias")
    assert set(asiri.get("birthDate")) == {"1982-04-18", "1982-04-19"}
    assert any("islamic calendar): 1402-06-24" in n for n in asiri.get("notes"))
    assert asiri.get("citizenship") == ["sa"]
    assert asiri.get("idNumber") == ["1028745097"]
    [passport] = held_by(entities, "6177", "Passport")
    assert passport.get("startDate") == ["2005-04-30"]
    assert passport.get("endDate") == ["2010-03-07"]
    assert "known expired" in passport.get("summary")[0]


def test_eu_xml_birth_range_circa_gives_every_year() -> None:
    entities, _ = run(parse_xml, shared_file(XML_EXCERPT))
    jan = target(entities, "521")
    assert jan.get("birthDate") == [str(y) for y in range(1953, 1959)]
    assert "birthDate: circa 1953-1958" in jan.get("notes")
    assert jan.get("title") == ["Maulavi"]
    assert sanction_of(entities, "521").get("listingDate") == ["2001-01-25"]


def test_eu_csv_2018_mugabe_and_saddam_field_by_field() -> None:
    entities, _ = run(parse_csv, shared_file(CSV_2018))
    mugabe = target(entities, "1")
    assert mugabe.get("name") == ["Robert Gabriel Mugabe"]
    assert mugabe.get("alias") == []  # the same name given twice is kept once
    assert (mugabe.get("firstName"), mugabe.get("middleName"), mugabe.get("lastName")) == (
        ["Robert"], ["Gabriel"], ["Mugabe"])
    assert mugabe.get("birthDate") == ["1924-02-21"]
    assert mugabe.get("birthPlace") == ["Kutama"]
    assert mugabe.get("passportNumber") == ["AD001095"]
    assert sanction_of(entities, "1").get("program") == ["ZWE"]
    assert sanction_of(entities, "1").get("authorityId") == ["EU.36.64"]
    saddam = target(entities, "13")
    assert saddam.get("name") == ["Saddam Hussein Al-Tikriti"]
    assert set(saddam.get("alias")) == {"Abu Ali", "Abou Ali"}
    assert saddam.get("birthDate") == ["1937-04-28"]
    assert saddam.get("birthPlace") == ["al-Awja, near Tikrit"]  # re-save tab read as comma
    assert saddam.get("citizenship") == ["iq"]  # ISO3 "IRQ" in v1.0


def test_eu_same_record_gets_the_same_id_from_xml_and_csv() -> None:
    xml, _ = run(parse_xml, shared_file(XML_EXCERPT))
    old, _ = run(parse_csv, shared_file(CSV_2018))
    ksm_id = make_id(SOURCE, "191")
    assert ksm_id in xml and ksm_id in old
    assert "Khalid Sheikh MOHAMMED" in xml[ksm_id].get("name")
    assert "Khalid Shaikh MOHAMMED" in old[ksm_id].get("name")


def test_eu_csv_v11_sample_reads_every_section() -> None:
    entities, ctx = run(parse_csv, V11_SAMPLE)
    assert ctx.published == "2026-08-05"
    assert len(targets(entities)) == 2
    dorda = target(entities, "6106")
    assert dorda.get("name") == ["Abu Zayd Umar DORDA"]
    assert dorda.get("weakAlias") == ["Abu Zayd"]
    assert set(dorda.get("alias")) == {"Dorda Abuzed OE", "ABÚ ZAJD UMAR DÚRDA"}
    assert dorda.get("birthDate") == ["1944-04-04"]
    assert dorda.get("citizenship") == ["ly"]
    [passport] = held_by(entities, "6106", "Passport")
    assert passport.get("country") == ["ly"]
    assert passport.get("endDate") == ["2026-11-24"]
    sanction = sanction_of(entities, "6106")
    assert sanction.get("unscId") == ["LYi.006"]
    assert sanction.get("listingDate") == ["2011-02-26"]
    pci = target(entities, "3822")
    assert pci.schema.name == "Organization"
    assert pci.get("registrationNumber") == ["892"]


# ---------------------------------------------------------------- sniffing


def test_eu_sniff_recognises_each_real_file() -> None:
    xml = shared_file(XML_EXCERPT)
    assert sniff_xml(xml, read_head(xml)).format == "eu_fsf_xml"
    assert sniff_csv(xml, read_head(xml)) is None
    old = shared_file(CSV_2018)
    found = sniff_csv(old, read_head(old))
    assert found is not None and (found.format, found.source) == ("eu_fsf_csv", SOURCE)
    assert sniff_xml(old, read_head(old)) is None
    assert sniff_csv(V11_SAMPLE, read_head(V11_SAMPLE)).format == "eu_fsf_csv"


def test_eu_sniff_refuses_other_publishers_files(lists_dir: Path) -> None:
    others = [p for p in lists_dir.rglob("*") if p.is_file() and "eu" not in p.parts]
    assert others
    for path in others:
        head = read_head(path)
        assert sniff_xml(path, head) is None, path
        assert sniff_csv(path, head) is None, path


@pytest.mark.parametrize("head", [
    b"", b"\x00\x01\x02garbage", b"<html><body>Entity_LogicalId;x</body></html>",
    b"<!DOCTYPE html><html><head><title>export</title></head></html>",
    b"<export><foo/></export>", b"a;b;c\n1;2;3\n", "é;ü\n".encode("latin-1"),
])
def test_eu_sniff_returns_none_on_junk(head: bytes) -> None:
    for fmt in FORMATS:
        assert fmt.sniff(Path("x"), head) is None


# ---------------------------------------------------------------- bad inputs


def test_eu_xml_wrong_root_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.xml", '<?xml version="1.0"?><exportx><sanctionEntity/></exportx>')
    with pytest.raises(SourceError, match="root element") as err:
        run(parse_xml, path)
    assert str(path) in str(err.value)


def test_eu_xml_truncated_is_refused(tmp_path: Path) -> None:
    data = shared_file(XML_EXCERPT).read_bytes()
    path = write(tmp_path, "eu.xml", data[: len(data) // 2])
    with pytest.raises(SourceError, match="truncated"):
        run(parse_xml, path)


def test_eu_xml_without_records_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.xml", '<export xmlns="http://eu.europa.ec/fpi/fsd/export" '
                 'generationDate="2026-01-01T00:00:00"></export>')
    with pytest.raises(SourceError, match="no designated party"):
        run(parse_xml, path)


def test_eu_xml_absurd_name_and_impossible_date_keep_the_record(tmp_path: Path) -> None:
    text = shared_file(XML_EXCERPT).read_text(encoding="utf-8")
    text = text.replace('wholeName="Ali Salem"', f'wholeName="{"X" * 10_000}"')
    text = text.replace('birthdate="1965-04-14"', 'birthdate="31/02/1999"')
    entities, ctx = run(parse_xml, write(tmp_path, "eu.xml", text))
    ksm = target(entities, "191")
    assert ksm.get("name") == ["Khalid Sheikh MOHAMMED"]
    assert "1999-02" in ksm.get("birthDate")
    assert all(len(n) < 1000 for e in targets(entities) for n in e.names)
    assert any("10000 characters" in w for w in ctx.warnings), ctx.warnings
    assert any("31/02/1999" in w for w in ctx.warnings), ctx.warnings


def test_eu_csv_changed_header_is_refused_naming_the_column(tmp_path: Path) -> None:
    data = shared_file(CSV_2018).read_bytes().replace(b"Naal_wholename", b"Naal_fullname", 1)
    path = write(tmp_path, "eu.csv", data)
    with pytest.raises(SourceError, match="Naal_wholename") as err:
        run(parse_csv, path)
    assert str(path) in str(err.value)


def test_eu_csv_v11_missing_column_is_refused_naming_it(tmp_path: Path) -> None:
    text = V11_SAMPLE.read_text(encoding="utf-8-sig")
    path = write(tmp_path, "eu.csv", text.replace("NameAlias_WholeName", "NameAlias_Full", 1))
    with pytest.raises(SourceError, match="NameAlias_WholeName"):
        run(parse_csv, path)


def test_eu_csv_unknown_header_is_refused_naming_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.csv", "Entity_Id;Name\n1;Someone\n")
    with pytest.raises(SourceError, match="Entity_LogicalId"):
        run(parse_csv, path)


def test_eu_csv_cut_inside_a_wrapped_line_is_refused_as_truncated(tmp_path: Path) -> None:
    data = shared_file(CSV_2018).read_bytes()
    cut = data.index(b"\n", 50_000) + 200
    with pytest.raises(SourceError, match="truncated"):
        run(parse_csv, write(tmp_path, "eu.csv", data[:cut]))


def test_eu_csv_cut_inside_a_plain_row_is_refused_as_truncated(tmp_path: Path) -> None:
    data = V11_SAMPLE.read_bytes()
    last = data.rstrip(b"\n").rindex(b"\n")
    with pytest.raises(SourceError, match="truncated"):
        run(parse_csv, write(tmp_path, "eu.csv", data[: last + 40]))


def test_eu_csv_empty_and_html_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="empty"):
        run(parse_csv, write(tmp_path, "eu.csv", b""))
    with pytest.raises(SourceError, match="HTML"):
        run(parse_csv, write(tmp_path, "eu.csv", "<!DOCTYPE html><html><body>500</body></html>"))


def test_eu_csv_header_only_is_refused(tmp_path: Path) -> None:
    header = V11_SAMPLE.read_text(encoding="utf-8-sig").splitlines()[0]
    with pytest.raises(SourceError, match="no designated party"):
        run(parse_csv, write(tmp_path, "eu.csv", header + "\n"))


def test_eu_csv_v10_absurd_name_and_impossible_date_keep_the_record(tmp_path: Path) -> None:
    header = ["Date_file", *V10_COLUMNS]
    rows = [
        {"Entity_logical_id": "7", "Subject_type": "P", "Programme": "TEST",
         "Naal_logical_id": "70", "Naal_wholename": "X" * 10_000, "EU_ref_num": "EU.7.7"},
        {"Entity_logical_id": "7", "Subject_type": "P", "Naal_logical_id": "71",
         "Naal_wholename": "Testa Examplova", "EU_ref_num": "EU.7.7"},
        {"Entity_logical_id": "7", "Subject_type": "P", "Birt_logical_id": "72",
         "Birt_date": "31/02/1999", "EU_ref_num": "EU.7.7"},
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["01/02/2020", *(row.get(c, "") for c in V10_COLUMNS)])
    entities, ctx = run(parse_csv, write(tmp_path, "eu.csv", out.getvalue()))
    person = target(entities, "7")
    assert person.get("name") == ["Testa Examplova"]
    assert person.get("birthDate") == ["1999-02"]
    assert any("10000 characters" in w for w in ctx.warnings)
    assert any("31/02/1999" in w for w in ctx.warnings)
    assert ctx.published == "2020-02-01"


# ---------------------------------------------------------------- properties


def _parse_bytes(parse: Parser, data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"eu{suffix}"
        path.write_bytes(data)
        try:
            run(parse, path)
        except SourceError:
            pass


_XML_SAMPLE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<export xmlns="http://eu.europa.ec/fpi/fsd/export" '
    b'generationDate="2026-08-05T16:47:04.449+02:00"><sanctionEntity logicalId="9" '
    b'euReferenceNumber="EU.9.9" designationDate="2020-01-02"><regulation programme="TEST" '
    b'publicationDate="2020-01-02"/><subjectType code="person"/><nameAlias wholeName="Testa '
    b'Examplova" strong="true" gender="F" logicalId="90"/><birthdate birthdate="1970-01-01" '
    b'circa="false" calendarType="GREGORIAN" countryIso2Code="00"/><identification '
    b'number="P1" identificationTypeCode="passport" countryIso2Code="XX"/><address '
    b'city="Nowhere" countryIso2Code="ZZ"/></sanctionEntity></export>'
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_eu_parsers_raise_only_source_error_on_mutated_input(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from([(_XML_SAMPLE, ".xml", parse_xml),
                                      (V11_SAMPLE.read_bytes(), ".csv", parse_csv)]))
    raw, suffix, parse = base
    pos = data.draw(st.integers(0, len(raw)))
    cut = data.draw(st.integers(0, 40))
    insert = data.draw(st.binary(max_size=12) | st.sampled_from(
        [b'"', b";", b"\n", b"<", b"&", b"\xff", b"\t", b"\x00"]))
    _parse_bytes(parse, raw[:pos] + insert + raw[pos + cut:], suffix)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_eu_any_csv_cell_text_never_breaks_the_parser(text: str) -> None:
    rows = V11_SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    cells = next(csv.reader([rows[1]], delimiter=";"))
    cells[19] = text
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(
        [next(csv.reader([rows[0]], delimiter=";")), cells])
    _parse_bytes(parse_csv, out.getvalue().encode("utf-8"), ".csv")


def test_eu_ids_are_stable_between_runs() -> None:
    first, _ = run(parse_csv, V11_SAMPLE)
    second, _ = run(parse_csv, V11_SAMPLE)
    assert sorted(first) == sorted(second)
    assert make_id(SOURCE, "6106") in first


def test_eu_reference_without_letters_or_digits_skips_only_that_record(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.xml", '<export xmlns="http://eu.europa.ec/fpi/fsd/export">'
                 '<sanctionEntity logicalId="!!!"><nameAlias wholeName="A B"/></sanctionEntity>'
                 '<sanctionEntity logicalId="5"><nameAlias wholeName="C D"/></sanctionEntity>'
                 "</export>")
    entities, ctx = run(parse_xml, path)
    assert [t.id for t in targets(entities)] == [make_id(SOURCE, "5")]
    assert any("record !!!" in w for w in ctx.warnings)
