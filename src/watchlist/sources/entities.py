"""Small builders shared by every source: names, dates, countries, identifiers, designations.

Each takes the parse context so a bad value becomes a warning naming the record, and
the record is kept with whatever was valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from followthemoney import EntityProxy

from watchlist.normalize.countries import country_code
from watchlist.normalize.dates import parse_birth_date, parse_date
from watchlist.sources.base import MAX_NAME_LENGTH, MAX_VALUE_LENGTH, TARGET_TOPIC, Context

NAME_PROPS = ("name", "alias", "weakAlias", "previousName")

#: Identifier kinds -> the property of the target that carries the number.
ID_PROPS: dict[str, str] = {
    "passport": "passportNumber",
    "national_id": "idNumber",
    "id": "idNumber",
    "tax": "taxNumber",
    "registration": "registrationNumber",
    "imo": "imoNumber",
    "swift": "swiftBic",
    "lei": "leiCode",
    "inn": "innCode",
    "ogrn": "ogrnCode",
    "duns": "dunsCode",
    "vat": "vatCode",
    "ssn": "socialSecurityNumber",
    "mmsi": "mmsi",
    "call_sign": "callSign",
    "aircraft_serial": "serialNumber",
    "email": "email",
    "phone": "phone",
    "website": "website",
}


def clean(value: object) -> str | None:
    """Whitespace folded, OFAC's `-0-` empties and blanks read as None."""
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value)).strip()
    if not text or text in {"-0-", "-", "n/a", "N/A", "None", "none"}:
        return None
    return text


def has_prop(entity: EntityProxy, prop: str) -> bool:
    """True if the entity's schema has this property (so sources can share code)."""
    return prop in entity.schema.properties


def add_value(ctx: Context, entity: EntityProxy, prop: str, value: object, ref: object) -> None:
    """Add a cleaned value, refusing absurdly long ones with a warning."""
    text = clean(value)
    if text is None or not has_prop(entity, prop):
        return
    if len(text) > MAX_VALUE_LENGTH:
        ctx.warn(ref, f"{prop} of {len(text)} characters dropped (longer than {MAX_VALUE_LENGTH})")
        return
    entity.add(prop, text, quiet=True)


def add_name(ctx: Context, entity: EntityProxy, value: object, ref: object,
             prop: str = "name") -> str | None:
    """Add a name (or alias / weakAlias / previousName); refuse one that is no name."""
    text = clean(value)
    if text is None:
        return None
    if len(text) > MAX_NAME_LENGTH:
        ctx.warn(ref, f"name of {len(text)} characters dropped (longer than {MAX_NAME_LENGTH})")
        return None
    if not any(ch.isalnum() for ch in text):
        ctx.warn(ref, f"name {text!r} has no letters or digits; dropped")
        return None
    entity.add(prop, text, quiet=True)
    return text


def add_date(ctx: Context, entity: EntityProxy, prop: str, value: object, ref: object,
             order: str = "dmy") -> str | None:
    """Add a (possibly partial) date; an impossible part is dropped with a warning."""
    text = clean(value)
    if text is None:
        return None
    parsed = parse_date(text, order)
    if parsed is None:
        ctx.warn(ref, f"{prop} {text!r} is not a date; dropped")
        return None
    if parsed.problem:
        ctx.warn(ref, f"{prop} {text!r}: {parsed.problem}; kept as {parsed.iso}")
    if has_prop(entity, prop):
        entity.add(prop, parsed.iso, quiet=True)
    return parsed.iso


def add_birth_date(ctx: Context, entity: EntityProxy, value: object, ref: object,
                   order: str = "dmy", prop: str = "birthDate") -> list[str]:
    """Add a birth date as given: exact, partial, a range (each year) or circa (noted)."""
    text = clean(value)
    if text is None:
        return []
    parsed = parse_birth_date(text, order)
    if parsed is None:
        ctx.warn(ref, f"{prop} {text!r} is not a date; kept in notes")
        add_value(ctx, entity, "notes", f"{prop}: {text}", ref)
        return []
    if parsed.problem:
        ctx.warn(ref, f"{prop} {text!r}: {parsed.problem}; kept as {parsed.values[0]}")
    for iso in parsed.values:
        entity.add(prop, iso, quiet=True)
    if parsed.circa or parsed.range:
        shown = f"{parsed.range[0]}-{parsed.range[1]}" if parsed.range else parsed.values[0]
        note = f"{prop}: {'circa ' if parsed.circa else ''}{shown}"
        add_value(ctx, entity, "notes", note, ref)
    return list(parsed.values)


def add_country(ctx: Context, entity: EntityProxy, prop: str, value: object,
                ref: object) -> str | None:
    """Add a country as its ISO code; a value that is no country is warned about."""
    text = clean(value)
    if text is None:
        return None
    code = country_code(text)
    if code is None:
        ctx.warn(ref, f"{prop} {text!r} is not a known country; dropped")
        return None
    if has_prop(entity, prop):
        entity.add(prop, code, quiet=True)
    return code


def make_target(ctx: Context, schemata: dict[str, str], kind: str | None, ref: object,
                field: str = "type") -> EntityProxy:
    """The record's designated party, of the schema its kind names in `schemata`.

    A kind the publisher has not used before is warned about and kept as a LegalEntity,
    the widest schema that can still be screened.
    """
    schema = schemata.get((kind or "").strip().lower())
    if schema is None:
        ctx.warn(ref, f"{field} {kind!r} unknown; kept as a LegalEntity")
        schema = "LegalEntity"
    target = ctx.make(schema)
    target.id = ctx.make_id(ref)
    return mark_target(target)


