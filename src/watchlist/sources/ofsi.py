"""OFSI Consolidated List of Financial Sanctions Targets ("ConList"), as CSV or XLSX.

The list closed on 28 January 2026 (the FCDO UK Sanctions List replaced it), but old
snapshots still matter. Each row is one *name*; the rows sharing a `Group ID` are one
designated party, which becomes one target. A first line `Last Updated,dd/mm/yyyy`
precedes the header. Two layouts exist: the 2018 one (29 columns) and the 2022 one
(36 columns: non-Latin names, passport / national id numbers, alias quality, UK
designation date), whose "Other Information" packs labelled fields such as
`(UK Statement of Reasons):...` or `(IMO number):...`. The CSV may be gzip-compressed.
"""

from __future__ import annotations

import csv
import gzip
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import EntityProxy

from watchlist.normalize.dates import excel_serial_date, iso_date
from watchlist.sources.base import Context, Format, Sniff
from watchlist.sources.entities import (
    add_birth_date,
    add_date,
    add_name,
    add_value,
    clean,
    has_prop,
    make_address,
    make_identification,
    make_sanction,
    make_target,
)
from watchlist.sources.files import HEAD_SIZE, decode_text, head_text, is_html
from watchlist.sources.meter import in_turn, metered_text
from watchlist.sources.uk_helpers import (
    SCHEMATA,
    add_countries,
    add_or_note,
    identifications,
    name_prop,
    person_name_parts,
    registrations,
    split_enumerated,
    split_un_reference,
    un_reference_in,
    whole_name,
)
from watchlist.sources.xlsx import cell_value, first_strings, workbook_rows

SOURCE = "gb_hmt_sanctions"
AUTHORITY = "HM Treasury, Office of Financial Sanctions Implementation (OFSI)"
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
#: Largest (uncompressed) CSV accepted; the real list is about 15 MB.
MAX_BYTES = 512 * 1024 * 1024

NAME_COLUMNS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")
ADDRESS_COLUMNS = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6")
_COMMON = (
    *NAME_COLUMNS, "Title", "DOB", "Town of Birth", "Country of Birth", "Nationality",
    "Passport Details", "Position", *ADDRESS_COLUMNS, "Post/Zip Code", "Country",
    "Other Information", "Group Type", "Alias Type", "Regime", "Listed On", "Last Updated",
    "Group ID",
)
#: The columns of each ConList layout (order does not matter, names do).
LAYOUTS: dict[str, tuple[str, ...]] = {
    "2018": (*_COMMON, "NI Number"),
    "2022": (
        *_COMMON, "Name Non-Latin Script", "Non-Latin Script Type", "Non-Latin Script Language",
        "Passport Number", "National Identification Number", "National Identification Details",
        "Alias Quality", "UK Sanctions List Date Designated",
    ),
}
DATE_COLUMNS = {"DOB", "Listed On", "Last Updated", "UK Sanctions List Date Designated"}
_MARKERS = {"Name 6", "Name 1", "Group ID", "Group Type", "Alias Type", "Regime", "Listed On",
            "Other Information"}

#: Labels inside "Other Information" (2022 layout) -> how each value is read.
LABELS: dict[str, str] = {
    "uk sanctions list ref": "uk_ref",
    "uk statement of reasons": "reason",
    "un ref": "un_ref",
    "gender": "gender",
    "phone number": "phone",
    "telephone": "phone",
    "tel": "phone",
    "fax": "phone",
    "email address": "contact",
    "website": "contact",
    "type of entity": "legal_form",
    "business reg no": "registration",
    "imo number": "imo",
    "flag of ship": "flag",
    "previous flags": "past_flags",
    "type of ship": "ship_type",
    "tonnage of ship": "tonnage",
    "year built": "build_date",
    "parent company": "note",
    "subsidiaries": "note",
    "current owners": "note",
    "previous owners": "note",
    "length of ship": "note",
}
_LABEL_SPLIT = re.compile(
    r"\((" + "|".join(re.escape(k) for k in sorted(LABELS, key=len, reverse=True)) + r")\)\s*:",
    re.IGNORECASE,
)
_UK_REFS = re.compile(
    r"\s*((?:[A-Z]{2,4}\d{3,5})(?:\s*(?:,|and|&|/)\s*[A-Z]{2,4}\d{3,5})*)\.?\s*(.*)$", re.S
)
_IMO_IN_TEXT = re.compile(r"\bIMO(?:\s*(?:number|no\.?))?\s*[:.]?\s*(\d{7})\b", re.IGNORECASE)


# ---------------------------------------------------------------------------- sniffing


