"""Reading habits shared by the two UK lists (the OFSI ConList and the FCDO UK Sanctions List).

Both publishers put several values into one cell as "(1) x (2) y", use the same name types
("Primary name", "Primary name variation", "AKA", "FKA") and alias qualities, write
identifiers as free text, and spell countries in ways a plain lookup misreads
("Congo (Democratic Republic)" is not the Republic of the Congo).
"""

from __future__ import annotations

import re

from followthemoney import EntityProxy

from watchlist.normalize.countries import country_code
from watchlist.normalize.dates import parse_date
from watchlist.sources.base import Context
from watchlist.sources.entities import (
    add_value,
    clean,
    has_prop,
    make_identification,
)

#: Publisher name types -> the FtM name property. Unknown types become aliases.
NAME_TYPES: dict[str, str] = {
    "primary name": "name",
    "prime alias": "name",
    "primary name variation": "alias",
    "aka": "alias",
    "alias": "alias",
    "fka": "previousName",
    "previous name": "previousName",
    "formerly known as": "previousName",
}

#: Group types (OFSI) / IndividualEntityShip (FCDO) -> FtM schema.
SCHEMATA: dict[str, str] = {
    "individual": "Person",
    "entity": "Organization",
    "ship": "Vessel",
}

#: Spellings in the UK lists that the shared country lookup misses or misreads.
_COUNTRY_FIXES: dict[str, str] = {
    "congo (democratic republic)": "cd",
    "congo (democratic republic of the)": "cd",
    "occupied palestinian territories": "ps",
    "bosnia-herzegovina": "ba",
    "trinadad and tobago": "tt",
    "repubic of moldova": "md",
    "republic of moldovia": "md",
    "qatarian": "qa",
}
_COUNTRY_NOISE = re.compile(
    r"\b(?:citizenship|citizen|nationals?|nationality|nationalities|possibly|by birth|dual|"
    r"withdrawn|revoked|believed|hold)\b",
    re.IGNORECASE,
)
_COUNTRY_SPLIT = re.compile(
    r"\s*(?:[.,;]|\band\b|\bnow\b|\bcurrently\b|\bformer(?:ly)?\b|\balso\b|\bas (?:of|at)\b)\s*",
    re.IGNORECASE,
)
_SOVIET = re.compile(r"\b(?:U?SSR|RSFSR|ASSR|Soviet)\b", re.IGNORECASE)

#: Enumerators the UK lists use inside one cell: (1), (1)-(2), (1) to (6), (1-3), 1), (a), a).
_ENUMERATOR = re.compile(
    r"(?<![\w(])\(\s*\d{1,2}\s*\)\s*(?:(?:-|–|to)\s*\(\s*\d{1,2}\s*\)\s*)?"
    r"|(?<![\w(])\(\s*\d{1,2}\s*(?:-|–|to)\s*\d{1,2}\s*\)\s*"
    r"|(?<![\w()/.])\d{1,2}\)\s+"
    r"|(?<![\w(])\(\s*[a-h]\s*\)\s*"
    r"|(?<![\w()/.])[a-h]\)\s+"
)

#: An identifier inside free text: optional capital prefix, then mostly digits.
_ID_TOKEN = re.compile(
    r"(?<![\w/.\-])((?:[A-Z]{1,4}[\s-]?)?\d[\dA-Za-z/.\-]{2,}[\dA-Za-z])(?![\w/\-])"
)

_UN_REF = re.compile(r"([A-Za-z]{1,4}\s?\.\s?(?:[A-Za-z0-9]{1,4}\.)*\s?\d+(?:\.\d+)*)")
_UN_REF_LABEL = re.compile(
    r"\bUN\s*REF(?:ERENCE)?\b(?:\s*(?:No|Number)\b)?[\s.:]*", re.IGNORECASE
)


