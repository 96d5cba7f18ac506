"""OFAC's `sdnList` XML (SDN.XML and CONSOLIDATED.XML): one target per `sdnEntry`.

The schema is the same for the SDN list and the non-SDN consolidated list; only the
namespace changed over the years, so elements are matched by local name. This module also
holds what the legacy CSV files share with the XML (`OfacRecord`, the idType vocabulary,
sdn-vs-consolidated recognition), so both formats turn the same facts into the same
properties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from followthemoney import EntityProxy
from lxml import etree

from watchlist.normalize.countries import country_code
from watchlist.normalize.dates import iso_date, parse_date
from watchlist.sources.base import Context, Format, Sniff
from watchlist.sources.entities import (
    add_birth_date,
    add_country,
    add_date,
    add_name,
    add_value,
    clean,
    has_prop,
    make_address,
    make_identification,
    make_sanction,
    make_wallet,
    mark_target,
)
from watchlist.sources.files import (
    child,
    child_text,
    children,
    head_text,
    is_html,
    iter_xml,
    local,
    xml_root_attrs,
    xml_root_tag,
)

SDN = "us_ofac_sdn"
CONS = "us_ofac_cons"
AUTHORITY = "US Treasury, Office of Foreign Assets Control (OFAC)"

#: sdnType (XML) / SDN_Type (CSV, where "-0-" means entity) -> FollowTheMoney schema.
SCHEMAS = {
    "individual": "Person",
    "entity": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
}

#: Programme tags only the non-SDN consolidated list carries (SSI, NS-PLC, 561, NS-ISA,
#: NS-MBS, CMIC, CAPTA); FSE-* is matched by prefix.
NON_SDN_PROGRAMS = frozenset({
    "NS-PLC", "PLC", "561LIST", "561-RELATED", "NS-ISA", "NS-MBS", "MBS", "SSI",
    "UKRAINE-EO13662", "CMIC-EO13959", "NS-CMIC-EO13959", "CAPTA",
})
#: Share of records with a non-SDN programme above which a file is the consolidated list.
CONS_SHARE = 1 / 3

#: idType labels (normalised by `label_key`) -> identifier kind (a key of entities.ID_PROPS).
ID_KINDS: dict[str, str] = {
    "passport": "passport",
    "diplomatic passport": "passport",
    "passport booklet": "passport",
    "british national overseas passport": "passport",
    "stateless person passport": "passport",
    "national id no.": "national_id",
    "national foreign id number": "national_id",
    "personal id card": "national_id",
    "identification number": "national_id",
    "d.n.i.": "national_id",
    "cedula no.": "national_id",
    "c.u.r.p.": "national_id",
    "kenyan id no.": "national_id",
    "turkish identification number": "national_id",
    "citizen's card number": "national_id",
    "numero de identidad": "national_id",
    "tazkira national id card": "national_id",
    "moroccan personal id no.": "national_id",
    "cnp (personal numerical code)": "national_id",
    "c.u.i.": "national_id",
    "le number": "national_id",
    "n.i.e.": "national_id",
    "i.f.e.": "national_id",
    "credencial electoral": "id",
    "electoral registry no.": "id",
    "residency number": "id",
    "refugee id card": "id",
    "stateless person id card": "id",
    "birth certificate number": "id",
    "travel document number": "id",
    "seafarer's identification document": "id",
    "driver's license no.": "id",
    "public security and immigration no.": "id",
    "immigration no.": "id",
    "visanumberid": "id",
    "cartilla de servicio militar nacional": "id",
    "sre permit no.": "id",
    "pilot license number": "id",
    "romanian permanent resident can": "id",
    "tarjeta profesional": "id",
    "file number": "id",
    "c.u.i.p.": "id",
    "isin": "id",
    "bik (ru)": "id",
    "tax id no.": "tax",
    "r.f.c.": "tax",
    "rfc": "tax",
    "nit": "tax",
    "ruc": "tax",
    "rif": "tax",
    "c.u.i.t.": "tax",
    "rtn": "tax",
    "italian fiscal code": "tax",
    "fiscal code": "tax",
    "us fein": "tax",
    "c.i.f.": "tax",
    "romanian tax registration": "tax",
    "numero unico de identificacao tributaria (nuit)": "tax",
    "rsin": "tax",
    "v.a.t. number": "vat",
    "ssn": "ssn",
    "registration id": "registration",
    "registration number": "registration",
    "company number": "registration",
    "uk company number": "registration",
    "commercial registry number": "registration",
    "business registration document": "registration",
    "business registration number": "registration",
    "business number": "registration",
    "certificate of incorporation number": "registration",
    "chamber of commerce number": "registration",
    "trade license no.": "registration",
    "tourism license no.": "registration",
    "license": "registration",
    "government gazette number": "registration",
    "folio mercantil no.": "registration",
    "matricula mercantil no": "registration",
    "enterprise number": "registration",
    "branch unit number": "registration",
    "economic register number (cbls)": "registration",
    "registered charity no.": "registration",
    "c.r. no.": "registration",
    "romanian c.r.": "registration",
    "public registration number": "registration",
    "dubai chamber of commerce membership no.": "registration",
    "istanbul chamber of comm. no.": "registration",
    "central registration system number": "registration",
    "msb registration number": "registration",
    "afghan money service provider license number": "registration",
    "organization code": "registration",
    "unified social credit code (uscc)": "registration",
    "united social credit code certificate (usccc)": "registration",
    "legal entity number": "lei",
    "d-u-n-s number": "duns",
    "swift/bic": "swift",
    "vessel registration identification": "imo",
    "international maritime organization no.": "imo",
    "mmsi": "mmsi",
    "email address": "email",
    "email": "email",
    "website": "website",
    "phone number": "phone",
    "phone no.": "phone",
    "phone": "phone",
    "telephone": "phone",
    "telephone no.": "phone",
    "telephone number": "phone",
}

#: Feature labels that set a property of the target: candidate properties, first that fits.
TARGET_PROPS: dict[str, tuple[str, ...]] = {
    "vessel call sign": ("callSign",),
    "vessel type": ("type",),
    "vessel flag": ("flag",),
    "former vessel flag": ("pastFlags",),
    "other vessel flag": ("pastFlags",),
    "vessel year of build": ("buildDate",),
    "vessel owner": (),
    "nationality of registration": ("jurisdiction", "flag"),
    "aircraft model": ("model",),
    "aircraft manufacture date": ("buildDate",),
    "aircraft manufacturer's serial number (msn)": ("serialNumber",),
    "aircraft construction number (also called l/n or s/n or f/n)": ("serialNumber",),
    "aircraft mode s transponder code": ("icaoCode",),
    "aircraft tail number": ("registrationNumber",),
    "organization established date": ("incorporationDate",),
    "organization type": ("sector",),
    "target type": ("classification",),
}

#: Labels kept as notes on the target ("Label: value").
NOTE_LABELS = frozenset({
    "aircraft operator", "previous aircraft tail number", "issuer name", "equity ticker",
    "fax", "fax no.", "linked to", "un/locode", "position",
})

#: Label prefixes describing the designation itself: kept as provisions on the Sanction.
PROVISION_PREFIXES = (
    "additional sanctions information",
    "secondary sanctions risk",
    "transactions prohibited for persons owned or controlled by u.s. financial institutions",
    "executive order",
    "caatsa section 235 information",
    "ifca determination",
    "listing date",
    "effective date",
    "purchase/sales for divestment date",
    "for more information",
    "u.s. persons must continue",
    "united states financial institutions are prohibited",
)

#: Values that say a field is unknown; kept as a note, never warned about.
_UNKNOWN_VALUES = {"none identified", "not identified", "unknown"}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_DOB_RANGE = re.compile(r"^(circa\s+)?(.+?)\s+to\s+(.+)$", re.IGNORECASE)
_PROGRAM_SPLIT = re.compile(r"\]\s*\[")
#: Every label the Remarks parser knows, longest first so `Registration Number HRB` wins.
_LABELS = sorted({*ID_KINDS, *TARGET_PROPS, *NOTE_LABELS}, key=len, reverse=True)
_DATE_TEXT = (r"(?:\d{1,2}\s+)?(?:[A-Za-z]{3,9}\.?\s+)?\d{4}"
              r"(?:\s+to\s+(?:\d{1,2}\s+)?(?:[A-Za-z]{3,9}\.?\s+)?\d{4})?")
_ID_TAIL = re.compile(
    r"^(?P<num>.*?)(?:\s*\((?P<country>[^()]*)\))?"
    rf"(?:\s+issued\s+(?P<issued>{_DATE_TEXT}))?(?:\s+expires\s+(?P<expires>{_DATE_TEXT}))?\s*$",
    re.IGNORECASE,
)
#: Most words an identifier "number" may have; more is a sentence, kept as a note.
_MAX_ID_WORDS = 6
_ALT_PREFIX = re.compile(r"^alt\.\s*", re.IGNORECASE)
_DOB = re.compile(r"^DOB:?\s+(.+)$", re.IGNORECASE)
_POB = re.compile(r"^POB:?\s+(.+)$", re.IGNORECASE)
_AKA = re.compile(r"^([afn])\.k\.a\.?,?\s+(.+)$", re.IGNORECASE)
_WALLET = re.compile(r"^Digital Currency Address\s*-\s*(\S+)\s+(\S+)$", re.IGNORECASE)
_NATIONALITY = re.compile(r"^(nationality|citizen)\s+(.+)$", re.IGNORECASE)
_GENDER = re.compile(r"^gender:?\s+(.+)$", re.IGNORECASE)
_LINKED = re.compile(r"^\(?linked to:", re.IGNORECASE)
#: A provision giving the day an entry was listed under a directive or the CMIC programme:
#: `Listing Date (EO 14024 Directive 2): 24 Feb 2022`, `Listing Date (CMIC) 03 Jun 2021`.
_LISTING_DATE = re.compile(r"^listing date\b.*?(\d{1,2}\s+[a-z]{3,9}\.?\s+\d{4})\.?$",
                           re.IGNORECASE)


def label_key(label: str) -> str:
    """An OFAC feature label normalised for lookup: lower case, no `alt.`, no trailing `-:#`."""
    key = re.sub(r"\s+", " ", label).strip().lower()
    key = re.sub(r"^alt\.\s*", "", key)
    return key.rstrip(" -:#").strip()


def split_programs(text: object) -> list[str]:
    """Programme tags from a field like `SDGT] [NS-PLC` (the CSV joins them so)."""
    value = clean(text)
    if value is None:
        return []
    return [p for p in (clean(x.strip("[] ")) for x in _PROGRAM_SPLIT.split(value)) if p]


def is_non_sdn_program(program: str) -> bool:
    """True for a programme tag only the non-SDN consolidated list uses."""
    tag = program.strip().upper()
    return tag in NON_SDN_PROGRAMS or tag.startswith("FSE-")


def guess_source(entries: Sequence[tuple[Sequence[str], str]]) -> str:
    """SDN or consolidated list, from (programmes, text) of the first records of a file.

    The consolidated list carries non-SDN programmes (or says "Not on the SDN List") on
    nearly every record; the SDN list on well under one record in a hundred.
    """
    if not entries:
        return SDN
    hits = sum(
        1 for programs, text in entries
        if any(is_non_sdn_program(p) for p in programs) or "not on the sdn list" in text.lower()
    )
    return CONS if hits >= CONS_SHARE * len(entries) else SDN


def reorder_name(text: str) -> tuple[str, str | None, str | None, str | None]:
    """OFAC's `LAST, First Middle[, Jr.]` as (display name, first, last, suffix).

    Names that are not in that shape (a single name, several commas) are kept as given.
    """
    parts = [p.strip() for p in text.split(",")]
    suffix = None
    if len(parts) == 3 and parts[2].lower() in _SUFFIXES:
        suffix = parts.pop()
    elif len(parts) == 3 and parts[1].lower() in _SUFFIXES:
        suffix = parts.pop(1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return text, None, None, None
    last, first = parts
    display = " ".join(p for p in (first, last, suffix) if p)
    return display, first, last, suffix


class OfacRecord:
    """Collects one OFAC entry (XML sdnEntry or CSV row): target, Sanction, helper entities."""

    def __init__(self, ctx: Context, ref: str, sdn_type: str | None) -> None:
        self.ctx = ctx
        self.ref = ref
        kind = (clean(sdn_type) or "entity").lower()
        schema = SCHEMAS.get(kind)
        if schema is None:
            ctx.warn(ref, f"unknown type {sdn_type!r}; kept as a legal entity")
            schema = "LegalEntity"
        self.individual = schema == "Person"
        self.target = ctx.make(schema)
        self.target.id = ctx.make_id(ref)
        mark_target(self.target)
        self.programs: list[str] = []
        self.provisions: list[str] = []
        self.notes: list[str] = []
        self.extras: dict[str, EntityProxy] = {}

    def keep(self, entity: EntityProxy | None) -> None:
        """Keep a helper entity (merged with an earlier one of the same id)."""
        if entity is None or entity.id is None:
            return
        if entity.id in self.extras:
            self.extras[entity.id].merge(entity)
        else:
            self.extras[entity.id] = entity

    def note(self, text: object) -> None:
        """Keep a remark on the target's notes, once."""
        value = clean(text)
        if value and value not in self.notes:
            self.notes.append(value)

    def name(self, text: object, prop: str = "name") -> None:
        """Add a name; an individual's `LAST, First` becomes `First LAST` (parts on the primary)."""
        value = clean(text)
        if value is None:
            return
        if self.individual:
            display, first, last, suffix = reorder_name(value)
            if prop == "name" and last:
                add_value(self.ctx, self.target, "firstName", first, self.ref)
                add_value(self.ctx, self.target, "lastName", last, self.ref)
                add_value(self.ctx, self.target, "nameSuffix", suffix, self.ref)
            value = display
        add_name(self.ctx, self.target, value, self.ref, prop)

    def split_name(self, first: object, last: object, prop: str = "name") -> None:
        """Add a name given as XML firstName / lastName parts."""
        first_text, last_text = clean(first), clean(last)
        if first_text is None and last_text and self.individual:
            self.name(last_text, prop)
            return
        full = " ".join(p for p in (first_text, last_text) if p)
        if not full:
            return
        if prop == "name" and self.individual:
            add_value(self.ctx, self.target, "firstName", first_text, self.ref)
            add_value(self.ctx, self.target, "lastName", last_text, self.ref)
        add_name(self.ctx, self.target, full, self.ref, prop)

    @staticmethod
    def alias_prop(alias_type: object, strong: bool) -> str:
        """a.k.a. / n.k.a. -> alias (weakAlias when weak); f.k.a. -> previousName."""
        kind = (clean(alias_type) or "aka").lower().replace(".", "")
        if kind == "fka":
            return "previousName"
        return "alias" if strong else "weakAlias"

    def title(self, text: object) -> None:
        """OFAC's title: positions of a person (`;`-separated), a note otherwise."""
        value = clean(text)
        if value is None:
            return
        if has_prop(self.target, "position"):
            for part in value.split(";"):
                add_value(self.ctx, self.target, "position", part, self.ref)
        else:
            self.note(f"Title: {value}")

    def birth_date(self, text: object) -> None:
        """A DOB as OFAC writes it: `30 Aug 1954`, `1954`, `circa 1955`, `1955 to 1958`."""
        value = clean(text)
        if value is None:
            return
        m = _DOB_RANGE.match(value)
        if m:
            start, end = parse_date(m.group(2)), parse_date(m.group(3))
            if start and end and not start.problem and not end.problem:
                y1, y2 = start.iso[:4], end.iso[:4]
                if start.iso in (y1, f"{y1}-01", f"{y1}-01-01") and \
                        end.iso in (y2, f"{y2}-12", f"{y2}-12-31"):
                    value = f"{m.group(1) or ''}{y1} to {y2}"
                else:
                    for iso in (start.iso, end.iso):
                        self.target.add("birthDate", iso, quiet=True)
                    self.note(f"birthDate: {value}")
                    return
        add_birth_date(self.ctx, self.target, value, self.ref)

    def country(self, prop: str, text: object) -> None:
        """Nationality / citizenship; an unknown value is warned about and kept as a note."""
        value = clean(text)
        if value is None:
            return
        target_prop = prop if has_prop(self.target, prop) else "country"
        if add_country(self.ctx, self.target, target_prop, value, self.ref) is None:
            self.note(f"{prop}: {value}")

    def gender(self, text: object) -> None:
        """`Male` / `Female` as FollowTheMoney's gender."""
        value = (clean(text) or "").lower()
        if value in {"male", "female"}:
            self.target.add("gender", value, quiet=True)
        elif value:
            self.note(f"Gender: {text}")

    def address(self, key: object, **parts: object) -> None:
        """An address of the target (street, city, region, postal_code, country)."""
        self.keep(make_address(self.ctx, self.target, self.ref, key=key, **parts))

    def set_prop(self, props: Iterable[str], label: str, value: str) -> None:
        """Set the first property the target has, by its type; a note when none fits."""
        if value.lower() in _UNKNOWN_VALUES:
            self.note(f"{label}: {value}")
            return
        for prop in props:
            if not has_prop(self.target, prop):
                continue
            kind = self.target.schema.properties[prop].type.name
            if kind == "country":
                if add_country(self.ctx, self.target, prop, value, self.ref) is None:
                    self.note(f"{label}: {value}")
            elif kind == "date":
                self.dated(self.target, prop, value, label)
            else:
                add_value(self.ctx, self.target, prop, value, self.ref)
            return
        self.note(f"{label}: {value}")

    def feature(self, label: object, value: object, country: object = None,
                issued: object = None, expires: object = None) -> None:
        """One idList entry (or its CSV remark): identifier, contact, vessel detail, provision."""
        label_text, number = clean(label), clean(value)
        if label_text is None or number is None:
            return
        key = label_key(label_text)
        if key.startswith("digital currency address"):
            currency = label_text.rsplit("-", 1)[-1].strip() if "-" in label_text else None
            self.keep(make_wallet(self.ctx, self.target, currency, number, self.ref))
        elif key == "gender":
            self.gender(number)
        elif key.startswith(PROVISION_PREFIXES):
            self.provisions.append(f"{label_text} {number}")
        elif key in TARGET_PROPS:
            self.set_prop(TARGET_PROPS[key], label_text, number)
        elif key in NOTE_LABELS:
            self.note(f"{label_text}: {number}")
        else:
            self.identifier(key, label_text, number, country, issued, expires)

    def identifier(self, key: str, label: str, number: str, country: object,
                   issued: object, expires: object) -> None:
        """An identifier: on the target's matching property and as an Identification."""
        kind = "passport" if "passport" in key else ID_KINDS.get(key, "id")
        if re.match(r"^IMO\s*\d{7}$", number, re.IGNORECASE):
            kind, number = "imo", "IMO " + re.sub(r"\D", "", number)
        elif kind == "imo":
            kind = "registration"
        elif kind == "swift":
            number = re.sub(r"\s+", "", number)
        if kind in {"email", "website", "phone"}:
            prop = self.target.schema.properties.get(kind)
            if kind == "phone" and re.fullmatch(r"\d{10,15}", number):
                number = "+" + number  # OFAC writes international numbers without the +
            if prop is None or prop.type.clean(number) is None:
                self.note(f"{label}: {number.lstrip('+')}")
            else:
                make_identification(self.ctx, self.target, kind, number, self.ref)
            return
        ident = make_identification(self.ctx, self.target, kind, number, self.ref,
                                    country=country, type_label=label)
        if ident is not None:
            self.dated(ident, "startDate", issued, "issued")
            self.dated(ident, "endDate", expires, "expires")
            code = country_code(clean(country)) if clean(country) else None
            if clean(country) and code is None:
                ident.add("summary", f"country: {clean(country)}", quiet=True)
        self.keep(ident)

    def dated(self, entity: EntityProxy, prop: str, text: object, label: str) -> None:
        """A date; OFAC's `01 Jan 2008 to 31 Dec 2010` keeps its start, the range noted."""
        value = clean(text)
        if value is None:
            return
        m = _DOB_RANGE.match(value)
        if m:
            start = parse_date(m.group(2))
            if start is not None:
                entity.add(prop, start.iso, quiet=True)
            note = f"{label}: {value}"
            if entity is self.target:
                self.note(note)
            else:
                entity.add("summary", note, quiet=True)
            return
        add_date(self.ctx, entity, prop, value, self.ref)

    def finish(self) -> list[EntityProxy]:
        """The target, its Sanction and helper entities, ready to yield.

        A `Listing Date` provision feeds the stand-in list date (the CSV has no other).
        """
        for text in self.notes:
            add_value(self.ctx, self.target, "notes", text, self.ref)
        for provision in self.provisions:
            if m := _LISTING_DATE.match(provision.strip()):
                self.ctx.saw_listing_date(iso_date(m.group(1)))
        sanction = make_sanction(
            self.ctx, self.target, self.ref, authority=AUTHORITY, programs=self.programs,
            provisions=self.provisions, authority_id=self.ref,
        )
        sanction.add("country", "us")
        return [self.target, sanction, *self.extras.values()]


