"""The EU FSF semicolon CSV (v1.0 of 2018, v1.1): its sniffer, and its rows grouped by
entity into `EuRecord`s and built into entities.

Quirks handled: v1.0 repeats `Entity_logical_id` in every section and is cp1252; copies
re-saved by a spreadsheet wrap each line in `"` with trailing tabs, and the inner tabs
stand for the commas the re-save removed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from followthemoney import EntityProxy

from watchlist.normalize.dates import iso_date
from watchlist.sources.base import Context, Sniff
from watchlist.sources.entities import clean
from watchlist.sources.eu_fsf_entities import SOURCE, build_entities, valid_ref
from watchlist.sources.eu_fsf_record import (
    DOCUMENT_FLAGS,
    EuAddress,
    EuBirth,
    EuIdent,
    EuName,
    EuRecord,
    join_parts,
    truthy,
)
from watchlist.sources.files import decode_text, head_text, is_html
from watchlist.sources.meter import metered_text

#: v1.0 (2018): columns read; a header missing any of them is refused.
V10_COLUMNS = (
    "Entity_logical_id", "Subject_type", "Leba_publication_date", "Leba_url", "Programme",
    "Entity_remark", "Naal_logical_id", "Naal_lastname", "Naal_firstname", "Naal_middlename",
    "Naal_wholename", "Naal_gender", "Naal_title", "Naal_function", "Addr_logical_id",
    "Addr_street", "Addr_zipcode", "Addr_city", "Addr_country", "Addr_other", "Birt_logical_id",
    "Birt_date", "Birt_place", "Birt_country", "Iden_logical_id", "Iden_number", "Iden_country",
    "Citi_logical_id", "Citi_country", "EU_ref_num",
)
#: v1.1: columns that must be there (names, dates, ids, countries of the 118 published).
V11_REQUIRED = (
    "Entity_LogicalId", "Entity_EU_ReferenceNumber", "Entity_SubjectType",
    "Entity_Regulation_Programme", "NameAlias_WholeName", "NameAlias_FirstName",
    "NameAlias_LastName", "BirthDate_BirthDate", "Identification_Number",
    "Citizenship_CountryIso2Code", "Address_CountryIso2Code",
)
_IDEN_V10 = re.compile(
    r"^(?P<number>.*?)\s*\((?P<code>[A-Za-z]+)-(?P<desc>[^)]*)\)\s*(?P<rest>.*)$")
_PHONE = re.compile(r"PHONE\[([^\]]*)\]")


def _first_line(text: str) -> str:
    """The first line of a text, without a BOM."""
    return text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")


def _is_wrapped(line: str) -> bool:
    """A line re-saved as one quoted cell: `"a;b;c<tabs>"` with only doubled quotes inside."""
    if len(line) < 2 or not (line.startswith('"') and line.endswith('"')):
        return False
    inner = line[1:-1]
    return ";" in inner and '"' not in inner.replace('""', "")


def _header_columns(line: str) -> list[str]:
    """The column names of a header line, whether or not it was wrapped by a re-save."""
    if _is_wrapped(line):
        line = line[1:-1].replace('""', '"').rstrip("\t")
    return [c.strip().strip('"') for c in line.split(";")]


def sniff_csv(path: Path, head: bytes) -> Sniff | None:
    """The FSF CSV: a semicolon header naming `Entity_logical_id` or `Entity_LogicalId`."""
    if is_html(head):
        return None
    columns = set(_header_columns(_first_line(head_text(head))))
    if {"Entity_logical_id", "Entity_LogicalId"} & columns:
        return Sniff(format="eu_fsf_csv", source=SOURCE)
    return None


def _unwrap(ctx: Context, text: str) -> str:
    """Undo a spreadsheet re-save: each line one quoted cell, padded with tabs.

    Inside such a line the tabs stand for the commas the re-save split on (the copy
    holds no comma at all, and `al-Awja<TAB> near Tikrit` is `al-Awja, near Tikrit`).
    A last line without its closing quote is a truncated file.
    """
    reader = csv.reader(io.StringIO(text), delimiter="\x1f", quotechar='"', strict=True)
    lines: list[str] = []
    tabs = 0
    try:
        for cells in reader:
            line = "\x1f".join(cells).rstrip("\t")
            tabs += line.count("\t")
            lines.append(line.replace("\t", ","))
    except csv.Error as exc:
        raise ctx.fail(f"is truncated or malformed: line {reader.line_num}: {exc}") from exc
    ctx.warn("file", "lines are wrapped in quotes with trailing tabs (a spreadsheet re-save); "
             f"unwrapped, {tabs} inner tab(s) read as commas")
    return "\n".join(lines) + "\n"


def _read_rows(ctx: Context, path: Path) -> tuple[list[str], Iterator[list[str]]]:
    """The header and the data rows of an FSF CSV, decoded and unwrapped as needed."""
    data = path.read_bytes()
    if not data.strip():
        raise ctx.fail("is empty")
    if is_html(data[:4096]):
        raise ctx.fail("is an HTML page, not a list (an error page served in its place?)")
    text, note = decode_text(data, ctx.file)
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if note:
        ctx.warn("file", note)
    if _is_wrapped(_first_line(text)):
        text = _unwrap(ctx, text)
    reader = csv.reader(metered_text(text, path), delimiter=";", quotechar='"')
    try:
        header = [c.strip() for c in next(reader)]
    except StopIteration:
        raise ctx.fail("holds no header row") from None
    except csv.Error as exc:
        raise ctx.fail(f"has an unreadable header row: {exc}") from exc
    return header, _rows(ctx, reader, len(header), text.endswith("\n"))


def _rows(ctx: Context, reader: Iterator[list[str]], width: int,
          ends_cleanly: bool) -> Iterator[list[str]]:
    """Data rows padded to the header's width; a short last row of a cut file is refused."""
    pending: list[str] | None = None
    short = False
    line = 1
    try:
        for row in reader:
            line += 1
            if pending is not None:
                yield pending
            if not any(cell.strip() for cell in row):
                pending = None
                continue
            if len(row) != width:
                ctx.warn(f"line {line}", f"has {len(row)} fields, the header {width}")
            pending = row + [""] * (width - len(row))
            short = len(row) < width
    except csv.Error as exc:
        raise ctx.fail(f"is malformed at line {line}: {exc}") from exc
    if pending is not None:
        if short and not ends_cleanly:
            raise ctx.fail(f"is truncated: the last row (line {line}) is cut short")
        yield pending


