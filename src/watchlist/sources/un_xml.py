"""UN Security Council Consolidated List XML (`CONSOLIDATED_LIST`, scsanctions.un.org).

Each INDIVIDUAL and ENTITY is one designation; REFERENCE_NUMBER (e.g. `QDi.001`) is the
UN's permanent reference and gives the ids. The full name is FIRST_NAME to FOURTH_NAME
joined in order, as the UN prints it. Every name form is kept: the original-script name,
aliases (Good -> alias, Low -> weakAlias, f.k.a. -> previousName), and the variants the
UN packs into one alias (`A; B; C`, `عربي (Latin A; Latin B)`) also one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from followthemoney import EntityProxy
from lxml import etree

from watchlist.normalize.dates import iso_date, parse_birth_date, parse_date
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
from watchlist.sources.files import (
    child_text,
    children,
    is_html,
    iter_xml,
    local,
    text_of,
    xml_root_attrs,
    xml_root_tag,
)

SOURCE = "un_sc_sanctions"
AUTHORITY = "United Nations Security Council"
NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
#: The UN's "not available" placeholder where a country should be.
_NOT_AVAILABLE = {"na", "n/a", "not available"}
_GENDER_COMMENT = re.compile(r"\bgender:\s*(male|female)\b", re.IGNORECASE)
_ENUMERATOR = re.compile(r"\s+[a-z]\)\s+")
_SUB_UNIT = re.compile(r"\s*-\s*sub-unit name\s*$", re.IGNORECASE)
_ORIGINAL_SCRIPT = re.compile(r"\s*\(original script\)\s*$", re.IGNORECASE)


def sniff(path: Path, head: bytes) -> Sniff | None:
    """The UN list: an XML file whose root element is CONSOLIDATED_LIST."""
    if is_html(head) or xml_root_tag(head) != "CONSOLIDATED_LIST":
        return None
    return Sniff(format="un_xml", source=SOURCE)


def values(elem: etree._Element, name: str) -> list[str]:
    """The VALUE texts under every child `name` (NATIONALITY/VALUE, TITLE/VALUE, ...)."""
    found: list[str] = []
    for holder in children(elem, name):
        for value in children(holder, "VALUE"):
            text = text_of(value)
            if text:
                found.append(text)
    return found


def full_name(elem: etree._Element) -> tuple[str | None, list[str]]:
    """The name as the UN prints it (parts joined in order) and the parts themselves."""
    parts = [p for p in (child_text(elem, tag) for tag in NAME_PARTS) if p]
    return (" ".join(parts) or None), parts


def _closing_group(text: str) -> tuple[str, str] | None:
    """Split `outer (inner)` at the parenthesis that closes at the end of the text."""
    if not text.endswith(")"):
        return None
    depth = 0
    for pos in range(len(text) - 1, -1, -1):
        if text[pos] == ")":
            depth += 1
        elif text[pos] == "(":
            depth -= 1
            if depth == 0:
                return text[:pos].strip(), text[pos + 1:-1].strip()
    return None


def _latin(text: str) -> bool:
    """True when the text is written in Latin letters (ASCII or accented)."""
    return any(ch.isalpha() and ord(ch) <= 0x24F for ch in text)


def _other_script(text: str) -> bool:
    """True when the text holds letters of a non-Latin script (Arabic, Cyrillic, ...)."""
    return any(ch.isalpha() and ord(ch) > 0x24F for ch in text)


def _script_pair(outer: str, inner: str) -> bool:
    """`Latin (عربي)` or `عربي (Latin)`: one name given in two scripts."""
    return (_latin(outer) and not _other_script(outer) and _other_script(inner)
            and not _latin(inner)) or (_other_script(outer) and not _latin(outer)
                                       and _latin(inner))


def name_variants(text: str) -> list[str]:
    """The single names packed into one UN name or alias, the text as given first.

    `Azim Adhajani; Azim Agha-Jani` gives both; `حسن غول (Hassan Ghul; Hassan Gul)` gives
    the Arabic and each Latin form; `A; B b) C; D` (an enumerated list) gives A, B, C, D;
    `Ibrahim Asiri (إبراهيم عسيري)` gives each script on its own.
    """
    value = clean(text)
    if value is None:
        return []
    forms = [value]
    group = _closing_group(value)
    if ";" not in value:
        if group and group[0] and _script_pair(*group):
            forms.extend(p for p in (clean(_SUB_UNIT.sub("", g)) for g in group) if p)
        return list(dict.fromkeys(forms))
    if group and ";" in group[1] and group[0]:
        forms.append(group[0])
        chunks = group[1].split(";")
    else:
        chunks = value.split(";")
    for chunk in chunks:
        for piece in _ENUMERATOR.split(chunk):
            piece = clean(_ORIGINAL_SCRIPT.sub("", piece))
            if piece:
                forms.append(piece)
    return list(dict.fromkeys(forms))


def _alias_prop(quality: str | None) -> str:
    """The name property for an alias quality: Low is weak, f.k.a. is a previous name."""
    q = (quality or "").strip().lower()
    if q in {"low", "weak"}:
        return "weakAlias"
    if q.startswith("f.k.a") or q == "fka":
        return "previousName"
    return "alias"


def _add_alias(ctx: Context, target: EntityProxy, elem: etree._Element, ref: str) -> None:
    """One INDIVIDUAL_ALIAS / ENTITY_ALIAS with its own birth date and place, if given."""
    raw = child_text(elem, "ALIAS_NAME")
    prop = _alias_prop(child_text(elem, "QUALITY"))
    for form in name_variants(raw or ""):
        add_name(ctx, target, form, ref, prop)
    for dob in children(elem, "DATE_OF_BIRTH"):
        add_birth_date(ctx, target, text_of(dob), ref)
    city = child_text(elem, "CITY_OF_BIRTH")
    country = child_text(elem, "COUNTRY_OF_BIRTH")
    add_value(ctx, target, "birthPlace", ", ".join(p for p in (city, country) if p), ref)
    if country and country.lower() not in _NOT_AVAILABLE:
        add_country(ctx, target, "birthCountry", country, ref)
    note = child_text(elem, "NOTE")
    if note:
        add_value(ctx, target, "notes", f"{clean(raw) or 'alias'}: {note}", ref)


def _add_birth_date(ctx: Context, target: EntityProxy, elem: etree._Element, ref: str) -> None:
    """One INDIVIDUAL_DATE_OF_BIRTH: EXACT, APPROXIMATELY (circa) or BETWEEN (a range).

    A NOTE that is itself a date (`Nov. 1973`) or completes the year (`Sep.` + 1958) is
    read as the date; "Approximately" makes it circa; any other note is kept in notes.
    """
    kind = (child_text(elem, "TYPE_OF_DATE") or "").upper()
    date, year = child_text(elem, "DATE"), child_text(elem, "YEAR")
    low, high = child_text(elem, "FROM_YEAR"), child_text(elem, "TO_YEAR")
    note = child_text(elem, "NOTE")
    circa = kind.startswith("APPROX")
    if note and note.lower().startswith("approx"):
        circa, note = True, None
    text: str | None = None
    if low or high:
        text = f"{low}-{high}" if low and high and low != high else (low or high)
    elif date:
        text = date
    elif year:
        text = year
        fuller = parse_date(f"{note} {year}") if note else None
        if fuller and not fuller.problem and len(fuller.iso) > len(year):
            text, note = fuller.iso, None
    elif note and parse_birth_date(note):
        text, note = note, None
    if text:
        add_birth_date(ctx, target, f"circa {text}" if circa else text, ref)
    if note:
        add_value(ctx, target, "notes", f"birthDate: {note}", ref)


def _add_birth_place(ctx: Context, target: EntityProxy, elem: etree._Element, ref: str) -> None:
    """One INDIVIDUAL_PLACE_OF_BIRTH: the place as the UN writes it, and its country."""
    parts = [child_text(elem, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")]
    place = ", ".join(dict.fromkeys(p for p in parts if p))
    add_value(ctx, target, "birthPlace", place, ref)
    country = child_text(elem, "COUNTRY")
    if country and country.lower() not in _NOT_AVAILABLE:
        add_country(ctx, target, "birthCountry", country, ref)
    note = child_text(elem, "NOTE")
    if note:
        add_value(ctx, target, "notes", f"birthPlace: {note}", ref)


def _make_address(ctx: Context, target: EntityProxy, elem: etree._Element,
                  ref: str) -> EntityProxy | None:
    """One INDIVIDUAL_ADDRESS / ENTITY_ADDRESS as an Address entity (its NOTE as remarks)."""
    country = child_text(elem, "COUNTRY")
    if country and country.lower() in _NOT_AVAILABLE:
        country = None
    addr = make_address(ctx, target, ref, street=child_text(elem, "STREET"),
                        city=child_text(elem, "CITY"),
                        region=child_text(elem, "STATE_PROVINCE"),
                        postal_code=child_text(elem, "ZIP_CODE"), country=country)
    note = child_text(elem, "NOTE")
    if addr is not None:
        add_value(ctx, addr, "remarks", note, ref)
    elif note:
        add_value(ctx, target, "notes", f"address: {note}", ref)
    return addr


def document_kind(*labels: str | None) -> str:
    """The identifier kind (entities.ID_PROPS key) for the UN's document type texts."""
    text = " ".join(label for label in labels if label).lower()
    if re.search(r"passport|passeport|pasaporte|travel document|laissez", text):
        return "passport"
    if "social security" in text:
        return "ssn"
    if re.search(r"\btax\b|fiscal", text):
        return "tax"
    if re.search(r"identi|\bid\b|national", text):
        return "national_id"
    return "other"


