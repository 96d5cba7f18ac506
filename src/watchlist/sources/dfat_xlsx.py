"""Australia: the DFAT Consolidated List (`regulation8_consolidated.xlsx`, and the Nov 2025
`Australian_Sanctions_Consolidated_List.xlsx`), as the workbook or its sheet saved as CSV.

One row per name: the primary name has a plain reference (`2`), its other names the same
number with letters (`2a`, `2b`, even `34c1`), not always next to it. Rows are grouped by
that number, which is the publisher's reference and the target's id; one target and one
Sanction per number. Each row repeats the record's details, but alias rows sometimes carry
their own birth date or place, so every row's details are kept. "Individual" is a Person;
"Entity" an Organization (DFAT does not say company or public body, and every one of them
is an organisation); a "Vessel" (2025 layout) a Vessel.

Additional Information is kept as notes, and what it states plainly is read too: passport
and national identity numbers (with the nationality written before them), IMO numbers,
"Gender:", and the UN records' "Title:" and "Designation:" (position).

Columns are found by name, whatever the case, spacing or order; the 2025 layout adds
"Alias Strength", "IMO Number", "Instrument of Designation" and the measure flags (Targeted
Financial Sanction, Travel Ban, Arms Embargo, Maritime Restriction), all read when present.
A file without the four columns that identify a name row is refused, naming what is missing.

The file states no publication date. `Control Date` is the date each record last changed,
so the newest Control Date is the date of the list's last change: it is `ctx.published`.
Excel dates arrive as dates from the workbook but as serial numbers (45607 = 2024-11-11)
from a CSV copy; both are read. Birth dates are free text ("a) Approximately 1955- 1958
b) ..."): each enumerated item is read as exact, partial, range or circa.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from followthemoney import EntityProxy

from watchlist.normalize.countries import country_code
from watchlist.normalize.dates import excel_serial_date, parse_birth_date, parse_date
from watchlist.sources.base import Context, Format, Sniff
from watchlist.sources.entities import (
    add_birth_date,
    add_country,
    add_name,
    add_value,
    clean,
    has_prop,
    make_address,
    make_identification,
    make_sanction,
    mark_target,
)
from watchlist.sources.files import decode_text, head_text, is_html
from watchlist.sources.meter import in_turn, metered_text
from watchlist.sources.xlsx import (
    MAX_UNZIPPED,
    WorkbookTooLarge,
    cell_value,
    first_strings,
    sheet_rows,
    workbook_rows,
)

SOURCE = "au_dfat_sanctions"
XLSX_FORMAT = "dfat_xlsx"
CSV_FORMAT = "dfat_csv"
AUTHORITY = "Australian Department of Foreign Affairs and Trade"

#: Columns identifying a name row; without them the file is not (or no longer) this list.
REQUIRED = ("reference", "name_of_individual_or_entity", "type", "name_type")
KNOWN = {
    *REQUIRED, "date_of_birth", "place_of_birth", "citizenship", "address",
    "additional_information", "listing_information", "committees", "control_date",
    "alias_strength", "imo_number", "instrument_of_designation", "targeted_financial_sanction",
    "travel_ban", "arms_embargo", "maritime_restriction",
}
PROVISIONS = {
    "targeted_financial_sanction": "Targeted financial sanction",
    "travel_ban": "Travel ban",
    "arms_embargo": "Arms embargo",
    "maritime_restriction": "Maritime restriction",
}
#: How far down the sheet the header row may sit (a title row above it, say).
HEADER_SEARCH_ROWS = 20
#: A workbook expanding to more than this is refused (zip bomb).

_SCHEMATA = {"individual": "Person", "person": "Person", "entity": "Organization",
             "organisation": "Organization", "organization": "Organization",
             "vessel": "Vessel", "ship": "Vessel"}
_NAME_PROPS = {"primary name": "name", "primary": "name", "aka": "alias", "a.k.a.": "alias",
               "alias": "alias",
               "original script": "alias", "formerly known as": "previousName",
               "previously listed as": "previousName", "fka": "previousName",
               "f.k.a.": "previousName"}
_EMPTY = {"na", "n/a", "nil", "none", "-", "unknown", "not known"}
_REFERENCE = re.compile(r"^(\d+)([A-Za-z]*\d*)$")
_ENUM = re.compile(r"(?:^|(?<=[\s;,.]))\(?(?:[a-z]|[ivx]{1,4})\)\s*")
_DOB_SPLIT = re.compile(
    r";|>>|,|\n|\balt\.?\s*(?:DOB|born)?\s*:?|\s+or\s+|(?<=\d{4})\.\s+(?=[A-Za-z])"
    r"|\s+(?=\d{1,2}/\d{1,2}/\d{4})|(?<=\d{4})\s*/\s*(?=\d{4})",
    re.IGNORECASE,
)
_YEARS = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_COUNTRY_SPLIT = re.compile(r"\s*(?:,|;|/|\band\b|\n)\s*")
_COUNTRY_FIXES = {"belarussian": "Belarus", "türkiyish": "Turkey", "ukranian": "Ukraine"}
_POSSIBLY = re.compile(r"^(?:(?:possibly|probably|alt\.?|citizenship)\s+)+", re.IGNORECASE)
_LISTED_ON = re.compile(
    r"(?:listed|designated|listing)\b[^.;]{0,90}?\bon:?\s*"
    r"(\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
_GENDER = re.compile(r"\bGender\s*[:\[]?\s*(male|female)\b", re.IGNORECASE)
_IMO = re.compile(r"\bIMO(?:\s+(?:Identification\s+)?(?:number|no\.?))?\s*:?\s*(\d{7})\b",
                  re.IGNORECASE)
_PASSPORT = re.compile(
    r"(?:\b([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s+)?[Pp]assport\s*(?:[Nn]o\.?|[Nn]umber|#)?\s*:?\s*"
    r"(?:[a-z]\)\s*)?([A-Z]{0,3}[ /]?\d{5,}[A-Z]?)\b(?:\s*\(([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\))?"
)
_NATIONAL_ID = re.compile(
    r"(?:\b([A-Z][a-z]+)\s+)?[Nn]ational\s+[Ii]dentit(?:y|ification)(?:\s+[Cc]ard)?\s+"
    r"(?:[Nn]o\.?|[Nn]umber)\s*:?\s*(?:[a-z]\)\s*)?([A-Z]{0,3}\d[\d\-]{4,}\d)\b"
)
_FORMERLY = re.compile(r"\s*\((?:formerly|previously)\s+(?:listed\s+as|known\s+as)\)\s*$",
                       re.IGNORECASE)
_TITLE = re.compile(r"\bTitle:\s*(.+?)(?:\.\s|\s*Designation:|$)", re.DOTALL)
_DESIGNATION = re.compile(r"\bDesignation:\s*(.+?)(?:\.\s+[A-Z]|$)", re.DOTALL)


@dataclass
class Group:
    """The rows of one reference number: one designated party."""

    reference: str
    rows: list[dict[str, object]] = field(default_factory=list)


def slug(header: object) -> str:
    """"Name of Individual or Entity " -> "name_of_individual_or_entity"."""
    return re.sub(r"[^0-9a-z]+", "_", str(header or "").strip().lower()).strip("_")


def read_header(rows: Iterator[Iterable[object]]) -> tuple[int, list[str] | None]:
    """Consume rows up to the header (as slugs); its 1-based row number, or None if absent."""
    for number, row in enumerate(rows, start=1):
        slugs = [slug(v) for v in row]
        if {"reference", "name_of_individual_or_entity"} <= set(slugs):
            return number, slugs
        if number >= HEADER_SEARCH_ROWS:
            break
    return 0, None


def check_header(ctx: Context, header: list[str] | None) -> list[str]:
    """The header, or a clear failure naming the columns that are missing."""
    if header is None:
        raise ctx.fail("has no header row with 'Reference' and 'Name of Individual or Entity' "
                       f"in its first {HEADER_SEARCH_ROWS} rows: not the DFAT Consolidated List")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        found = ", ".join(h for h in header if h)
        raise ctx.fail(f"the header lacks the column(s) {', '.join(missing)} "
                       f"(found: {found}); has DFAT changed the layout?")
    unknown = [h for h in header if h and h not in KNOWN]
    if unknown:
        ctx.warn("header", f"unknown column(s) ignored: {', '.join(unknown)}")
    return header


def cell_text(value: object) -> str | None:
    """A cell as text: dates as ISO, whole floats without ".0", blanks and "NA" as None."""
    text = clean(cell_value(value))
    if text is None or text.lower() in _EMPTY:
        return None
    return text


def cell_date(value: object) -> str | None:
    """A date cell: a workbook date, an Excel serial (CSV copy) or a date written as text."""
    text = cell_text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):
        return excel_serial_date(text)
    parsed = parse_date(text, "dmy")
    return parsed.iso if parsed else None


def group_rows(ctx: Context, header: list[str], rows: Iterable[Iterable[object]],
               first_row: int = 2) -> list[Group]:
    """Rows grouped by the number of their reference, in order of first appearance."""
    groups: dict[str, Group] = {}
    width = len(header)
    for number, raw in enumerate(rows, start=first_row):
        values = list(raw)
        if not any(cell_text(v) for v in values):
            continue
        row = {h: v for h, v in zip(header, values[:width], strict=False) if h}
        reference = cell_text(row.get("reference"))
        m = _REFERENCE.match(reference or "")
        if m is None:
            ctx.warn(f"row {number}", f"reference {reference!r} is not a DFAT reference; "
                     "row skipped")
            continue
        groups.setdefault(m.group(1), Group(m.group(1))).rows.append(row)
    if not groups:
        raise ctx.fail("holds no rows under its header: zero records")
    return list(groups.values())


def _name_type(row: Mapping[str, object]) -> str:
    return (cell_text(row.get("name_type")) or "").lower()


def _is_primary(row: Mapping[str, object]) -> bool:
    return _name_type(row).startswith("primary")


def schema_of(ctx: Context, group: Group) -> str:
    """The schema the primary row's Type names (any row's when the primary has none)."""
    ordered = sorted(group.rows, key=lambda r: not _is_primary(r))
    for row in ordered:
        kind = (cell_text(row.get("type")) or "").lower()
        if kind in _SCHEMATA:
            return _SCHEMATA[kind]
    kinds = {cell_text(r.get("type")) for r in group.rows}
    ctx.warn(group.reference, f"type {sorted(k or '' for k in kinds)} unknown; read as LegalEntity")
    return "LegalEntity"


def enumerated(text: str | None) -> list[str]:
    """"a) X b) Y" -> ["X", "Y"]; text without enumeration is one item."""
    if text is None:
        return []
    return [p.strip(" ;,") for p in _ENUM.split(text) if p.strip(" ;,")]


@dataclass
class BirthDates:
    """What a DOB cell says: readable dates, dates read only as years, and the rest."""

    dates: list[str] = field(default_factory=list)
    years_only: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def _fix_date_text(text: str) -> str:
    """Typing slips: "21. Jul 1997", "24 Jan.1973", "19-Dec-1992", "09/11/ 1954", "03/1965"."""
    item = re.sub(r"^(?:born|DOB)\b\s*:?\s*", "", text.strip(" ,;.()"), flags=re.IGNORECASE)
    item = re.sub(r"\s*/\s*", "/", item)
    item = re.sub(r"^(\d{1,2})\.\s+(?=[A-Za-z])", r"\1 ", item)
    item = re.sub(r"(?<=[A-Za-z])\.(?=\d)", ". ", item)
    item = re.sub(r"^(\d{1,2})-([A-Za-z]{3,9})-(\d{4})$", r"\1 \2 \3", item)
    return re.sub(r"^(\d{1,2})/(\d{4})$", r"\2-\1", item)


def _years(text: str) -> str | None:
    """The year, or year range, in a date too irregular to read otherwise."""
    years = sorted(set(_YEARS.findall(text)))
    if len(years) == 1:
        return years[0]
    if len(years) == 2:
        return f"{years[0]}-{years[1]}"
    return None


def birth_items(value: object) -> BirthDates:
    """The birth dates in a DOB cell: enumerations, "; ", " or ", ">>", "alt DOB:", remarks."""
    found = BirthDates()
    if isinstance(value, (datetime, date)):
        found.dates.append(cell_text(value) or "")
        return found
    text = cell_text(value)
    if text is None:
        return found
    if re.fullmatch(r"\d{5}", text):
        found.dates.append(excel_serial_date(text) or text)
        return found
    text = re.sub(r"\(([^)]*)\)?", r";\1;", text)
    for item in enumerated(text):
        if parse_birth_date(item) is not None:
            found.dates.append(item)
            continue
        for part in _DOB_SPLIT.split(item):
            fixed = _fix_date_text(part or "")
            if not fixed:
                continue
            if parse_birth_date(fixed) is not None:
                found.dates.append(fixed)
            elif _years(fixed):
                found.years_only.append((fixed, _years(fixed) or ""))
            elif re.search(r"\d", fixed):
                found.unreadable.append(fixed)
    return found


def country_items(value: object) -> list[str]:
    """Citizenships in a cell: "Russian and Ukrainian", "German, Moroccan", "Possibly X"."""
    text = cell_text(value)
    if text is None:
        return []
    out: list[str] = []
    for item in enumerated(text):
        for part in _COUNTRY_SPLIT.split(item):
            part = _POSSIBLY.sub("", part.strip(" .()"))
            if part and part.lower() not in _EMPTY:
                out.append(_COUNTRY_FIXES.get(part.lower(), part))
    return out


def listing_date(value: object) -> str | None:
    """The first listing date in the Listing Information cell (a date cell, or the text)."""
    direct = cell_date(value)
    if direct:
        return direct
    text = cell_text(value)
    if text is None:
        return None
    m = _LISTED_ON.search(text)
    if m is None:
        return None
    parsed = parse_date(m.group(1).replace(",", ""), "dmy")
    return parsed.iso if parsed else None


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def _add_names(ctx: Context, target: EntityProxy, group: Group) -> None:
    primary_seen = False
    for row in sorted(group.rows, key=lambda r: not _is_primary(r)):
        name = cell_text(row.get("name_of_individual_or_entity"))
        kind = _name_type(row)
        prop = _NAME_PROPS.get(kind)
        if prop is None:
            prop = "name" if kind.startswith("primary") else "alias"
            if not kind.startswith("primary"):
                ctx.warn(group.reference, f"name type {kind!r} unknown; {name!r} kept as alias")
        if prop == "name":
            if primary_seen:
                ctx.warn(group.reference, f"a second primary name {name!r}; kept as alias")
                prop = "alias"
            primary_seen = True
        if prop == "alias" and (cell_text(row.get("alias_strength")) or "").lower() == "weak":
            prop = "weakAlias"
        if name and prop != "name" and _FORMERLY.search(name):
            name, prop = _FORMERLY.sub("", name), "previousName"
        add_name(ctx, target, name, group.reference, prop)
    if not primary_seen and group.rows:
        ctx.warn(group.reference, "has no primary name row; its first name is used")
        first = cell_text(group.rows[0].get("name_of_individual_or_entity"))
        add_name(ctx, target, first, group.reference)


def _add_person_details(ctx: Context, target: EntityProxy, group: Group) -> None:
    ref = group.reference
    seen: set[str] = set()
    for row in group.rows:
        raw = cell_text(row.get("date_of_birth"))
        if raw is None or raw in seen:
            continue
        seen.add(raw)
        found = birth_items(row.get("date_of_birth"))
        for value in _unique(found.dates):
            add_birth_date(ctx, target, value, ref)
        for text, years in found.years_only:
            ctx.warn(ref, f"birthDate {text!r} read as the year(s) {years}")
            add_birth_date(ctx, target, years, ref)
        if found.unreadable or found.years_only:
            add_value(ctx, target, "notes", f"Date of birth: {raw}", ref)
        if found.unreadable:
            ctx.warn(ref, f"birthDate {', '.join(map(repr, found.unreadable))} in {raw!r} "
                     "is not a date; kept in notes")
    places = (cell_text(r.get("place_of_birth")) for r in group.rows)
    for value in _unique(i for text in places for i in enumerated(text)):
        add_value(ctx, target, "birthPlace", value, ref)
    for value in _unique(i for r in group.rows for i in country_items(r.get("citizenship"))):
        add_country(ctx, target, "citizenship", value, ref)


def _add_notes(ctx: Context, target: EntityProxy, group: Group) -> list[EntityProxy]:
    """Notes from Additional Information, and what it states plainly: ids, gender, titles."""
    ref = group.reference
    extra: list[EntityProxy] = []
    for note in _unique(cell_text(r.get("additional_information")) for r in group.rows):
        add_value(ctx, target, "notes", note, ref)
        if target.schema.is_a("Person"):
            for m in _GENDER.finditer(note):
                target.add("gender", m.group(1).lower(), quiet=True)
            for m in _TITLE.finditer(note):
                for title in enumerated(m.group(1)):
                    add_value(ctx, target, "title", title, ref)
            for m in _DESIGNATION.finditer(note):
                for position in enumerated(m.group(1)):
                    add_value(ctx, target, "position", position, ref)
        for kind, pattern in (("passport", _PASSPORT), ("national_id", _NATIONAL_ID)):
            if not target.schema.is_a("Person"):
                continue
            for m in pattern.finditer(note):
                named = [g for g in m.groups()[:1] + m.groups()[2:] if g and country_code(g)]
                country = named[0] if named else None
                ident = make_identification(ctx, target, kind, m.group(2), ref, country=country)
                if ident is not None:
                    extra.append(ident)
        if has_prop(target, "imoNumber"):
            for m in _IMO.finditer(note):
                ident = make_identification(ctx, target, "imo", m.group(1), ref,
                                            type_label="IMO number")
                if ident is not None:
                    extra.append(ident)
    for row in group.rows:
        imo = cell_text(row.get("imo_number"))
        if imo and has_prop(target, "imoNumber"):
            ident = make_identification(ctx, target, "imo", imo, ref, type_label="IMO number")
            if ident is not None:
                extra.append(ident)
    return extra


def _addresses(ctx: Context, target: EntityProxy, group: Group) -> list[EntityProxy]:
    out: list[EntityProxy] = []
    texts = (cell_text(r.get("address")) for r in group.rows)
    for text in _unique(i for t in texts for i in enumerated(t)):
        for part in _unique(p.strip(" ,") for p in re.split(r";|_x000D_", text)):
            if part.lower() in _EMPTY or not re.search(r"\w", part):
                continue
            addr = make_address(ctx, target, group.reference, full=part)
            if addr is not None:
                out.append(addr)
    return out


def _sanction(ctx: Context, target: EntityProxy, group: Group) -> EntityProxy:
    ref = group.reference
    rows = sorted(group.rows, key=lambda r: not _is_primary(r))
    programs = _unique(cell_text(r.get("committees")) for r in rows)
    listed = next((d for d in (listing_date(r.get("listing_information")) for r in rows) if d),
                  None)
    controls = [d for d in (cell_date(r.get("control_date")) for r in rows) if d]
    sanction = make_sanction(ctx, target, ref, authority=AUTHORITY, programs=programs,
                             listing_date=listed, modified=max(controls) if controls else None,
                             authority_id=ref, order="dmy")
    summaries = [cell_text(r.get("listing_information")) for r in rows]
    summaries += [cell_text(r.get("instrument_of_designation")) for r in rows]
    for text in _unique(summaries):
        if cell_date(text) is None:
            add_value(ctx, sanction, "summary", text, ref)
    for column, label in PROVISIONS.items():
        if any((cell_text(r.get(column)) or "").lower() in {"true", "yes", "y", "1", "x"}
               for r in rows):
            sanction.add("provisions", label)
    return sanction


def build(ctx: Context, group: Group) -> list[EntityProxy]:
    """The target, its Sanction, addresses and identifiers for one reference number."""
    schema = schema_of(ctx, group)
    target = ctx.make(schema)
    target.id = ctx.make_id(group.reference)
    _add_names(ctx, target, group)
    if target.schema.is_a("Person"):
        _add_person_details(ctx, target, group)
    else:
        for value in _unique(i for r in group.rows for i in country_items(r.get("citizenship"))):
            add_country(ctx, target, "country", value, group.reference)
    extra = _add_notes(ctx, target, group)
    extra.extend(_addresses(ctx, target, group))
    mark_target(target)
    return [target, _sanction(ctx, target, group), *extra]


def parse_rows(ctx: Context, rows: Iterator[Iterable[object]]) -> Iterator[EntityProxy]:
    """Shared by the workbook and the CSV: header, grouping, list date, entities."""
    number, found = read_header(rows)
    header = check_header(ctx, found)
    groups = group_rows(ctx, header, rows, first_row=number + 1)
    controls = [cell_date(r.get("control_date")) for g in groups for r in g.rows]
    ctx.published = max((c for c in controls if c), default=None)
    for group in in_turn(groups):
        yield from build(ctx, group)


def _looks_like_header(values: Iterable[object]) -> bool:
    slugs = {slug(v) for v in values}
    return {"reference", "name_of_individual_or_entity", "name_type"} <= slugs


def sniff_xlsx(path: Path, head: bytes) -> Sniff | None:
    """A workbook whose first sheet has the DFAT header (Reference, Name of Individual...);
    one too large to open is told by its first strings, so reading it names the limit."""
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                return None
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                return None
        try:
            for row in sheet_rows(path, limit=HEADER_SEARCH_ROWS):
                if _looks_like_header(row):
                    return Sniff(format=XLSX_FORMAT, source=SOURCE)
        except WorkbookTooLarge:
            if _looks_like_header(first_strings(path)):
                return Sniff(format=XLSX_FORMAT, source=SOURCE)
    except Exception:  # a sniffer must never raise on junk
        return None
    return None


def sniff_csv(path: Path, head: bytes) -> Sniff | None:
    """A CSV whose header row (within the first lines) is the DFAT header."""
    if head.startswith(b"PK\x03\x04") or is_html(head):
        return None
    text = head_text(head)
    if "Reference" not in text[:8192] and "reference" not in text[:8192]:
        return None
    try:
        lines = text.splitlines(keepends=True)[:HEADER_SEARCH_ROWS]
        for row in csv.reader(io.StringIO("".join(lines))):
            if _looks_like_header(row):
                return Sniff(format=CSV_FORMAT, source=SOURCE)
    except csv.Error:
        return None
    return None


def parse_xlsx(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """The workbook (openpyxl, read-only, cached values) read row by row."""
    yield from parse_rows(ctx, workbook_rows(ctx, files["main"]))


def parse_csv(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """The sheet saved as CSV (UTF-8, or Windows-1252 with a warning)."""
    path = files["main"]
    text, note = decode_text(path.read_bytes(), ctx.file)
    if note:
        ctx.warn("file", note)
    try:
        yield from parse_rows(ctx, iter(csv.reader(metered_text(text, path, newline=""))))
    except csv.Error as exc:
        raise ctx.fail(f"is malformed CSV: {exc}") from exc


FORMATS = [
    Format(name=XLSX_FORMAT, sniff=sniff_xlsx, parse=parse_xlsx, passes=2),
    Format(name=CSV_FORMAT, sniff=sniff_csv, parse=parse_csv, passes=2),
]
