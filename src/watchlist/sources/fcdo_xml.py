"""The FCDO "UK Sanctions List" XML (root `Designations`), the sole UK list since 28 Jan 2026.

Each `Designation` is one designation under one regime (a person listed under two regimes
appears twice, with two UniqueIDs such as BEL0045 and GHR0050), so each becomes one target
with id from its UniqueID. Dates are dd/mm/yyyy, with `dd/mm/1945` for an unknown day and
month; multi-valued cells are pipe-joined (`UK|UN`, `Asset freeze|Travel Ban`); an empty
`UKStatementofReasons` holds just a newline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from followthemoney import EntityProxy
from lxml import etree

from watchlist.normalize.dates import iso_date
from watchlist.sources.base import Context, Format, Sniff
from watchlist.sources.entities import (
    add_birth_date,
    add_date,
    add_name,
    add_value,
    has_prop,
    make_address,
    make_identification,
    make_sanction,
    make_target,
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
from watchlist.sources.uk_helpers import (
    SCHEMATA,
    add_countries,
    add_or_note,
    identifications,
    name_prop,
    person_name_parts,
    registrations,
    whole_name,
)

SOURCE = "gb_fcdo_sanctions"
AUTHORITY = "UK Foreign, Commonwealth & Development Office (FCDO)"
ROOT = "Designations"

#: Every element this parser reads; any other inside a Designation is reported once.
KNOWN_TAGS = frozenset({
    "Designation", "LastUpdated", "DateDesignated", "UniqueID", "OFSIGroupID",
    "UNReferenceNumber", "RegimeName", "IndividualEntityShip", "DesignationSource",
    "SanctionsImposed", "SanctionsImposedIndicators", "OtherInformation", "UKStatementofReasons",
    "Names", "Name", "Name1", "Name2", "Name3", "Name4", "Name5", "Name6", "NameType",
    "AliasStrength", "NonLatinNames", "NonLatinName", "NameNonLatinScript", "NonLatinScriptType",
    "NonLatinScriptLanguage", "Titles", "Title", "Addresses", "Address", "AddressLine1",
    "AddressLine2", "AddressLine3", "AddressLine4", "AddressLine5", "AddressLine6",
    "AddressPostalCode", "AddressCountry", "PhoneNumbers", "PhoneNumber", "EmailAddresses",
    "EmailAddress", "Websites", "Website",
    "IndividualDetails", "Individual", "DOBs", "DOB", "Nationalities", "Nationality", "Genders",
    "Gender", "Positions", "Position", "PassportDetails", "Passport", "PassportNumber",
    "PassportAdditionalInformation", "NationalIdentifierDetails", "NationalIdentifier",
    "NationalIdentifierNumber", "NationalIdentifierAdditionalInformation", "BirthDetails",
    "Location", "TownOfBirth", "CountryOfBirth",
    "EntityDetails", "Entity", "TypeOfEntities", "TypeOfEntity", "BusinessRegistrationNumbers",
    "BusinessRegistrationNumber", "ParentCompanies", "ParentCompany", "Subsidiaries",
    "Subsidiary",
    "ShipDetails", "Ship", "IMONumbers", "IMONumber", "CurrentOwnerOperators",
    "CurrentOwnerOperator", "PreviousOwnerOperators", "PreviousOwnerOperator",
    "CurrentBelievedFlagOfShips", "CurrentBelievedFlagOfShip", "PreviousFlags", "PreviousFlag",
    "TypeOfShipDetails", "TypeOfShip", "TonnageOfShipDetails", "TonnageOfShip",
    "LengthOfShipDetails", "LengthOfShip", "YearsBuilt", "YearBuilt",
})

#: Ship and entity details with no FtM property of their own, kept as labelled notes.
NOTE_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Parent company", ("EntityDetails", "Entity", "ParentCompanies", "ParentCompany")),
    ("Subsidiary", ("EntityDetails", "Entity", "Subsidiaries", "Subsidiary")),
    ("Current owner/operator",
     ("ShipDetails", "Ship", "CurrentOwnerOperators", "CurrentOwnerOperator")),
    ("Previous owner/operator",
     ("ShipDetails", "Ship", "PreviousOwnerOperators", "PreviousOwnerOperator")),
    ("Length of ship", ("ShipDetails", "Ship", "LengthOfShipDetails", "LengthOfShip")),
)


def sniff(path: Path, head: bytes) -> Sniff | None:
    """The UK Sanctions List XML: its root element is `Designations`."""
    if is_html(head):
        return None
    return Sniff("fcdo_xml", SOURCE) if xml_root_tag(head) == ROOT else None


def _all(elem: etree._Element, *path: str) -> list[etree._Element]:
    """The elements at a path of local names below `elem` (every branch followed)."""
    current = [elem]
    for name in path:
        current = [c for e in current for c in children(e, name)]
    return current


def _texts(elem: etree._Element, *path: str) -> list[str]:
    """The non-empty texts of the elements at a path."""
    return [t for t in (text_of(e) for e in _all(elem, *path)) if t]


def _pipe(text: str | None) -> list[str]:
    """A pipe-joined cell ("Asset freeze|Travel Ban") as its items."""
    return [p.strip() for p in (text or "").split("|") if p.strip()]


def _words(tag: str) -> str:
    """A CamelCase indicator element as words ("TravelBan" -> "Travel ban")."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", tag).capitalize()