def _strip_final_period(text: str) -> str:
    """Drop the full stop OFAC ends Remarks with, but not one closing `S.A.`-like words."""
    text = text.strip()
    if not text.endswith("."):
        return text
    if text[-2:-1] in {"'", '"', ")"}:
        return text[:-1]
    last_word = text.rsplit(None, 1)[-1]
    return text if "." in last_word[:-1] else text[:-1]


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text


def match_label(text: str) -> str | None:
    """The known feature label a remark starts with (case-insensitive), or None."""
    low = text.lower()
    for label in _LABELS:
        if low.startswith(label) and (len(low) == len(label) or low[len(label)] in " :#"):
            return text[:len(label)]
    return None


def split_id_value(rest: str) -> tuple[str, str | None, str | None, str | None] | None:
    """`RL 1794375 (Lebanon) issued 01 Jan 2000 expires 2010` -> number, country, dates.

    None when the text is a sentence about an identifier rather than one.
    """
    m = _ID_TAIL.match(rest)
    if m is None:
        return None
    number, country = m.group("num").strip(" :#"), m.group("country")
    if country and country_code(country) is None:
        number, country = f"{number} ({country})", None
    words = len(number.split())
    if words > 1 and (words > _MAX_ID_WORDS or not re.search(r"\d", number)):
        return None
    return number, country, m.group("issued"), m.group("expires")


