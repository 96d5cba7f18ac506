"""EU Financial Sanctions Files (FSF): the XML v1.1 export and the semicolon CSV (v1.0, v1.1).

Every format is first read into an `EuRecord` (one `sanctionEntity` / one CSV entity
logical id) and then built into entities by one function, so the XML and the CSVs give
the same entities for the same designation. The EU marks no primary name: the strong
name with the lowest logical id (the oldest) is taken as `name`, other strong names are
`alias`, weak ones (`strong="false"`, or a "low quality" remark) are `weakAlias`.

CSV quirks handled: v1.0 repeats `Entity_logical_id` in every section and is cp1252;
copies re-saved by a spreadsheet wrap each line in `"` with trailing tabs, and the
inner tabs stand for the commas the re-save removed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import EntityProxy
from followthemoney.types import registry
from lxml import etree

from watchlist.normalise.countries import country_code
from watchlist.normalise.dates import iso_date
from watchlist.sources.base import MAX_NAME_LENGTH, Context, Format, Sniff
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
from watchlist.sources.files import (
    child_text,
    decode_text,
    head_text,
    is_html,
    iter_xml,
    local,
    xml_root_attrs,
    xml_root_tag,
)
from watchlist.sources.meter import metered_text

SOURCE = "eu_fsf"
AUTHORITY = "European Union"
XML_NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"

_SCHEMATA = {"person": "Person", "p": "Person", "enterprise": "Organization", "e": "Organization"}
_GENDERS = {"m": "male", "f": "female", "male": "male", "female": "female"}
_ID_KINDS = {
    "passport": "passport",
    "id": "national_id",
    "tax": "tax",
    "taxid": "tax",
    "fiscalcode": "tax",
    "regnumber": "registration",
    "swiftbic": "swift",
    "imo": "imo",
    "ssn": "ssn",
}
_UNKNOWN_COUNTRY = {"00", "unknown"}
_WEAK_REMARK = re.compile(r"\blow\s+quality\b", re.IGNORECASE)
#: A `?` standing for a letter the file's encoding could not hold (`Organiza?ia`, `????`).
_LOST_CHARS = re.compile(r"\w\?|\?\w|\?\?")
_QUALITY_REMARK = re.compile(r"^\s*(?:good|low)\s+quality\s+ali+as\s*$", re.IGNORECASE)


@dataclass
class EuName:
    """One `nameAlias`: the whole name, its parts and what the EU says about it."""

    whole: str | None = None
    first: str | None = None
    middle: str | None = None
    last: str | None = None
    gender: str | None = None
    title: str | None = None
    function: str | None = None
    strong: bool | None = None
    remark: str | None = None
    logical_id: str | None = None

    @property
    def weak(self) -> bool:
        """A weak alias: flagged `strong="false"` or remarked as low quality."""
        return self.strong is False or bool(self.remark and _WEAK_REMARK.search(self.remark))


@dataclass
class EuBirth:
    """One `birthdate`: a full date, parts, or a year range, and the place of birth."""

    date: str | None = None
    day: str | None = None
    month: str | None = None
    year: str | None = None
    range_from: str | None = None
    range_to: str | None = None
    circa: bool = False
    calendar: str | None = None
    city: str | None = None
    place: str | None = None
    region: str | None = None
    country_iso: str | None = None
    country_desc: str | None = None
    remark: str | None = None
    logical_id: str | None = None


@dataclass
class EuIdent:
    """One `identification`: number, kind, country and the document's status flags."""

    number: str | None = None
    type_code: str | None = None
    type_desc: str | None = None
    country_iso: str | None = None
    country_desc: str | None = None
    issued_by: str | None = None
    issue_date: str | None = None
    valid_to: str | None = None
    latin_number: str | None = None
    region: str | None = None
    remark: str | None = None
    flags: list[str] = field(default_factory=list)
    logical_id: str | None = None


@dataclass
class EuAddress:
    """One `address` of the designated party."""

    street: str | None = None
    po_box: str | None = None
    city: str | None = None
    zip_code: str | None = None
    region: str | None = None
    place: str | None = None
    country_iso: str | None = None
    country_desc: str | None = None
    remarks: list[str] = field(default_factory=list)
    logical_id: str | None = None