def mark_target(entity: EntityProxy) -> EntityProxy:
    """Mark the record's designated party, which is what `targets` counts."""
    entity.add("topics", TARGET_TOPIC, quiet=True)
    return entity


def add_keeping(ctx: Context, entity: EntityProxy, prop: str, value: str, ref: object) -> None:
    """Add a value; where FollowTheMoney refuses it (a failed check digit, a phone number
    without country code) keep it as a registration number or in notes, never lose it."""
    for candidate in (prop, "registrationNumber", "idNumber"):
        if has_prop(entity, candidate):
            before = len(entity.get(candidate, quiet=True))
            entity.add(candidate, value, quiet=True)
            if len(entity.get(candidate, quiet=True)) > before or value in entity.get(candidate):
                return
            if candidate == prop and prop in ("phone", "email", "website"):
                break
    ctx.warn(ref, f"{prop} {value!r} is not valid as such; kept in notes")
    add_value(ctx, entity, "notes", f"{prop}: {value}", ref)


def make_identification(ctx: Context, holder: EntityProxy, kind: str, number: object,
                        ref: object, country: object = None, note: object = None,
                        type_label: object = None) -> EntityProxy | None:
    """Add an identifier to the holder and return an Identification/Passport entity for it.

    `kind` is a key of ID_PROPS; the number also goes on the holder's matching property
    so screening finds it; the returned entity keeps country, type and note.
    """
    number_text = clean(number)
    if number_text is None:
        return None
    if len(number_text) > 200:
        ctx.warn(ref, f"identifier of {len(number_text)} characters dropped")
        return None
    prop = ID_PROPS.get(kind, "idNumber")
    add_keeping(ctx, holder, prop, number_text, ref)
    if kind in {"email", "phone", "website", "mmsi", "call_sign"}:
        return None
    schema = "Passport" if kind == "passport" else "Identification"
    ident = ctx.make(schema)
    ident.id = ctx.make_id(ref, "id", kind, number_text, clean(country) or "")
    ident.add("holder", holder.id)
    ident.add("number", number_text)
    ident.add("type", clean(type_label) or kind)
    code = country_code(clean(country)) if clean(country) else None
    if code:
        ident.add("country", code)
    add_value(ctx, ident, "summary", note, ref)
    return ident


def make_wallet(ctx: Context, holder: EntityProxy, currency: object, address: object,
                ref: object) -> EntityProxy | None:
    """A crypto wallet held by the target (OFAC's "Digital Currency Address - XBT")."""
    key = clean(address)
    if key is None:
        return None
    wallet = ctx.make("CryptoWallet")
    wallet.id = ctx.make_id(ref, "wallet", key)
    wallet.add("publicKey", key)
    wallet.add("currency", clean(currency))
    wallet.add("holder", holder.id)
    return wallet


def make_address(ctx: Context, holder: EntityProxy, ref: object, *, full: object = None,
                 street: object = None, city: object = None, region: object = None,
                 postal_code: object = None, country: object = None,
                 key: object = None) -> EntityProxy | None:
    """An Address entity linked to the holder, its full text also set on the holder."""
    parts = [clean(p) for p in (street, city, region, postal_code)]
    country_text = clean(country)
    full_text = clean(full) or ", ".join(p for p in [*parts, country_text] if p)
    if not full_text:
        return None
    addr = ctx.make("Address")
    addr.id = ctx.make_id(ref, "addr", key if key is not None else full_text[:120])
    add_value(ctx, addr, "full", full_text, ref)
    add_value(ctx, addr, "street", street, ref)
    add_value(ctx, addr, "city", city, ref)
    add_value(ctx, addr, "region", region, ref)
    add_value(ctx, addr, "postalCode", postal_code, ref)
    code = country_code(country_text) if country_text else None
    if code:
        addr.add("country", code)
        if has_prop(holder, "country"):
            holder.add("country", code, quiet=True)
    if has_prop(holder, "addressEntity"):
        holder.add("addressEntity", addr.id)
    add_value(ctx, holder, "address", full_text, ref)
    return addr


def make_sanction(ctx: Context, target: EntityProxy, ref: object, *,
                  authority: str, programs: Iterable[object] = (), listing_date: object = None,
                  modified: object = None, reason: object = None, provisions: Iterable[object] = (),
                  authority_id: object = None, unsc_id: object = None, status: object = None,
                  order: str = "dmy", key: object = "sanction") -> EntityProxy:
    """The Sanction entity for one designation: who, under which regime, since when."""
    sanction = ctx.make("Sanction")
    sanction.id = ctx.make_id(ref, key)
    sanction.add("entity", target.id)
    sanction.add("authority", authority)
    add_value(ctx, sanction, "authorityId", authority_id if authority_id is not None else ref, ref)
    add_value(ctx, sanction, "unscId", unsc_id, ref)
    add_value(ctx, sanction, "status", status, ref)
    for program in programs:
        add_value(ctx, sanction, "program", program, ref)
    for provision in provisions:
        add_value(ctx, sanction, "provisions", provision, ref)
    listed = add_date(ctx, sanction, "listingDate", listing_date, ref, order)
    if listed:
        sanction.add("startDate", listed)
        ctx.saw_listing_date(listed)
    changed = add_date(ctx, sanction, "modifiedAt", modified, ref, order)
    if changed:
        ctx.saw_listing_date(changed)
    add_value(ctx, sanction, "reason", reason, ref)
    return sanction