def name_prop(name_type: str | None, quality: str | None) -> str | None:
    """The FtM property for a name of this type and quality; None for an unknown type."""
    key = (clean(name_type) or "").lower()
    prop = NAME_TYPES.get(key) if key else "alias"
    if prop is None:
        return None
    if prop == "alias" and quality and "low" in quality.lower():
        return "weakAlias"
    return prop


def split_enumerated(text: object) -> list[str]:
    """The items of a cell written as "(1) x (2) y" (or one item when not enumerated)."""
    value = clean(text)
    if value is None:
        return []
    if not any(_is_first(m.group()) for m in _ENUMERATOR.finditer(value)):
        return [value]
    items = (clean(part.strip(" .,;")) for part in _ENUMERATOR.split(value))
    return [item for item in items if item]


def _is_first(enumerator: str) -> bool:
    """True for "(1)", "1)", "(1-3)", "(a)": a list really starts ("+375 (17) 215" does not)."""
    m = re.match(r"\(?\s*(\d{1,2}|[a-h])", enumerator)
    return bool(m) and m.group(1) in {"1", "a"}


def _one_country(text: str) -> str | None:
    value = text.strip(" .,;:")
    fixed = _COUNTRY_FIXES.get(value.lower())
    if fixed:
        return fixed
    value = value.strip("()")
    if len(value) < 2:
        return None
    return country_code(value)


def country_codes(text: object) -> list[str]:
    """Every country named in a UK cell ("(1) Russia. (2) Ukraine", "Latakia Province, Syria")."""
    codes: list[str] = []
    for item in split_enumerated(text):
        found: list[str] = []
        code = _one_country(item)
        if code is None:
            stripped = _COUNTRY_NOISE.sub(" ", item)
            code = _one_country(stripped)
            if code is None:
                found = [c for c in map(_one_country, _COUNTRY_SPLIT.split(stripped)) if c]
            if not found and _SOVIET.search(item):
                found = ["suhh"]
        if code is not None:
            found = [code]
        codes.extend(c for c in found if c not in codes)
    return codes


def add_countries(ctx: Context, entity: EntityProxy, prop: str, text: object,
                  ref: object) -> list[str]:
    """Add every country of a cell to `prop`; warn when the cell names none."""
    value = clean(text)
    if value is None:
        return []
    codes = country_codes(value)
    if not codes:
        ctx.warn(ref, f"{prop} {value[:200]!r} is not a known country; dropped")
    elif has_prop(entity, prop):
        for code in codes:
            entity.add(prop, code, quiet=True)
    return codes


def guess_country(text: object) -> str | None:
    """The country an identifier's note starts with ("Afghan number", "(Qatari passport")."""
    value = clean(text)
    if value is None:
        return None
    segments = [value, *re.findall(r"\(([^()]+)\)", value)]
    for segment in segments:
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", segment)[:3]
        for n in (3, 2, 1):
            phrase = " ".join(words[:n])
            if len(words) >= n and len(phrase) >= 4:
                code = _one_country(phrase)
                if code:
                    return code
    return None


def id_numbers(text: object) -> list[str]:
    """Identifier-like tokens of a free-text cell ("Passport No: 592667 (Qatari ...)")."""
    value = clean(text)
    if value is None:
        return []
    found = []
    for match in _ID_TOKEN.finditer(value):
        token = match.group(1)
        if sum(ch.isdigit() for ch in token) < 4 or parse_date(token) is not None:
            continue
        found.append(token)
    return found


def split_un_reference(text: object) -> tuple[str | None, str]:
    """A UN Ref value split into the reference and the remark after it ("QDi.426. Leader...")."""
    value = clean(text) or ""
    m = _UN_REF.match(value)
    if m is None:
        return None, value
    return re.sub(r"\s+", "", m.group(1)), value[m.end():].strip(" .;,")