def _add_names(ctx: Context, target: EntityProxy, ref: str, elem: etree._Element) -> None:
    """Every Name (primary, variation, alias by strength) and every non-Latin name."""
    for name in _all(elem, "Names", "Name"):
        parts = [child_text(name, f"Name{i}") for i in range(1, 7)]
        name_type = child_text(name, "NameType")
        prop = name_prop(name_type, child_text(name, "AliasStrength"))
        if prop is None:
            ctx.warn(ref, f"name type {name_type!r} unknown; read as an alias")
            prop = "alias"
        if add_name(ctx, target, whole_name(parts), ref, prop) and prop == "name":
            person_name_parts(ctx, target, parts, ref)
    for text in _texts(elem, "NonLatinNames", "NonLatinName", "NameNonLatinScript"):
        add_name(ctx, target, text, ref, "alias")
    if not target.get("name"):
        for name in _all(elem, "Names", "Name"):
            parts = [child_text(name, f"Name{i}") for i in range(1, 7)]
            if add_name(ctx, target, whole_name(parts), ref, "name"):
                person_name_parts(ctx, target, parts, ref)
                break
    for title in _texts(elem, "Titles", "Title"):
        if has_prop(target, "title"):
            add_value(ctx, target, "title", title, ref)
        else:
            add_value(ctx, target, "notes", f"Title: {title}", ref)


def _add_contacts(ctx: Context, target: EntityProxy, ref: str,
                  elem: etree._Element) -> list[EntityProxy]:
    """Addresses (as Address entities), phone numbers, e-mail addresses and websites."""
    found = []
    for addr in _all(elem, "Addresses", "Address"):
        lines = [child_text(addr, f"AddressLine{i}") for i in range(1, 7)]
        postal, country = child_text(addr, "AddressPostalCode"), child_text(addr, "AddressCountry")
        codes = add_countries(ctx, target, "country", country, ref)
        if not any(lines) and not postal:
            continue
        full = ", ".join(x for x in (*lines, postal, country) if x)
        address = make_address(ctx, target, ref, full=full,
                               street=", ".join(x for x in lines[:5] if x) or None,
                               city=lines[5], postal_code=postal,
                               country=codes[0] if codes else None)
        if address is not None:
            found.append(address)
    for prop, path, label in (("phone", ("PhoneNumbers", "PhoneNumber"), "Phone"),
                              ("email", ("EmailAddresses", "EmailAddress"), "Email"),
                              ("website", ("Websites", "Website"), "Website")):
        for text in _texts(elem, *path):
            add_or_note(ctx, target, prop, text, ref, label)
    return found