def apply_remark(rec: OfacRecord, segment: str) -> None:
    """One `;`-separated part of Remarks onto the record; anything not understood is a note."""
    body = _ALT_PREFIX.sub("", segment.strip())
    if not body:
        return
    if m := _DOB.match(body):
        rec.birth_date(m.group(1))
    elif m := _POB.match(body):
        if has_prop(rec.target, "birthPlace"):
            add_value(rec.ctx, rec.target, "birthPlace", m.group(1), rec.ref)
        else:
            rec.note(body)
    elif m := _AKA.match(body):
        prop = rec.alias_prop(f"{m.group(1)}ka", strong=False)
        rec.name(_unquote(m.group(2)), prop)
    elif _LINKED.match(body):
        rec.note(body.strip("()"))
    elif m := _WALLET.match(body):
        rec.feature(f"Digital Currency Address - {m.group(1)}", m.group(2))
    elif label_key(body).startswith(PROVISION_PREFIXES):
        rec.provisions.append(body)
    elif label := match_label(body):
        _labelled(rec, label, body[len(label):].strip(" :#"))
    elif m := _NATIONALITY.match(body):
        prop = "nationality" if m.group(1).lower() == "nationality" else "citizenship"
        rec.country(prop, m.group(2))
    elif m := _GENDER.match(body):
        rec.gender(m.group(1))
    elif body not in rec.target.get("position", quiet=True):
        rec.note(body)