@dataclass
class EuRecord:
    """One EU designation (`sanctionEntity`), whatever file format it came from."""

    ref: str
    eu_ref: str | None = None
    un_id: str | None = None
    designation_date: str | None = None
    designation_details: str | None = None
    subject: str | None = None
    remarks: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    regulation_dates: list[str] = field(default_factory=list)
    names: dict[str, EuName] = field(default_factory=dict)
    births: dict[str, EuBirth] = field(default_factory=dict)
    idents: dict[str, EuIdent] = field(default_factory=dict)
    addresses: dict[str, EuAddress] = field(default_factory=dict)
    citizenships: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- building entities


def _truthy(value: object) -> bool:
    """The EU's booleans: "true"/"false" in XML, sometimes 1/0 or yes/no in CSV."""
    return str(value or "").strip().lower() in {"true", "1", "yes", "y"}


def _country(iso: str | None, desc: str | None) -> str | None:
    """The country to record: the ISO code, else the description; None when unknown."""
    for value in (iso, desc):
        text = clean(value)
        if text and text.lower() not in _UNKNOWN_COUNTRY:
            return text
    return None


def _country_name(iso: str | None, desc: str | None) -> str | None:
    """The country as words for address lines: the EU's description, else the code's name."""
    text = clean(desc)
    if text and text.lower() not in _UNKNOWN_COUNTRY:
        return text
    code = country_code(clean(iso))
    return registry.country.caption(code) if code else None


def _join(*parts: str | None) -> str | None:
    """The non-empty parts joined with commas (address and place lines)."""
    kept = [p for p in (clean(x) for x in parts) if p]
    return ", ".join(dict.fromkeys(kept)) or None


def _order_key(item: tuple[int, EuName]) -> tuple[int, int]:
    """Oldest name first: by numeric logical id, then by position in the file."""
    index, name = item
    lid = clean(name.logical_id)
    return (int(lid) if lid and lid.isdigit() else 1 << 62, index)


def _whole(name: EuName) -> str | None:
    """The name as given (whitespace folded), or its parts joined when there is none."""
    return clean(name.whole) or _join_words(name.first, name.middle, name.last)


def _usable(name: EuName) -> bool:
    """A name that can be the primary one: not absurdly long, not lost to '?' marks."""
    whole = _whole(name)
    if not whole or len(whole) > MAX_NAME_LENGTH:
        return False
    return sum(ch.isalnum() for ch in whole) > whole.count("?")


def _add_names(ctx: Context, target: EntityProxy, names: Iterable[EuName], ref: str) -> None:
    """Every name of the record; the oldest strong name is the primary `name`.

    A name given twice (e.g. in two language versions) is kept once, under its strongest
    property; name parts, titles and functions come from the strong names only.
    """
    listed = list(enumerate(names))
    usable = [item for item in listed if _usable(item[1])]
    strong = [item for item in usable if not item[1].weak]
    ranked = sorted(strong or usable, key=_order_key)
    primary = ranked[0][1] if ranked else None
    ordered = [n for _, n in sorted(listed, key=lambda it: (it[1] is not primary,
                                                              it[1].weak, it[0]))]
    seen: set[str] = set()
    lost = dropped = 0
    for name in ordered:
        whole = _whole(name)
        prop = "name" if name is primary else ("weakAlias" if name.weak else "alias")
        if whole and _LOST_CHARS.search(whole):
            lost += 1
            if whole.count("?") >= sum(ch.isalnum() for ch in whole):
                dropped += 1
                continue
        if whole and whole not in seen:
            seen.add(whole)
            add_name(ctx, target, whole, ref, prop)
        if not name.weak or name is primary:
            add_value(ctx, target, "firstName", name.first, ref)
            add_value(ctx, target, "middleName", name.middle, ref)
            add_value(ctx, target, "lastName", name.last, ref)
        add_value(ctx, target, "title", name.title, ref)
        add_value(ctx, target, "position", name.function, ref)
        gender = _GENDERS.get((clean(name.gender) or "").lower())
        if gender:
            add_value(ctx, target, "gender", gender, ref)
        if name.remark and not _QUALITY_REMARK.match(name.remark):
            note = f"{whole}: {name.remark}" if whole else name.remark
            add_value(ctx, target, "notes", note, ref)
    if lost:
        ctx.warn(ref, f"{lost} name(s) have '?' where the file's encoding lost letters; "
                 f"{dropped} left with more '?' than letters were dropped")


def _join_words(*parts: str | None) -> str | None:
    """Name parts joined with spaces, for a `nameAlias` without a whole name."""
    kept = [p for p in (clean(x) for x in parts) if p]
    return " ".join(kept) or None