def _add_individual(ctx: Context, target: EntityProxy, ref: str,
                    elem: etree._Element) -> list[EntityProxy]:
    """Birth dates and places, nationality, gender, positions and identity documents."""
    found: list[EntityProxy] = []
    for person in _all(elem, "IndividualDetails", "Individual"):
        for dob in _texts(person, "DOBs", "DOB"):
            add_birth_date(ctx, target, dob, ref)
        for nationality in _texts(person, "Nationalities", "Nationality"):
            add_countries(ctx, target, "nationality", nationality, ref)
        for gender in _texts(person, "Genders", "Gender"):
            add_or_note(ctx, target, "gender", gender.lower(), ref, "Gender")
        for position in _texts(person, "Positions", "Position"):
            add_value(ctx, target, "position", position, ref)
        for place in _all(person, "BirthDetails", "Location"):
            town, country = child_text(place, "TownOfBirth"), child_text(place, "CountryOfBirth")
            add_value(ctx, target, "birthPlace", ", ".join(x for x in (town, country) if x), ref)
            add_countries(ctx, target, "birthCountry", country, ref)
        for doc in _all(person, "PassportDetails", "Passport"):
            found += identifications(ctx, target, "passport", child_text(doc, "PassportNumber"),
                                     child_text(doc, "PassportAdditionalInformation"), ref)
        for doc in _all(person, "NationalIdentifierDetails", "NationalIdentifier"):
            found += identifications(
                ctx, target, "national_id", child_text(doc, "NationalIdentifierNumber"),
                child_text(doc, "NationalIdentifierAdditionalInformation"), ref)
    return found


def _add_entity_and_ship(ctx: Context, target: EntityProxy, ref: str,
                         elem: etree._Element) -> list[EntityProxy]:
    """Entity type and registration numbers; a ship's IMO number, flags, type and size."""
    found: list[EntityProxy] = []
    for kind in _texts(elem, "EntityDetails", "Entity", "TypeOfEntities", "TypeOfEntity"):
        add_or_note(ctx, target, "legalForm", kind, ref, "Type of entity")
    for number in _texts(elem, "EntityDetails", "Entity", "BusinessRegistrationNumbers",
                         "BusinessRegistrationNumber"):
        found += registrations(ctx, target, number, ref)
    ship = ("ShipDetails", "Ship")
    for imo in _texts(elem, *ship, "IMONumbers", "IMONumber"):
        numbers = re.findall(r"\d{7}", imo)
        if not numbers:
            add_value(ctx, target, "notes", f"IMO number: {imo}", ref)
        for number in numbers:
            ident = make_identification(ctx, target, "imo", number, ref, type_label="IMO number")
            if ident is not None:
                found.append(ident)
    for prop, path, label in (
        ("flag", ("CurrentBelievedFlagOfShips", "CurrentBelievedFlagOfShip"), "Flag of ship"),
        ("pastFlags", ("PreviousFlags", "PreviousFlag"), "Previous flag"),
    ):
        for flag in _texts(elem, *ship, *path):
            if has_prop(target, prop):
                add_countries(ctx, target, prop, flag, ref)
            else:
                add_value(ctx, target, "notes", f"{label}: {flag}", ref)
    for kind in _texts(elem, *ship, "TypeOfShipDetails", "TypeOfShip"):
        add_or_note(ctx, target, "type", kind, ref, "Type of ship")
    for tonnage in _texts(elem, *ship, "TonnageOfShipDetails", "TonnageOfShip"):
        add_or_note(ctx, target, "tonnage", tonnage, ref, "Tonnage of ship")
    for year in _texts(elem, *ship, "YearsBuilt", "YearBuilt"):
        if has_prop(target, "buildDate"):
            add_date(ctx, target, "buildDate", year, ref)
        else:
            add_value(ctx, target, "notes", f"Year built: {year}", ref)
    for label, path in NOTE_PATHS:
        for text in _texts(elem, *path):
            add_value(ctx, target, "notes", f"{label}: {text}", ref)
    return found