_KEYWORD_NUMBER = re.compile(r"(?is)^.*(?:\bnumber|\bno\.?|\bnr\.?|n°|:)\s*(?P<num>\S.*)$")
_TRAILING_GROUP = re.compile(r"\s*\([^()]*\)\s*$")


def bare_number(raw: str) -> str:
    """The document number inside the UN's prose (`CAR diplomatic passport no. D00000898`).

    Plain numbers are returned as given; prose keeps its text in the summary instead.
    """
    text = clean(raw) or raw
    if not re.search(r"[a-z]{3,}", text):
        return text
    stripped = _TRAILING_GROUP.sub("", text) or text
    m = _KEYWORD_NUMBER.match(stripped)
    if m and re.search(r"\d", m.group("num")):
        return clean(m.group("num")) or text
    tokens = stripped.split()
    tail: list[str] = []
    for token in reversed(tokens):
        if re.search(r"\d", token) or (len(token) <= 2 and token.isupper()):
            tail.insert(0, token)
        else:
            break
    if tail and any(re.search(r"\d", t) for t in tail):
        return " ".join(tail)
    return text


def _make_document(ctx: Context, target: EntityProxy, elem: etree._Element,
                   ref: str) -> EntityProxy | None:
    """One INDIVIDUAL_DOCUMENT as an Identification/Passport; prose without a number -> notes."""
    type1, type2 = child_text(elem, "TYPE_OF_DOCUMENT"), child_text(elem, "TYPE_OF_DOCUMENT2")
    raw, note = child_text(elem, "NUMBER"), child_text(elem, "NOTE")
    label = "; ".join(dict.fromkeys(t for t in (type1, type2) if t)) or None
    if raw is None:
        if note or type2:
            add_value(ctx, target, "notes", f"{label or 'document'}: {note or ''}".strip(), ref)
        return None
    number = bare_number(raw)
    country = child_text(elem, "ISSUING_COUNTRY") or child_text(elem, "COUNTRY_OF_ISSUE")
    city = child_text(elem, "CITY_OF_ISSUE")
    summary = "; ".join(p for p in (raw if number != clean(raw) else None, note) if p) or None
    ident = make_identification(ctx, target, document_kind(type1, type2), number, ref,
                                country=country, note=summary, type_label=label)
    if ident is not None:
        add_value(ctx, ident, "authority", city, ref)
        issued = iso_date(child_text(elem, "DATE_OF_ISSUE"))
        if issued:
            ident.add("startDate", issued)
    return ident