def _partial_date(year: str | None, month: str | None, day: str | None) -> str | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` from the separate year/month/day attributes."""
    y, m, d = (clean(x) for x in (year, month, day))
    if not y or not y.isdigit():
        return None
    if not m or not m.isdigit() or int(m) == 0:
        return y
    if not d or not d.isdigit() or int(d) == 0:
        return f"{y}-{int(m):02d}"
    return f"{y}-{int(m):02d}-{int(d):02d}"


def _add_birth(ctx: Context, target: EntityProxy, birth: EuBirth, ref: str) -> None:
    """A birth date (exact, partial, range or circa) and the place and country of birth."""
    calendar = (clean(birth.calendar) or "GREGORIAN").upper()
    if calendar != "GREGORIAN":
        given = _partial_date(birth.year, birth.month, birth.day)
        if given:
            note = f"birthDate ({calendar.lower()} calendar): {given}"
            add_value(ctx, target, "notes", note, ref)
        text = clean(birth.date)
    else:
        text = clean(birth.date) or _partial_date(birth.year, birth.month, birth.day)
        if not text and (clean(birth.range_from) or clean(birth.range_to)):
            low = clean(birth.range_from) or clean(birth.range_to)
            high = clean(birth.range_to) or low
            text = low if low == high else f"{low}-{high}"
    if text:
        add_birth_date(ctx, target, f"circa {text}" if birth.circa else text, ref)
    add_value(ctx, target, "birthPlace", _join(birth.city, birth.place, birth.region), ref)
    country = _country(birth.country_iso, birth.country_desc)
    if country and has_prop(target, "birthCountry"):
        add_country(ctx, target, "birthCountry", country, ref)
    if birth.remark:
        add_value(ctx, target, "notes", f"birthDate: {birth.remark}", ref)


def _make_idents(ctx: Context, target: EntityProxy, ident: EuIdent,
                 ref: str) -> Iterator[EntityProxy]:
    """The Identification/Passport entities for one document (and its Latin-script number)."""
    kind = _ID_KINDS.get((clean(ident.type_code) or "").lower(), "other")
    country = _country(ident.country_iso, ident.country_desc)
    note = "; ".join(p for p in [clean(ident.remark), *ident.flags] if p) or None
    label = clean(ident.type_desc) or clean(ident.type_code)
    numbers = [clean(ident.number), clean(ident.latin_number)]
    for number in dict.fromkeys(n for n in numbers if n):
        made = make_identification(ctx, target, kind, number, ref, country=country, note=note,
                                   type_label=label)
        if made is None:
            continue
        add_value(ctx, made, "authority", _join(ident.issued_by, ident.region), ref)
        issued = iso_date(clean(ident.issue_date))
        if issued:
            made.add("startDate", issued)
        expires = iso_date(clean(ident.valid_to))
        if expires:
            made.add("endDate", expires)
        yield made


def _make_address(ctx: Context, target: EntityProxy, addr: EuAddress,
                  ref: str) -> EntityProxy | None:
    """The Address entity for one `address`, its full text as the EU's parts joined."""
    po_box = clean(addr.po_box)
    if po_box and not re.match(r"(?i)^p\.?\s*o\.?\s*box", po_box):
        po_box = f"P.O. Box {po_box}"
    desc = _country_name(addr.country_iso, addr.country_desc)
    full = _join(addr.street, po_box, addr.city, addr.zip_code, addr.region, addr.place, desc)
    made = make_address(ctx, target, ref, full=full, street=addr.street, city=addr.city,
                        region=addr.region, postal_code=addr.zip_code,
                        country=_country(addr.country_iso, addr.country_desc),
                        key=addr.logical_id or full)
    if made is not None:
        add_value(ctx, made, "postOfficeBox", addr.po_box, ref)
        for remark in addr.remarks:
            add_value(ctx, made, "remarks", remark, ref)
    return made


def valid_ref(ctx: Context, ref: str) -> bool:
    """True when the reference can make an id; a reference of punctuation only is warned."""
    try:
        ctx.make_id(ref)
    except ValueError:
        ctx.warn(ref, "reference has no letter or digit to make an id from; record skipped")
        return False
    return True


def build_entities(ctx: Context, rec: EuRecord) -> Iterator[EntityProxy]:
    """The target, its Sanction and helper entities for one EU designation."""
    ref = rec.ref
    schema = _SCHEMATA.get((clean(rec.subject) or "").lower(), "LegalEntity")
    target = ctx.make(schema)
    target.id = ctx.make_id(ref)
    mark_target(target)
    _add_names(ctx, target, rec.names.values(), ref)
    for remark in rec.remarks:
        add_value(ctx, target, "notes", remark, ref)
    for birth in rec.births.values():
        _add_birth(ctx, target, birth, ref)
    prop = "citizenship" if has_prop(target, "citizenship") else "country"
    for iso, desc in rec.citizenships.values():
        country = _country(iso, desc)
        if country:
            add_country(ctx, target, prop, country, ref)
    for phone in rec.phones:
        add_value(ctx, target, "phone", phone, ref)
    helpers: list[EntityProxy] = []
    for ident in rec.idents.values():
        helpers.extend(_make_idents(ctx, target, ident, ref))
    for addr in rec.addresses.values():
        made = _make_address(ctx, target, addr, ref)
        if made is not None:
            helpers.append(made)
    dates = sorted(d for d in (iso_date(x) for x in rec.regulation_dates) if d)
    sanction = make_sanction(
        ctx, target, ref, authority=AUTHORITY,
        programs=dict.fromkeys(p for p in (clean(x) for x in rec.programmes) if p),
        listing_date=rec.designation_date, modified=dates[-1] if dates else None,
        authority_id=clean(rec.eu_ref) or ref, unsc_id=rec.un_id,
    )
    add_value(ctx, sanction, "summary", rec.designation_details, ref)
    for url in dict.fromkeys(u for u in (clean(x) for x in rec.urls) if u):
        add_value(ctx, sanction, "sourceUrl", url, ref)
    yield target
    yield sanction
    yield from helpers


# ---------------------------------------------------------------- XML v1.1


def sniff_xml(path: Path, head: bytes) -> Sniff | None:
    """The FSF XML: an `export` root in the FSF namespace (or with `sanctionEntity`)."""
    if is_html(head) or xml_root_tag(head) != "export":
        return None
    text = head_text(head)[:8192]
    if XML_NAMESPACE in text or "<sanctionEntity" in text:
        return Sniff(format="eu_fsf_xml", source=SOURCE)
    return None


def _remarks(elem: etree._Element) -> list[str]:
    """The texts of an element's `remark` children."""
    found = (clean(c.text) for c in elem if local(c.tag) == "remark")
    return [r for r in found if r]


def _key(logical_id: str | None, index: int) -> str:
    """A dictionary key for a sub-record: its logical id, else its position."""
    return clean(logical_id) or f"#{index}"


def _xml_name(elem: etree._Element) -> EuName:
    """A `nameAlias` element as an EuName."""
    a = elem.attrib
    strong = a.get("strong")
    return EuName(
        whole=a.get("wholeName"), first=a.get("firstName"), middle=a.get("middleName"),
        last=a.get("lastName"), gender=a.get("gender"), title=a.get("title"),
        function=a.get("function"),
        strong=None if strong is None or not strong.strip() else _truthy(strong),
        remark="; ".join(_remarks(elem)) or None, logical_id=a.get("logicalId"),
    )


def _xml_birth(elem: etree._Element) -> EuBirth:
    """A `birthdate` element as an EuBirth."""
    a = elem.attrib
    return EuBirth(
        date=a.get("birthdate"), day=a.get("dayOfMonth"), month=a.get("monthOfYear"),
        year=a.get("year"), range_from=a.get("yearRangeFrom"), range_to=a.get("yearRangeTo"),
        circa=_truthy(a.get("circa")), calendar=a.get("calendarType"), city=a.get("city"),
        place=a.get("place"), region=a.get("region"), country_iso=a.get("countryIso2Code"),
        country_desc=a.get("countryDescription"), remark="; ".join(_remarks(elem)) or None,
        logical_id=a.get("logicalId"),
    )


_FLAGS = (("knownFalse", "known false"), ("knownExpired", "known expired"),
          ("reportedLost", "reported lost"), ("revokedByIssuer", "revoked by issuer"),
          ("diplomatic", "diplomatic"))


def _xml_ident(elem: etree._Element) -> EuIdent:
    """An `identification` element as an EuIdent."""
    a = elem.attrib
    return EuIdent(
        number=a.get("number"), type_code=a.get("identificationTypeCode"),
        type_desc=a.get("identificationTypeDescription"), country_iso=a.get("countryIso2Code"),
        country_desc=a.get("countryDescription"), issued_by=a.get("issuedBy"),
        issue_date=a.get("issueDate") or a.get("validFrom"), valid_to=a.get("validTo"),
        latin_number=a.get("latinNumber"), region=a.get("region"),
        remark="; ".join(_remarks(elem)) or None,
        flags=[label for attr, label in _FLAGS if _truthy(a.get(attr))],
        logical_id=a.get("logicalId"),
    )


def _xml_address(elem: etree._Element) -> EuAddress:
    """An `address` element as an EuAddress (remarks and contact details kept)."""
    a = elem.attrib
    remarks = _remarks(elem)
    for c in elem:
        if local(c.tag) == "contactInfo":
            info = clean(" ".join(v for v in [*c.attrib.values(), c.text or ""] if v))
            if info:
                remarks.append(info)
    return EuAddress(
        street=a.get("street"), po_box=a.get("poBox"), city=a.get("city"),
        zip_code=a.get("zipCode"), region=a.get("region"), place=a.get("place"),
        country_iso=a.get("countryIso2Code"), country_desc=a.get("countryDescription"),
        remarks=remarks, logical_id=a.get("logicalId"),
    )


def record_from_xml(elem: etree._Element) -> EuRecord | None:
    """A `sanctionEntity` element as an EuRecord; None when it has no reference at all."""
    a = elem.attrib
    ref = clean(a.get("logicalId")) or clean(a.get("euReferenceNumber"))
    if ref is None:
        return None
    rec = EuRecord(
        ref=ref, eu_ref=a.get("euReferenceNumber"), un_id=clean(a.get("unitedNationId")),
        designation_date=a.get("designationDate"),
        designation_details=a.get("designationDetails"),
    )
    for index, c in enumerate(elem):
        tag = local(c.tag)
        if tag == "remark":
            if clean(c.text):
                rec.remarks.append(c.text or "")
        elif tag == "regulation":
            rec.programmes.append(c.get("programme") or "")
            rec.regulation_dates.append(c.get("publicationDate") or "")
            rec.urls.append(child_text(c, "publicationUrl") or "")
        elif tag == "subjectType":
            rec.subject = c.get("code") or c.get("classificationCode")
        elif tag == "nameAlias":
            rec.names[_key(c.get("logicalId"), index)] = _xml_name(c)
        elif tag == "birthdate":
            rec.births[_key(c.get("logicalId"), index)] = _xml_birth(c)
        elif tag == "identification":
            rec.idents[_key(c.get("logicalId"), index)] = _xml_ident(c)
        elif tag == "address":
            rec.addresses[_key(c.get("logicalId"), index)] = _xml_address(c)
        elif tag == "citizenship":
            rec.citizenships[_key(c.get("logicalId"), index)] = (
                c.get("countryIso2Code"), c.get("countryDescription"))
    return rec


def parse_xml(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Every `sanctionEntity` of the FSF XML export as entities."""
    path = files["main"]
    root, attrs = xml_root_attrs(path, ctx.file)
    if root != "export":
        raise ctx.fail(f"root element is <{root}>, not the EU FSF <export>")
    published = iso_date(clean(attrs.get("generationDate")))
    if published:
        ctx.published = published
    count = 0
    for elem in iter_xml(path, {"sanctionEntity"}, ctx.file):
        rec = record_from_xml(elem)
        if rec is None:
            ctx.warn(f"#{count + 1}", "sanctionEntity without logicalId or euReferenceNumber; "
                     "skipped")
            continue
        if not valid_ref(ctx, rec.ref):
            continue
        count += 1
        yield from build_entities(ctx, rec)
    if count == 0:
        raise ctx.fail("holds no designated party: no <sanctionEntity> record")


# ---------------------------------------------------------------- CSV v1.0 and v1.1

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
            street=_join(row.get("Addr_number"), row.get("Addr_street")),
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
            strong=None if strong is None else _truthy(strong),
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
            circa=_truthy(row.get("BirthDate_Circa")),
            calendar=row.get("BirthDate_CalendarType"), city=row.get("BirthDate_City"),
            place=row.get("BirthDate_Place"), region=row.get("BirthDate_Region"),
            country_iso=row.get("BirthDate_CountryIso2Code"),
            country_desc=row.get("BirthDate_CountryDescription"),
            remark=row.get("BirthDate_Remark"), logical_id=row.get("BirthDate_LogicalId"))
    if row.get("Identification_Number") or row.get("Identification_LatinNumber"):
        flags = [label for attr, label in _FLAGS
                 if _truthy(row.get("Identification_" + attr[0].upper() + attr[1:]))]
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


FORMATS = [
    Format(name="eu_fsf_xml", sniff=sniff_xml, parse=parse_xml),
    Format(name="eu_fsf_csv", sniff=sniff_csv, parse=parse_csv),
]