def _labelled(rec: OfacRecord, label: str, rest: str) -> None:
    key = label_key(label)
    if ID_KINDS.get(key) == "swift":
        rest = re.sub(r"\s+", "", rest)
    if not rest:
        rec.note(label)
    elif key in TARGET_PROPS or key in NOTE_LABELS or ID_KINDS.get(key) in {
        "email", "website", "phone",
    }:
        rec.feature(label, rest)
    elif (parts := split_id_value(rest)) is not None:
        rec.feature(label, *parts)
    else:
        rec.note(f"{label} {rest}")


def apply_remarks(rec: OfacRecord, text: str) -> None:
    """Every part of a Remarks text (primary field plus its comments overflow)."""
    value = clean(text)
    if value is None:
        return
    for segment in _strip_final_period(value).split(";"):
        apply_remark(rec, segment)


def _entry_source_hints(text: str) -> list[tuple[list[str], str]]:
    chunks = re.split(r"<(?:[\w.-]+:)?sdnEntry[\s>]", text)[1:]
    return [(re.findall(r"<(?:[\w.-]+:)?program>([^<]*)<", c), c) for c in chunks]


def sniff(path: Path, head: bytes) -> Sniff | None:
    """An `sdnList` root; SDN or consolidated judged from the programmes of the first entries."""
    if not head or is_html(head) or xml_root_tag(head) != "sdnList":
        return None
    return Sniff("ofac_xml", guess_source(_entry_source_hints(head_text(head))))