def _reference(ctx: Context, elem: etree._Element, position: int) -> str | None:
    """The UN reference number of a record; DATAID (with a warning) when it is missing."""
    ref = child_text(elem, "REFERENCE_NUMBER")
    if ref and re.search(r"[0-9A-Za-z]", ref):
        return ref
    dataid = child_text(elem, "DATAID")
    if dataid and re.search(r"[0-9A-Za-z]", dataid):
        ctx.warn(f"DATAID {dataid}", "no usable REFERENCE_NUMBER; DATAID used for its id")
        return f"dataid-{dataid}"
    ctx.warn(f"#{position}", "neither REFERENCE_NUMBER nor DATAID; record skipped")
    return None


def _add_names(ctx: Context, target: EntityProxy, elem: etree._Element, ref: str) -> None:
    """The printed name (its parts on a Person), the original-script name and all aliases."""
    name, parts = full_name(elem)
    for index, form in enumerate(name_variants(name or "")):
        add_name(ctx, target, form, ref, "name" if index == 0 else "alias")
    if has_prop(target, "firstName") and parts:
        add_value(ctx, target, "firstName", parts[0], ref)
        if len(parts) > 1:
            add_value(ctx, target, "lastName", parts[-1], ref)
        if len(parts) > 2:
            add_value(ctx, target, "middleName", " ".join(parts[1:-1]), ref)
    for original in children(elem, "NAME_ORIGINAL_SCRIPT"):
        for form in name_variants(text_of(original) or ""):
            add_name(ctx, target, form, ref, "alias")
    for alias in children(elem, "INDIVIDUAL_ALIAS") + children(elem, "ENTITY_ALIAS"):
        _add_alias(ctx, target, alias, ref)