def un_reference_in(text: object) -> str | None:
    """The UN reference a free-text remark gives after "UN Ref" ("UN Ref QDe.004.")."""
    value = clean(text)
    label = _UN_REF_LABEL.search(value) if value else None
    if value is None or label is None:
        return None
    m = _UN_REF.match(value, label.end())
    return re.sub(r"\s+", "", m.group(1)) if m else None


def add_or_note(ctx: Context, entity: EntityProxy, prop: str, value: object, ref: object,
                label: str) -> None:
    """Add a value FtM can read (phone, website, tonnage...), else keep it in notes."""
    text = clean(value)
    if text is None:
        return
    if has_prop(entity, prop) and ptype_accepts(entity, prop, text):
        add_value(ctx, entity, prop, text, ref)
        return
    add_value(ctx, entity, "notes", f"{label}: {text}", ref)


def ptype_accepts(entity: EntityProxy, prop: str, value: str) -> bool:
    """True when FtM would keep this value in this property (checksums, formats)."""
    spec = entity.schema.properties[prop]
    return spec.type.clean(value, format=spec.format, proxy=entity) is not None


def identifications(ctx: Context, holder: EntityProxy, kind: str, numbers: object,
                    details: object, ref: object) -> list[EntityProxy]:
    """Identifiers from a number cell and its details cell, paired item by item.

    When there is no number cell (the 2018 ConList) the numbers are read out of the
    details text; an item with no number at all is kept in notes.
    """
    label = "Passport" if kind == "passport" else "National identification"
    detail_items = split_enumerated(details)
    found: list[EntityProxy] = []
    if clean(numbers) is not None:
        number_items = split_enumerated(numbers)
        paired = len(detail_items) == len(number_items)
        for i, number in enumerate(number_items):
            note = detail_items[i] if paired else clean(details)
            ident = make_identification(ctx, holder, kind, number, ref,
                                        country=guess_country(note), note=note)
            if ident is not None:
                found.append(ident)
        return found
    preamble = detail_items[0] if len(detail_items) > 1 and not id_numbers(detail_items[0]) \
        else None
    preamble_country = guess_country(preamble)
    for item in detail_items:
        tokens = id_numbers(item)
        if not tokens:
            if item is not preamble:
                add_value(ctx, holder, "notes", f"{label}: {item}", ref)
            continue
        country = guess_country(item) or preamble_country
        ident = make_identification(ctx, holder, kind, tokens[0], ref, country=country, note=item)
        if ident is not None:
            found.append(ident)
    return found


def registrations(ctx: Context, holder: EntityProxy, text: object,
                  ref: object) -> list[EntityProxy]:
    """Business registration numbers ("(1) OGRN: 1027700456024 (2) INN: 7725075060")."""
    found: list[EntityProxy] = []
    for item in split_enumerated(text):
        tokens = id_numbers(item)
        number = tokens[0] if tokens else item
        upper = item.upper()
        if re.search(r"\bINN\b", upper):
            kind = "inn"
        elif re.search(r"\bOGRN\b", upper):
            kind = "ogrn"
        elif re.search(r"\b(?:TIN|TAX)\b", upper):
            kind = "tax"
        else:
            kind = "registration"
        ident = make_identification(ctx, holder, kind, number, ref,
                                    country=guess_country(item), note=item, type_label=kind)
        if ident is not None:
            found.append(ident)
    return found


def person_name_parts(ctx: Context, entity: EntityProxy, parts: list[str | None],
                      ref: object) -> None:
    """Name 1 as first name, Names 2-5 as middle names, Name 6 as last name (a Person only)."""
    if entity.schema.name != "Person":
        return
    add_value(ctx, entity, "firstName", parts[0], ref)
    for middle in parts[1:5]:
        add_value(ctx, entity, "middleName", middle, ref)
    add_value(ctx, entity, "lastName", parts[5], ref)


def whole_name(parts: list[str | None]) -> str | None:
    """The full name from Name 1..Name 6 (Name 6 is the surname, or the whole entity name)."""
    return clean(" ".join(p for p in (clean(x) for x in parts) if p))