class _Row:
    """One CSV row read by column name (the first column of that name)."""

    def __init__(self, index: Mapping[str, int], cells: list[str]) -> None:
        self.index = index
        self.cells = cells

    def get(self, column: str) -> str | None:
        """The cleaned cell, with the v1.0 literal `\\n` read as a line break."""
        pos = self.index.get(column)
        if pos is None or pos >= len(self.cells):
            return None
        return clean(self.cells[pos].replace("\\n", "\n"))


def _column_index(header: list[str]) -> dict[str, int]:
    """Column name -> position of its first occurrence (v1.0 repeats Entity_logical_id)."""
    index: dict[str, int] = {}
    for pos, name in enumerate(header):
        index.setdefault(name, pos)
    if header and header[0].startswith("Date_file"):
        index.setdefault("Date_file", 0)
    return index


def _v10_fact(rec: EuRecord, row: _Row) -> None:
    """Add the one section (name, address, birth, id, citizenship) a v1.0 row carries."""
    for prefix in ("Leba", "Naal_leba", "Addr_leba", "Birt_leba", "Iden_leba", "Citi_leba"):
        rec.regulation_dates.append(row.get(f"{prefix}_publication_date") or "")
        rec.urls.append(row.get(f"{prefix}_url") or "")
    for column in ("Programme", "Naal_programme", "Addr_programme", "Birt_programme",
                   "Iden_programme", "Citi_programme"):
        rec.programmes.append(row.get(column) or "")
    remark = row.get("Entity_remark")
    if remark and remark not in rec.remarks:
        rec.remarks.append(remark)
    if row.get("Naal_logical_id") or row.get("Naal_wholename"):
        rec.names[row.get("Naal_logical_id") or f"#{len(rec.names)}"] = EuName(
            whole=row.get("Naal_wholename"), first=row.get("Naal_firstname"),
            middle=row.get("Naal_middlename"), last=row.get("Naal_lastname"),
            gender=row.get("Naal_gender"), title=row.get("Naal_title"),
            function=row.get("Naal_function"), logical_id=row.get("Naal_logical_id"))
    if row.get("Addr_logical_id"):
        other = row.get("Addr_other")
        phones = _PHONE.findall(other or "")
        rec.phones.extend(p for p in (clean(x) for x in phones) if p)
        rest = clean(_PHONE.sub("", other or ""))
        rec.addresses[row.get("Addr_logical_id") or ""] = EuAddress(
            street=join_parts(row.get("Addr_number"), row.get("Addr_street")),
            city=row.get("Addr_city"), zip_code=row.get("Addr_zipcode"),
            country_iso=row.get("Addr_country"), remarks=[rest] if rest else [],
            logical_id=row.get("Addr_logical_id"))
    if row.get("Birt_logical_id"):
        rec.births[row.get("Birt_logical_id") or ""] = EuBirth(
            date=row.get("Birt_date"), place=row.get("Birt_place"),
            country_iso=row.get("Birt_country"), logical_id=row.get("Birt_logical_id"))
    if row.get("Iden_logical_id"):
        rec.idents[row.get("Iden_logical_id") or ""] = _v10_ident(row)
    if row.get("Citi_logical_id"):
        rec.citizenships[row.get("Citi_logical_id") or ""] = (row.get("Citi_country"), None)