def _add_details(ctx: Context, target: EntityProxy, elem: etree._Element, ref: str) -> None:
    """Titles, positions, nationality, comments, gender, and birth dates and places."""
    for title in values(elem, "TITLE"):
        add_value(ctx, target, "title", title, ref)
    for position in values(elem, "DESIGNATION"):
        add_value(ctx, target, "position", position, ref)
    prop = "nationality" if has_prop(target, "nationality") else "country"
    for nationality in values(elem, "NATIONALITY"):
        if nationality.lower() not in _NOT_AVAILABLE:
            add_country(ctx, target, prop, nationality, ref)
    comments = child_text(elem, "COMMENTS1")
    add_value(ctx, target, "notes", comments, ref)
    gender = (child_text(elem, "GENDER") or "").lower()
    if gender not in {"male", "female"}:
        match = _GENDER_COMMENT.search(comments or "")
        gender = match.group(1).lower() if match else ""
    add_value(ctx, target, "gender", gender, ref)
    for dob in children(elem, "INDIVIDUAL_DATE_OF_BIRTH"):
        _add_birth_date(ctx, target, dob, ref)
    for pob in children(elem, "INDIVIDUAL_PLACE_OF_BIRTH"):
        _add_birth_place(ctx, target, pob, ref)


def _make_sanction(ctx: Context, target: EntityProxy, elem: etree._Element,
                   ref: str) -> EntityProxy:
    """The UN designation: committee list (programme), listing and last-update dates."""
    updated = sorted(
        d for d in (iso_date(v) for v in values(elem, "LAST_DAY_UPDATED")) if d)
    return make_sanction(
        ctx, target, ref, authority=AUTHORITY, programs=[child_text(elem, "UN_LIST_TYPE")],
        listing_date=child_text(elem, "LISTED_ON"),
        modified=updated[-1] if updated else None,
        authority_id=child_text(elem, "REFERENCE_NUMBER"),
        unsc_id=child_text(elem, "REFERENCE_NUMBER"),
    )


def build_entities(ctx: Context, elem: etree._Element, ref: str) -> Iterator[EntityProxy]:
    """The target, its Sanction and helper entities for one INDIVIDUAL or ENTITY."""
    target = ctx.make("Person" if local(elem.tag) == "INDIVIDUAL" else "Organization")
    target.id = ctx.make_id(ref)
    mark_target(target)
    _add_names(ctx, target, elem, ref)
    _add_details(ctx, target, elem, ref)
    helpers: list[EntityProxy] = []
    for addr in children(elem, "INDIVIDUAL_ADDRESS") + children(elem, "ENTITY_ADDRESS"):
        made = _make_address(ctx, target, addr, ref)
        if made is not None:
            helpers.append(made)
    for doc in children(elem, "INDIVIDUAL_DOCUMENT"):
        made = _make_document(ctx, target, doc, ref)
        if made is not None:
            helpers.append(made)
    yield target
    yield _make_sanction(ctx, target, elem, ref)
    yield from helpers


def parse(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Every INDIVIDUAL and ENTITY of the UN consolidated list as entities."""
    path = files["main"]
    root, attrs = xml_root_attrs(path, ctx.file)
    if root != "CONSOLIDATED_LIST":
        raise ctx.fail(f"root element is <{root}>, not the UN <CONSOLIDATED_LIST>")
    published = iso_date(clean(attrs.get("dateGenerated")))
    if published:
        ctx.published = published
    count = 0
    for elem in iter_xml(path, {"INDIVIDUAL", "ENTITY"}, ctx.file):
        count += 1
        ref = _reference(ctx, elem, count)
        if ref is not None:
            yield from build_entities(ctx, elem, ref)
    if count == 0:
        raise ctx.fail("holds no designated party: no INDIVIDUAL or ENTITY record")


FORMATS = [Format(name="un_xml", sniff=sniff, parse=parse)]