def _is_header(cells: Iterable[object]) -> bool:
    """True when a row carries most of the ConList's own column names."""
    names = {c.strip() for c in cells if isinstance(c, str)}
    return len(_MARKERS & names) >= 5


def sniff_csv(path: Path, head: bytes) -> Sniff | None:
    """A ConList CSV (plain or gzip): a header row with the ConList columns near the top."""
    data = head
    if head.startswith(GZIP_MAGIC):
        try:
            data = zlib.decompressobj(wbits=31).decompress(head, HEAD_SIZE)
        except zlib.error:
            return None
    if data.startswith(ZIP_MAGIC) or b"\x00" in data[:1024]:
        return None
    for line in head_text(data).splitlines()[:4]:
        try:
            cells = next(csv.reader([line]))
        except (csv.Error, StopIteration):
            continue
        if _is_header(cells):
            return Sniff("ofsi_csv", SOURCE)
    return None


def sniff_xlsx(path: Path, head: bytes) -> Sniff | None:
    """A ConList workbook: its first strings (shared or inline) are the ConList header."""
    if not head.startswith(ZIP_MAGIC):
        return None
    try:
        cells = first_strings(path)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError,
            zlib.error, EOFError, ValueError):
        return None
    return Sniff("ofsi_xlsx", SOURCE) if _is_header(cells) else None


# ---------------------------------------------------------------------------- reading rows


def _read_bytes(ctx: Context, path: Path) -> bytes:
    """The whole file, decompressed when gzip; refuses damaged or oversized files."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    try:
        if compressed:
            with gzip.open(path, "rb") as gz:
                data = gz.read(MAX_BYTES + 1)
        else:
            data = path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        kind = "gzip file" if compressed else "file"
        raise ctx.fail(f"is a damaged or truncated {kind} ({exc})") from exc
    if len(data) > MAX_BYTES:
        raise ctx.fail(f"is larger than {MAX_BYTES // 2**20} MiB uncompressed; refused")
    if not data.strip():
        raise ctx.fail("is empty")
    if is_html(data[:HEAD_SIZE]):
        raise ctx.fail("is an HTML page, not a list (an error page served in its place?)")
    return data


def _csv_rows(ctx: Context, path: Path) -> Iterator[list[str | None]]:
    """The rows of a ConList CSV, decoded (UTF-8, or Windows-1252 for old files)."""
    text, note = decode_text(_read_bytes(ctx, path), ctx.file)
    if note:
        ctx.warn("(file)", note)
    reader = csv.reader(metered_text(text, path, newline=""), strict=True)
    try:
        for row in reader:
            yield list(row)
    except csv.Error as exc:
        raise ctx.fail(f"is malformed CSV at line {reader.line_num} ({exc}); truncated?") from exc


def _xlsx_rows(ctx: Context, path: Path) -> Iterator[list[str | None]]:
    """The rows of the first worksheet, every cell as text."""
    for row in workbook_rows(ctx, path):
        yield [cell_value(v) for v in row]


# ---------------------------------------------------------------------------- header


def _check_header(ctx: Context, header: list[str]) -> tuple[str, dict[str, int]]:
    """The layout and column positions; a missing column rejects the file, naming it."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        if name and name not in index:
            index[name] = i
    layout, columns = min(LAYOUTS.items(),
                          key=lambda kv: sum(1 for c in kv[1] if c not in index))
    missing = [c for c in columns if c not in index]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise ctx.fail(f"header row lacks column(s) {names} of the {layout} ConList layout; "
                       "the publisher changed the format")
    extra = [n for n in index if n not in columns and n.lower() not in LABELS]
    if extra:
        ctx.warn("(header)", f"unknown column(s) {', '.join(map(repr, extra))} ignored")
    return layout, index


def _date_value(text: str | None) -> str | None:
    """A date cell as the date parser expects it: Excel serials and mm/yyyy made explicit."""
    if text is None:
        return None
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):
        return excel_serial_date(text) or text
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if m:
        return f"00/{m.group(1)}/{m.group(2)}"
    return text