def _v10_ident(row: _Row) -> EuIdent:
    """A v1.0 `Iden_number` such as `488555 (passport-National passport) (note)`."""
    raw = row.get("Iden_number") or ""
    m = _IDEN_V10.match(raw)
    if not m:
        return EuIdent(number=raw, country_iso=row.get("Iden_country"),
                       logical_id=row.get("Iden_logical_id"))
    rest = clean(m.group("rest"))
    if rest and rest.startswith("(") and rest.endswith(")"):
        rest = clean(rest[1:-1])
    return EuIdent(number=m.group("number"), type_code=m.group("code"),
                   type_desc=m.group("desc"), country_iso=row.get("Iden_country"),
                   remark=rest, logical_id=row.get("Iden_logical_id"))


def _v11_fact(rec: EuRecord, row: _Row) -> None:
    """Add what a v1.1 row carries (entity columns repeat, one section is filled)."""
    for prefix in ("Entity", "NameAlias", "Address", "BirthDate", "Identification",
                   "Citizenship"):
        rec.programmes.append(row.get(f"{prefix}_Regulation_Programme") or "")
        rec.regulation_dates.append(row.get(f"{prefix}_Regulation_PublicationDate") or "")
        rec.urls.append(row.get(f"{prefix}_Regulation_PublicationUrl") or "")
    for attr, column in (("eu_ref", "Entity_EU_ReferenceNumber"),
                         ("un_id", "Entity_UnitedNationId"),
                         ("designation_date", "Entity_DesignationDate"),
                         ("designation_details", "Entity_DesignationDetails")):
        if getattr(rec, attr) is None:
            setattr(rec, attr, row.get(column))
    rec.subject = rec.subject or row.get("Entity_SubjectType") or row.get(
        "Entity_SubjectType_ClassificationCode")
    remark = row.get("Entity_Remark")
    if remark and remark not in rec.remarks:
        rec.remarks.append(remark)
    if row.get("NameAlias_WholeName") or row.get("NameAlias_LastName"):
        strong = row.get("NameAlias_Strong")
        rec.names[row.get("NameAlias_LogicalId") or f"#{len(rec.names)}"] = EuName(
            whole=row.get("NameAlias_WholeName"), first=row.get("NameAlias_FirstName"),
            middle=row.get("NameAlias_MiddleName"), last=row.get("NameAlias_LastName"),
            gender=row.get("NameAlias_Gender"), title=row.get("NameAlias_Title"),
            function=row.get("NameAlias_Function"),
            strong=None if strong is None else truthy(strong),
            remark=row.get("NameAlias_Remark"), logical_id=row.get("NameAlias_LogicalId"))
    _v11_sections(rec, row)