def _items(entry: etree._Element, list_name: str, item_name: str) -> list[etree._Element]:
    holder = child(entry, list_name)
    return children(holder, item_name) if holder is not None else []


def parse_entry(ctx: Context, entry: etree._Element) -> list[EntityProxy]:
    """One sdnEntry as its target, Sanction and helper entities (empty when it has no uid)."""
    uid = child_text(entry, "uid")
    if uid is None or not re.search(r"[0-9A-Za-z]", uid):
        ctx.warn(uid or "?", "sdnEntry without a usable uid; skipped")
        return []
    rec = OfacRecord(ctx, uid, child_text(entry, "sdnType"))
    rec.split_name(child_text(entry, "firstName"), child_text(entry, "lastName"))
    rec.title(child_text(entry, "title"))
    apply_remarks(rec, child_text(entry, "remarks") or "")
    rec.programs.extend(p for p in (clean(x.text) for x in _items(entry, "programList", "program"))
                        if p)
    for item in _items(entry, "idList", "id"):
        rec.feature(child_text(item, "idType"), child_text(item, "idNumber"),
                    child_text(item, "idCountry"), child_text(item, "issueDate"),
                    child_text(item, "expirationDate"))
    for aka in _items(entry, "akaList", "aka"):
        strong = (child_text(aka, "category") or "strong").lower() != "weak"
        rec.split_name(child_text(aka, "firstName"), child_text(aka, "lastName"),
                       rec.alias_prop(child_text(aka, "type"), strong))
    for addr in _items(entry, "addressList", "address"):
        street = ", ".join(
            t for t in (child_text(addr, f"address{i}") for i in (1, 2, 3)) if t
        )
        rec.address(child_text(addr, "uid"), street=street or None,
                    city=child_text(addr, "city"), region=child_text(addr, "stateOrProvince"),
                    postal_code=child_text(addr, "postalCode"),
                    country=child_text(addr, "country"))
    for item in _items(entry, "nationalityList", "nationality"):
        rec.country("nationality", child_text(item, "country"))
    for item in _items(entry, "citizenshipList", "citizenship"):
        rec.country("citizenship", child_text(item, "country"))
    for item in _items(entry, "dateOfBirthList", "dateOfBirthItem"):
        rec.birth_date(child_text(item, "dateOfBirth"))
    for item in _items(entry, "placeOfBirthList", "placeOfBirthItem"):
        add_value(ctx, rec.target, "birthPlace", child_text(item, "placeOfBirth"), uid)
    vessel = child(entry, "vesselInfo")
    if vessel is not None:
        vessel_details(rec, {local(c.tag): clean(c.text) for c in vessel})
    return rec.finish()