def _read_records(ctx: Context, rows: Iterator[list[str | None]], ragged: bool = False
                  ) -> tuple[str, dict[str, list[dict[str, str | None]]]]:
    """The layout and the name rows grouped by Group ID, in file order.

    A CSV whose last row is short was cut off; a worksheet (`ragged`) may simply omit
    trailing empty cells, so there short rows are padded silently.
    """
    header: list[str] | None = None
    numbered = enumerate(rows, start=1)
    for _line, row in numbered:
        cells = [clean(c) or "" for c in row]
        if not any(cells):
            continue
        if cells[0].lower().rstrip(":") == "last updated":
            stamp = next((c for c in cells[1:] if c), None)
            published = iso_date(_date_value(stamp))
            if published:
                ctx.published = published
            else:
                ctx.warn("(file)", f"Last Updated {stamp!r} is not a date")
            continue
        header = [(c or "").strip() for c in row]
        break
    if header is None or not _is_header(header):
        raise ctx.fail("has no ConList header row (with columns such as 'Name 6', 'Group ID', "
                       "'Regime'); not a ConList file")
    layout, index = _check_header(ctx, header)
    width = max(index.values()) + 1
    groups: dict[str, list[dict[str, str | None]]] = {}
    cells = _Cleaner()
    previous: tuple[int, list[str | None]] | None = None
    for line, row in numbered:
        if previous is not None:
            _add_row(ctx, groups, index, width, cells, *previous)
        previous = (line, [*row, *[None] * (width - len(row))] if ragged else row)
    if previous is not None:
        line, row = previous
        if len(row) < width and any(cells.cell(c) for c in row):
            raise ctx.fail(f"last row ({line}) has {len(row)} of {width} columns; truncated file")
        _add_row(ctx, groups, index, width, cells, line, row)
    if not groups:
        raise ctx.fail("holds no records (no row with a Group ID)")
    return layout, groups


class _Cleaner(dict[str, "str | None"]):
    """Cells cleaned once per file: the ConList repeats a group's cells on every name row."""

    def __missing__(self, value: str) -> str | None:
        self[value] = cleaned = clean(value)
        return cleaned

    def cell(self, value: str | None) -> str | None:
        return self[value] if value else None


def _add_row(ctx: Context, groups: dict[str, list[dict[str, str | None]]],
             index: dict[str, int], width: int, cells: _Cleaner, line: int,
             row: list[str | None]) -> None:
    """File one name row under its Group ID."""
    if not any(cells.cell(c) for c in row):
        return
    if len(row) < width:
        ctx.warn(f"row {line}", f"has {len(row)} of {width} columns; missing cells read as empty")
    record = {col: cells.cell(row[i]) if i < len(row) else None for col, i in index.items()}
    gid = record.get("Group ID")
    if gid is None:
        ctx.warn(f"row {line}", "has no Group ID; skipped")
        return
    gid = re.sub(r"\.0+$", "", gid)
    groups.setdefault(gid, []).append(record)


# ---------------------------------------------------------------------------- entities


@dataclass
class _Remarks:
    """What "Other Information" says besides free text."""

    reason: list[str] = field(default_factory=list)
    un_ref: str | None = None
    uk_refs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _distinct(records: list[dict[str, str | None]], column: str) -> list[str]:
    """The different non-empty values of a column across a group's rows, in order."""
    seen: list[str] = []
    for rec in records:
        value = rec.get(column)
        if value and value not in seen:
            seen.append(value)
    return seen


def _first(records: list[dict[str, str | None]], column: str) -> str | None:
    values = _distinct(records, column)
    return values[0] if values else None


def _add_names(ctx: Context, target: EntityProxy, gid: str,
               records: list[dict[str, str | None]]) -> None:
    """Every name row of the group: primary names, variations, aliases, former names."""
    unknown: set[str] = set()
    for rec in records:
        parts = [rec.get(c) for c in NAME_COLUMNS]
        full = whole_name(parts)
        prop = name_prop(rec.get("Alias Type"), rec.get("Alias Quality"))
        if prop is None:
            unknown.add(rec.get("Alias Type") or "")
            prop = "alias"
        if full and add_name(ctx, target, full, gid, prop) and prop == "name":
            person_name_parts(ctx, target, parts, gid)
        add_name(ctx, target, rec.get("Name Non-Latin Script"), gid, "alias")
        if has_prop(target, "title"):
            for title in split_enumerated(rec.get("Title")):
                add_value(ctx, target, "title", title, gid)
    for name_type in sorted(unknown):
        ctx.warn(gid, f"name type {name_type!r} unknown; read as an alias")
    if not target.get("name"):
        for rec in records:
            parts = [rec.get(c) for c in NAME_COLUMNS]
            if add_name(ctx, target, whole_name(parts), gid, "name"):
                person_name_parts(ctx, target, parts, gid)
                break


