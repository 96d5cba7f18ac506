"""The entities of one EU designation: an `EuRecord` (from any FSF format) built into its
target, its Sanction and its Identification, Passport and Address entities.

The EU marks no primary name: the strong name with the lowest logical id (the oldest) is
taken as `name`, other strong names are `alias`, weak ones (`strong="false"`, or a "low
quality" remark) are `weakAlias`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from followthemoney import EntityProxy
from followthemoney.types import registry

from watchlist.normalize.countries import country_code
from watchlist.normalize.dates import iso_date
from watchlist.sources.base import MAX_NAME_LENGTH, Context
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
from watchlist.sources.eu_fsf_record import (
    EuAddress,
    EuBirth,
    EuIdent,
    EuName,
    EuRecord,
    join_parts,
)

SOURCE = "eu_fsf"
AUTHORITY = "European Union"

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
#: A `?` standing for a letter the file's encoding could not hold (`Organiza?ia`, `????`).
_LOST_CHARS = re.compile(r"\w\?|\?\w|\?\?")
_QUALITY_REMARK = re.compile(r"^\s*(?:good|low)\s+quality\s+ali+as\s*$", re.IGNORECASE)


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
    add_value(ctx, target, "birthPlace", join_parts(birth.city, birth.place, birth.region), ref)
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
        add_value(ctx, made, "authority", join_parts(ident.issued_by, ident.region), ref)
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
    full = join_parts(addr.street, po_box, addr.city, addr.zip_code, addr.region, addr.place, desc)
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