def vessel_details(rec: OfacRecord, info: Mapping[str, str | None]) -> None:
    """vesselInfo (XML) or the CSV vessel columns: call sign, type, flag, owner, tonnage."""
    for key, props, label in (
        ("callSign", ("callSign",), "Call sign"),
        ("vesselType", ("type",), "Vessel type"),
        ("vesselFlag", ("flag", "country"), "Vessel flag"),
        ("vesselOwner", (), "Vessel owner"),
        ("tonnage", ("tonnage",), "Tonnage"),
        ("grossRegisteredTonnage", ("grossRegisteredTonnage",), "Gross registered tonnage"),
    ):
        value = clean(info.get(key))
        if value and "onnage" in key:
            value = value.replace(",", "")
        if value:
            rec.set_prop(props, label, value)


def _publish_info(ctx: Context, elem: etree._Element) -> int | None:
    """Set ctx.published from Publish_Date (MM/DD/YYYY); return the declared Record_Count."""
    date_text = child_text(elem, "Publish_Date")
    parsed = parse_date(date_text, "mdy") if date_text else None
    if parsed is not None and len(parsed.iso) == 10:
        ctx.published = parsed.iso
    elif date_text:
        ctx.warn("publshInformation", f"Publish_Date {date_text!r} is not a date")
    count_text = child_text(elem, "Record_Count")
    if count_text is None:
        return None
    if not count_text.isdigit():
        raise ctx.fail(f"Record_Count {count_text!r} is not a number")
    return int(count_text)


def parse(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Stream every sdnEntry; the declared Record_Count must match what was read."""
    path = files["main"]
    root, _attrs = xml_root_attrs(path, ctx.file)
    if root != "sdnList":
        raise ctx.fail(f"root element is <{root}>, not OFAC's <sdnList>")
    declared: int | None = None
    count = 0
    for elem in iter_xml(path, {"publshInformation", "publishInformation", "sdnEntry"},
                         ctx.file):
        if local(elem.tag) == "sdnEntry":
            count += 1
            yield from parse_entry(ctx, elem)
        else:
            declared = _publish_info(ctx, elem)
    if count == 0:
        raise ctx.fail("holds no <sdnEntry> records")
    if declared is None:
        ctx.warn("publshInformation", "no Record_Count; the entry count could not be checked")
    elif declared != count:
        raise ctx.fail(f"declares Record_Count {declared} but holds {count} <sdnEntry> records "
                       "(truncated or altered file?)")


FORMATS = [Format(name="ofac_xml", sniff=sniff, parse=parse)]