def _add_person(ctx: Context, target: EntityProxy, gid: str, layout: str,
                records: list[dict[str, str | None]]) -> list[EntityProxy]:
    """Birth, nationality, position and identity documents of an individual."""
    for dob in _distinct(records, "DOB"):
        add_birth_date(ctx, target, _date_value(dob), gid)
    towns = _distinct(records, "Town of Birth")
    countries = _distinct(records, "Country of Birth")
    single = len(towns) == 1 and len(countries) == 1
    if single and split_enumerated(towns[0]) == towns == [towns[0]] \
            and split_enumerated(countries[0]) == countries:
        add_value(ctx, target, "birthPlace", f"{towns[0]}, {countries[0]}", gid)
    else:
        for town in towns:
            for item in split_enumerated(town):
                add_value(ctx, target, "birthPlace", item, gid)
    for country in countries:
        add_countries(ctx, target, "birthCountry", country, gid)
    for nationality in _distinct(records, "Nationality"):
        add_countries(ctx, target, "nationality", nationality, gid)
    for position in _distinct(records, "Position"):
        for item in split_enumerated(position):
            add_value(ctx, target, "position", item, gid)
    helpers = identifications(ctx, target, "passport", _first(records, "Passport Number"),
                              _first(records, "Passport Details"), gid)
    if layout == "2018":
        helpers += identifications(ctx, target, "national_id", None,
                                   _first(records, "NI Number"), gid)
    else:
        helpers += identifications(ctx, target, "national_id",
                                   _first(records, "National Identification Number"),
                                   _first(records, "National Identification Details"), gid)
    return helpers


def _add_addresses(ctx: Context, target: EntityProxy, gid: str,
                   records: list[dict[str, str | None]]) -> list[EntityProxy]:
    """One Address per distinct set of address cells; a bare country goes on the target."""
    seen: set[tuple[str | None, ...]] = set()
    found: list[EntityProxy] = []
    for rec in records:
        lines = [rec.get(c) for c in ADDRESS_COLUMNS]
        postal, country = rec.get("Post/Zip Code"), rec.get("Country")
        key = (*lines, postal, country)
        if key in seen:
            continue
        seen.add(key)
        codes = add_countries(ctx, target, "country", country, gid)
        if not any(lines) and not postal:
            continue
        street = ", ".join(x for x in lines[:5] if x) or None
        full = ", ".join(x for x in (*lines, postal, country) if x)
        address = make_address(ctx, target, gid, full=full, street=street, city=lines[5],
                               postal_code=postal, country=codes[0] if codes else None)
        if address is not None:
            found.append(address)
    return found


def _apply_label(ctx: Context, target: EntityProxy, gid: str, label: str, value: str,
                 remarks: _Remarks) -> list[EntityProxy]:
    """Read one labelled part of "Other Information" into the target."""
    kind = LABELS[label.lower()]
    if kind == "uk_ref":
        m = _UK_REFS.match(value)
        if m:
            remarks.uk_refs.extend(re.findall(r"[A-Z]{2,4}\d{3,5}", m.group(1)))
            if m.group(2).strip():
                remarks.notes.append(m.group(2).strip())
        else:
            remarks.notes.append(f"{label}: {value}")
    elif kind == "reason":
        remarks.reason.append(value)
    elif kind == "un_ref":
        ref, rest = split_un_reference(value)
        remarks.un_ref = remarks.un_ref or ref
        if rest:
            remarks.notes.append(rest if ref else f"{label}: {rest}")
    elif kind == "gender":
        add_or_note(ctx, target, "gender", value.lower(), gid, label)
    elif kind == "phone":
        for item in split_enumerated(value):
            for piece in re.split(r";|,|\.\s+", item):
                add_or_note(ctx, target, "phone", piece.strip(" ."), gid, label)
    elif kind == "contact":
        for item in split_enumerated(value):
            for token in re.split(r"[\s;,]+", item):
                token = token.strip(" .()")
                prop = "email" if "@" in token else "website"
                if token and (prop == "email" or re.search(r"[A-Za-z]\.[A-Za-z]", token)):
                    add_or_note(ctx, target, prop, token, gid, label)
                elif token:
                    remarks.notes.append(f"{label}: {item}")
                    break
    elif kind == "legal_form":
        add_or_note(ctx, target, "legalForm", value, gid, label)
    elif kind == "registration":
        return registrations(ctx, target, value, gid)
    elif kind == "imo":
        numbers = re.findall(r"\b\d{7}\b", value)
        if not numbers:
            remarks.notes.append(f"{label}: {value}")
        idents = [make_identification(ctx, target, "imo", n, gid, type_label="IMO number")
                  for n in numbers]
        return [i for i in idents if i is not None]
    elif kind in {"flag", "past_flags"} and has_prop(target, "flag"):
        add_countries(ctx, target, "flag" if kind == "flag" else "pastFlags", value, gid)
    elif kind == "ship_type":
        add_or_note(ctx, target, "type", value, gid, label)
    elif kind == "tonnage":
        add_or_note(ctx, target, "tonnage", value, gid, label)
    elif kind == "build_date" and has_prop(target, "buildDate"):
        add_date(ctx, target, "buildDate", value, gid)
    else:
        remarks.notes.append(f"{label}: {value}")
    return []