def _v11_sections(rec: EuRecord, row: _Row) -> None:
    """The address, birth date, identification and citizenship columns of a v1.1 row."""
    if row.get("Address_LogicalId") or row.get("Address_CountryIso2Code") or row.get(
            "Address_City"):
        remarks = [r for r in (row.get("Address_Remark"), row.get("Address_ContactInfo")) if r]
        rec.addresses[row.get("Address_LogicalId") or f"#{len(rec.addresses)}"] = EuAddress(
            street=row.get("Address_Street"), po_box=row.get("Address_PoBox"),
            city=row.get("Address_City"), zip_code=row.get("Address_ZipCode"),
            region=row.get("Address_Region"), place=row.get("Address_Place"),
            country_iso=row.get("Address_CountryIso2Code"),
            country_desc=row.get("Address_CountryDescription"), remarks=remarks,
            logical_id=row.get("Address_LogicalId"))
    if row.get("BirthDate_LogicalId") or row.get("BirthDate_BirthDate") or row.get(
            "BirthDate_Year"):
        rec.births[row.get("BirthDate_LogicalId") or f"#{len(rec.births)}"] = EuBirth(
            date=row.get("BirthDate_BirthDate"), day=row.get("BirthDate_Day"),
            month=row.get("BirthDate_Month"), year=row.get("BirthDate_Year"),
            range_from=row.get("BirthDate_YearRangeFrom"),
            range_to=row.get("BirthDate_YearRangeTo"),
            circa=truthy(row.get("BirthDate_Circa")),
            calendar=row.get("BirthDate_CalendarType"), city=row.get("BirthDate_City"),
            place=row.get("BirthDate_Place"), region=row.get("BirthDate_Region"),
            country_iso=row.get("BirthDate_CountryIso2Code"),
            country_desc=row.get("BirthDate_CountryDescription"),
            remark=row.get("BirthDate_Remark"), logical_id=row.get("BirthDate_LogicalId"))
    if row.get("Identification_Number") or row.get("Identification_LatinNumber"):
        flags = [label for attr, label in DOCUMENT_FLAGS
                 if truthy(row.get("Identification_" + attr[0].upper() + attr[1:]))]
        rec.idents[row.get("Identification_LogicalId") or f"#{len(rec.idents)}"] = EuIdent(
            number=row.get("Identification_Number"),
            type_code=row.get("Identification_TypeCode"),
            type_desc=row.get("Identification_TypeDescription"),
            country_iso=row.get("Identification_CountryIso2Code"),
            country_desc=row.get("Identification_CountryDescription"),
            issued_by=row.get("Identification_IssuedBy"),
            issue_date=row.get("Identification_IssuedDate") or row.get(
                "Identification_ValidFrom"),
            valid_to=row.get("Identification_ValidTo"),
            latin_number=row.get("Identification_LatinNumber"),
            region=row.get("Identification_Region"), remark=row.get("Identification_Remark"),
            flags=flags, logical_id=row.get("Identification_LogicalId"))
    if row.get("Citizenship_CountryIso2Code") or row.get("Citizenship_CountryDescription"):
        rec.citizenships[row.get("Citizenship_LogicalId") or f"#{len(rec.citizenships)}"] = (
            row.get("Citizenship_CountryIso2Code"), row.get("Citizenship_CountryDescription"))


def _layout(ctx: Context, header: list[str]) -> tuple[str, str, str]:
    """Which CSV version the header is: (version, id column, date column); refuse others."""
    columns = set(header)
    if "Entity_logical_id" in columns:
        missing = [c for c in V10_COLUMNS if c not in columns]
        if not header[0].startswith("Date_file"):
            missing.insert(0, "Date_file")
        if missing:
            raise ctx.fail(f"EU FSF CSV v1.0 header lacks column(s): {', '.join(missing)}")
        return "1.0", "Entity_logical_id", "Date_file"
    missing = [c for c in V11_REQUIRED if c not in columns]
    if missing:
        raise ctx.fail("header is not an EU FSF CSV (v1.0 or v1.1) header; missing column(s): "
                       + ", ".join(missing))
    return "1.1", "Entity_LogicalId", "fileGenerationDate"


def parse_csv(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Every entity of an FSF CSV, its rows grouped by the entity's logical id."""
    header, rows = _read_rows(ctx, files["main"])
    version, id_column, date_column = _layout(ctx, header)
    index = _column_index(header)
    add_fact = _v10_fact if version == "1.0" else _v11_fact
    current: EuRecord | None = None
    seen: set[str] = set()
    bad: set[str] = set()
    for cells in rows:
        row = _Row(index, cells)
        ref = row.get(id_column)
        if ref is None:
            ctx.warn(f"row {cells[:3]}", f"no {id_column}; row skipped")
            continue
        if ref in bad or (ref not in seen and not valid_ref(ctx, ref)):
            bad.add(ref)
            continue
        if ctx.published is None:
            ctx.published = iso_date(row.get(date_column))
        if current is None or current.ref != ref:
            if current is not None:
                yield from build_entities(ctx, current)
            if ref in seen:
                ctx.warn(ref, "rows of this entity are not together; its parts are merged")
            seen.add(ref)
            current = EuRecord(ref=ref, subject=row.get("Subject_type"),
                               eu_ref=row.get("EU_ref_num"))
        add_fact(current, row)
    if current is None:
        raise ctx.fail("holds no designated party: no data rows")
    yield from build_entities(ctx, current)