def _sanction(ctx: Context, target: EntityProxy, ref: str, elem: etree._Element) -> EntityProxy:
    """The designation: regime, dates, measures imposed, statement of reasons, references."""
    provisions = _pipe(child_text(elem, "SanctionsImposed"))
    if not provisions:
        provisions = [_words(local(flag.tag))
                      for box in _all(elem, "SanctionsImposedIndicators") for flag in box
                      if (text_of(flag) or "").lower() == "true"]
    sanction = make_sanction(
        ctx, target, ref, authority=AUTHORITY, programs=[child_text(elem, "RegimeName")],
        listing_date=child_text(elem, "DateDesignated"), modified=child_text(elem, "LastUpdated"),
        reason=child_text(elem, "UKStatementofReasons"), provisions=provisions,
        authority_id=ref, unsc_id=child_text(elem, "UNReferenceNumber"),
    )
    sources = _pipe(child_text(elem, "DesignationSource"))
    if sources:
        add_value(ctx, sanction, "summary", f"Designation source: {', '.join(sources)}", ref)
    group = child_text(elem, "OFSIGroupID")
    if group:
        add_value(ctx, sanction, "summary", f"OFSI Group ID: {group}", ref)
    sanction.add("country", "gb")
    return sanction


def _unknown_elements(ctx: Context, target: EntityProxy, ref: str, elem: etree._Element,
                      reported: set[str]) -> None:
    """Keep the text of elements this parser does not know, and say so once per element."""
    for node in elem.iter():
        tag = local(node.tag)
        parent = node.getparent()
        in_indicators = parent is not None and local(parent.tag) == "SanctionsImposedIndicators"
        if not tag or tag in KNOWN_TAGS or in_indicators:
            continue
        if tag not in reported:
            reported.add(tag)
            ctx.warn("(file)", f"unknown element <{tag}>; its text is kept in notes")
        text = text_of(node)
        if text and len(node) == 0:
            add_value(ctx, target, "notes", f"{tag}: {text}", ref)


def _designation(ctx: Context, elem: etree._Element, reported: set[str]) -> list[EntityProxy]:
    """The target, Sanction and helper entities of one Designation."""
    ref = child_text(elem, "UniqueID")
    if ref is None:
        group = child_text(elem, "OFSIGroupID")
        if group is None:
            ctx.warn("(designation)", "has neither UniqueID nor OFSIGroupID; skipped")
            return []
        ctx.warn(group, "has no UniqueID; identified by its OFSI Group ID")
        ref = f"ofsi-{group}"
    kind = child_text(elem, "IndividualEntityShip")
    target = make_target(ctx, SCHEMATA, kind, ref, "IndividualEntityShip")
    _add_names(ctx, target, ref, elem)
    helpers = _add_contacts(ctx, target, ref, elem)
    helpers += _add_individual(ctx, target, ref, elem)
    helpers += _add_entity_and_ship(ctx, target, ref, elem)
    add_value(ctx, target, "notes", child_text(elem, "OtherInformation"), ref)
    _unknown_elements(ctx, target, ref, elem, reported)
    return [target, _sanction(ctx, target, ref, elem), *helpers]


def parse(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Every Designation of a UK Sanctions List XML file."""
    path = files["main"]
    root, _attrs = xml_root_attrs(path, ctx.file)
    if root != ROOT:
        raise ctx.fail(f"root element is <{root}>, not <{ROOT}>; not a UK Sanctions List XML")
    count = 0
    reported: set[str] = set()
    for elem in iter_xml(path, {"Designation", "DateGenerated"}, ctx.file):
        if local(elem.tag) == "DateGenerated":
            generated = text_of(elem)
            published = iso_date(generated)
            if published:
                ctx.published = published
            else:
                ctx.warn("(file)", f"DateGenerated {generated!r} is not a date")
            continue
        count += 1
        yield from _designation(ctx, elem, reported)
    if count == 0:
        raise ctx.fail("holds no Designation records")


FORMATS = [Format(name="fcdo_xml", sniff=sniff, parse=parse)]