def _read_remarks(ctx: Context, target: EntityProxy, gid: str,
                  records: list[dict[str, str | None]]) -> tuple[_Remarks, list[EntityProxy]]:
    """Split "Other Information" (and any labelled extra columns) into properties and notes."""
    remarks = _Remarks()
    helpers: list[EntityProxy] = []
    for text in _distinct(records, "Other Information"):
        parts = _LABEL_SPLIT.split(text)
        if parts[0].strip():
            remarks.notes.append(parts[0].strip())
        for label, value in zip(parts[1::2], parts[2::2], strict=True):
            if value.strip():
                helpers += _apply_label(ctx, target, gid, label, value.strip(), remarks)
        if len(parts) == 1:
            remarks.un_ref = remarks.un_ref or un_reference_in(text)
        if not target.get("imoNumber", quiet=True) and has_prop(target, "imoNumber"):
            for number in _IMO_IN_TEXT.findall(text):
                ident = make_identification(ctx, target, "imo", number, gid,
                                            type_label="IMO number")
                if ident is not None:
                    helpers.append(ident)
    for column in records[0]:
        if column.lower() in LABELS and column not in LAYOUTS["2022"]:
            for value in _distinct(records, column):
                helpers += _apply_label(ctx, target, gid, column, value, remarks)
    for note in remarks.notes:
        add_value(ctx, target, "notes", note, gid)
    return remarks, helpers


def _sanctions(ctx: Context, target: EntityProxy, gid: str, remarks: _Remarks,
               records: list[dict[str, str | None]]) -> list[EntityProxy]:
    """One Sanction per regime the group is listed under, with that regime's dates."""
    regimes: dict[str, dict[str, str | None]] = {}
    for rec in records:
        entry = regimes.setdefault(rec.get("Regime") or "", {"listed": None, "designated": None})
        entry["listed"] = entry["listed"] or rec.get("Listed On")
        entry["designated"] = entry["designated"] or rec.get("UK Sanctions List Date Designated")
    modified = _date_value(_first(records, "Last Updated"))
    reason = " ".join(remarks.reason) or None
    found = []
    for regime, dates in regimes.items():
        sanction = make_sanction(
            ctx, target, gid, authority=AUTHORITY, programs=[regime] if regime else [],
            listing_date=_date_value(dates["listed"]), modified=modified, reason=reason,
            authority_id=gid, unsc_id=remarks.un_ref,
            key=f"sanction-{regime}" if regime else "sanction",
        )
        for ref in remarks.uk_refs:
            sanction.add("authorityId", ref)
        add_date(ctx, sanction, "date", _date_value(dates["designated"]), gid)
        sanction.add("country", "gb")
        found.append(sanction)
    return found


def _group_entities(ctx: Context, layout: str, gid: str,
                    records: list[dict[str, str | None]]) -> list[EntityProxy]:
    """The target of one Group ID, its Sanctions and its helper entities."""
    group_type = _first(records, "Group Type")
    target = make_target(ctx, SCHEMATA, group_type, gid, "group type")
    _add_names(ctx, target, gid, records)
    helpers: list[EntityProxy] = []
    if target.schema.name == "Person":
        helpers += _add_person(ctx, target, gid, layout, records)
    helpers += _add_addresses(ctx, target, gid, records)
    remarks, more = _read_remarks(ctx, target, gid, records)
    helpers += more
    sanctions = _sanctions(ctx, target, gid, remarks, records)
    return [target, *sanctions, *helpers]


def parse(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Every designated party of a ConList CSV (plain or gzip) or XLSX file."""
    path = files["main"]
    with open(path, "rb") as fh:
        zipped = fh.read(4) == ZIP_MAGIC
    rows = _xlsx_rows(ctx, path) if zipped else _csv_rows(ctx, path)
    layout, groups = _read_records(ctx, rows, ragged=zipped)
    for gid, records in in_turn(groups.items()):
        yield from _group_entities(ctx, layout, gid, records)


FORMATS = [
    Format(name="ofsi_csv", sniff=sniff_csv, parse=parse, passes=2),
    Format(name="ofsi_xlsx", sniff=sniff_xlsx, parse=parse, passes=2),
]
