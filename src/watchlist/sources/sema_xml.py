"""Canada: the Consolidated Canadian Autonomous Sanctions List (SEMA and JVCFOA), `sema-lmes.xml`.

`<data-set>` holds one `<record>` per listed party. Two schemas are read:

* 2020: Country, LastName, GivenName, Entity, Title, DateOfBirth, Aliases, Schedule, Item;
* 2025: EntityOrShip, TitleOrShip, DateOfBirthOrShipBuildDate, ShipIMONumber and DateOfListing
  replace or join those (a ship is a record with a ShipIMONumber; its "title" is the ship
  type and its "date of birth" the build year).

`Country` names the regulation, not the party's country: "Russia / Russie" is the Special
Economic Measures (Russia) Regulations, "Justice for Victims of Corrupt Foreign Officials
Regulations (JVCFOR) / ..." is the JVCFOA regulation, "Hamas Terrorist Attacks / ..." a
thematic one. Its ISO code goes on the Sanction only: a Ukrainian listed under the Russia
regulations is no Russian, and a wrong country would count against a true match.

There is no id in the file. A party is identified in its regulation by schedule (part) and
item number, so the stable reference is regime + part + item. The publisher relabelled the
schedules between 2020 and 2025 ("2" became "Part 2" or "1, Part 2", JVCFOR's "1" became
nothing), so the labels are read into the part they mean (see `_part_keys`); where two records
would still share a reference, the name is added and a warning recorded. The file carries no
list date: `ctx.published` stays None and the newest DateOfListing stands in.

Names: persons get firstName (GivenName, patronymic included as Canada writes it) and
lastName; `Aliases` is one string joining names with ", ", "; ", " or ", " / ", language labels
("Russian: ...") and line breaks between scripts, while some names themselves contain a comma
before a legal form ("Рембаза, АО"): see `split_aliases`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import EntityProxy

from watchlist.normalize.countries import country_code
from watchlist.sources.base import Context, Format, Sniff
from watchlist.sources.entities import (
    add_birth_date,
    add_date,
    add_name,
    add_value,
    clean,
    make_identification,
    make_sanction,
    mark_target,
)
from watchlist.sources.files import (
    head_text,
    is_html,
    iter_xml,
    local,
    xml_root_attrs,
    xml_root_tag,
)
from watchlist.sources.meter import in_turn

SOURCE = "ca_dfatd_sema_sanctions"
FORMAT = "sema_xml"
AUTHORITY = "Global Affairs Canada"
ROOT = "data-set"
RECORD = "record"

#: Every element a record may hold (2020 and 2025 schemas); others are warned about once.
KNOWN_FIELDS = {
    "Country", "LastName", "GivenName", "Entity", "EntityOrShip", "Title", "TitleOrShip",
    "DateOfBirth", "DateOfBirthOrShipBuildDate", "ShipIMONumber", "Aliases", "Schedule", "Item",
    "DateOfListing",
}
_SNIFF_FIELDS = re.compile(r"<(?:Country|LastName|GivenName|EntityOrShip|Entity|Item)>")
_NO_SCHEDULE = {"n/a", "na", "none", "-"}
_PART = re.compile(r"^(?:(\d+)\s*,\s*)?Part\s*(\d+(?:\.\d+)?)$", re.IGNORECASE)
_BARE = re.compile(r"^\d+(?:\.\d+)?$")
_ACRONYM = re.compile(r"\(([A-Z]{3,})\)")
_OR_SPLIT = re.compile(r"(?:^|\s+)or\s+|\s+OR\s+")
_DATES_SPLIT = re.compile(r";|(?:^|\s+)or\s+|\s+OR\s+")
_AND_SPLIT = re.compile(r"(?:^|\s+)and\s+")
_LANG_LABEL = re.compile(
    r"\(?\s*\b(?:Belarus+ian|Russian|Ukrainian|Arabic|Hebrew|Persian|Farsi|Chinese|Georgian)"
    r"\s*:", re.IGNORECASE,
)
_SPACED_SLASH = re.compile(r"\s+/\s*|\s*/\s+")
_CYRILLIC_LOWER = re.compile(r"^[а-яёіїєў]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
#: Legal forms that follow a comma inside one name ("Радиоавтоматика, ООО").
_LEGAL_FORMS = {
    "ао", "ооо", "оао", "пао", "зао", "сао", "фгуп", "нао", "ао)", "ооо)", "llc", "jsc", "ao",
    "pjsc", "ojsc", "cjsc", "fsue", "ltd", "inc", "co", "limited", "plc", "gmbh", "s.a", "llp",
}
#: Words of legal forms only; an "alias" made of nothing else is no name ("Акционерное общество").
_GENERIC_WORDS = {
    "акционерное", "общество", "открытое", "закрытое", "публичное", "с", "ограниченной",
    "ответственностью", "joint", "stock", "company", "limited", "liability", "public", "open",
    "closed", "the",
}
_BRACKETS = {"(": ")", "«": "»", "“": "”"}


@dataclass
class SemaRecord:
    """One `<record>`: each element's raw text (line breaks kept for `Aliases`), and its
    position in the file for messages."""

    position: int
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, *names: str) -> str | None:
        """The first of the named fields that has a value."""
        for name in names:
            value = clean(self.fields.get(name))
            if value is not None:
                return value
        return None


def sniff(path: Path, head: bytes) -> Sniff | None:
    """A `<data-set>` of `<record>`s holding SEMA fields (Country, Item, names)."""
    if is_html(head) or xml_root_tag(head) != ROOT:
        return None
    if not _SNIFF_FIELDS.search(head_text(head)):
        return None
    return Sniff(format=FORMAT, source=SOURCE)


def read_records(ctx: Context, path: Path) -> list[SemaRecord]:
    """Every record of the file as text; the root and a non-empty list are checked."""
    root, _attrs = xml_root_attrs(path, ctx.file)
    if root != ROOT:
        raise ctx.fail(f"root element is <{root}>, not <{ROOT}>: not the SEMA list")
    records: list[SemaRecord] = []
    unknown: set[str] = set()
    for elem in iter_xml(path, {RECORD}, ctx.file):
        record = SemaRecord(position=len(records) + 1)
        for child in elem:
            tag = local(child.tag)
            if not tag:
                continue
            if tag not in KNOWN_FIELDS and tag not in unknown:
                unknown.add(tag)
                ctx.warn(f"#{record.position}", f"unknown element <{tag}> ignored "
                         "(has the publisher changed the schema?)")
            text = child.text or ""
            seen = record.fields.get(tag)
            record.fields[tag] = f"{seen}; {text}" if seen else text
        records.append(record)
    if not records:
        raise ctx.fail(f"holds no <{RECORD}> elements: zero records")
    return records


def regime_of(country: str | None) -> tuple[str, str]:
    """(id key, English name) of the regulation a record's `Country` names."""
    text = clean(country) or "unknown"
    english = clean(text.split("/", 1)[0]) or text
    code = country_code(text)
    if code:
        return code, english
    acronym = _ACRONYM.search(english)
    return (acronym.group(1).lower() if acronym else english), english


def _schedule_text(value: str | None) -> str | None:
    text = clean(value)
    if text is None or text.lower() in _NO_SCHEDULE:
        return None
    return text


def _part_keys(records: list[SemaRecord]) -> dict[int, str | None]:
    """The part each record's schedule label means, per regime, stable across relabellings.

    "Part X" and "1, Part X" are part X. A bare number is a part when the regime uses no
    "Part" labels in the file (Iran 2020 "2" = 2025 "1, Part 2"), and a single bare "1" for
    a whole regime is its only schedule (JVCFOR 2020 "1" = 2025 no schedule). Where a regime
    does use "Part" labels, a bare "1" is schedule 1's part 1 and any other bare number is a
    further schedule (Russia 2020 "2", 2025 "1.1").
    """
    by_regime: dict[str, list[SemaRecord]] = defaultdict(list)
    for record in records:
        by_regime[regime_of(record.fields.get("Country"))[0]].append(record)
    keys: dict[int, str | None] = {}
    for group in by_regime.values():
        labels = [_schedule_text(r.fields.get("Schedule")) for r in group]
        uses_parts = any(label and _PART.match(label) for label in labels)
        only_one = all(label == "1" for label in labels)
        for record, label in zip(group, labels, strict=True):
            keys[record.position] = _part_key(label, uses_parts, only_one)
    return keys


def _part_key(label: str | None, uses_parts: bool, only_one: bool) -> str | None:
    if label is None or only_one:
        return None
    m = _PART.match(label)
    if m:
        schedule, part = m.group(1), m.group(2)
        return f"part-{part}" if schedule in (None, "1") else f"schedule-{schedule}-part-{part}"
    if _BARE.match(label):
        if not uses_parts or label == "1":
            return f"part-{label}"
        return f"schedule-{label}"
    return label


def references(ctx: Context, records: list[SemaRecord]) -> dict[int, str]:
    """The stable reference of every record: regime, part, item; the name added if ambiguous."""
    parts = _part_keys(records)
    refs: dict[int, str] = {}
    for record in records:
        regime = regime_of(record.fields.get("Country"))[0]
        item = record.get("Item")
        pieces = [regime, parts[record.position], f"item-{item}" if item else None]
        if item is None:
            ctx.warn(f"#{record.position}", "has no Item number; its name is used in its id")
            pieces.append(display_name(record) or f"record-{record.position}")
        refs[record.position] = "-".join(p for p in pieces if p)
    counts = Counter(refs.values())
    for record in records:
        ref = refs[record.position]
        if counts[ref] > 1:
            name = display_name(record) or f"record-{record.position}"
            ctx.warn(ref, f"{counts[ref]} records share this schedule and item; "
                     f"the name {name!r} is added to the id")
            refs[record.position] = f"{ref}-{name}"
    return refs


def display_name(record: SemaRecord) -> str | None:
    """The name of the party as the record gives it (given + last, or the entity)."""
    person = " ".join(p for p in (record.get("GivenName"), record.get("LastName")) if p)
    return person or record.get("EntityOrShip", "Entity")


def schema_of(record: SemaRecord) -> str:
    """Person when there are name parts, Vessel with an IMO number, else Organization.

    Canada does not say whether an entity is a company, a ministry or an armed group;
    Organization is the most specific schema true of all of them.
    """
    if record.get("GivenName", "LastName"):
        return "Person"
    if record.get("ShipIMONumber"):
        return "Vessel"
    return "Organization"


def schedule_label(schedule: str | None) -> str | None:
    """"1, Part 1" -> "Schedule 1, Part 1"; "Part 2" stays; "N/A" and blanks are None."""
    label = _schedule_text(schedule)
    if label is None:
        return None
    return f"Schedule {label}" if label[0].isdigit() else label


def program_of(country: str | None, schedule: str | None) -> str:
    """"Special Economic Measures (Belarus) Regulations, Schedule 1, Part 1" from the record."""
    _key, english = regime_of(country)
    regulation = english if "regulation" in english.lower() else (
        f"Special Economic Measures ({english}) Regulations"
    )
    label = schedule_label(schedule)
    return f"{regulation}, {label}" if label else regulation


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    return "latin" if unicodedata.name(ch, "").startswith("LATIN") else "other"


def _line_breaks(text: str) -> str:
    """A line break between scripts separates two names; any other one wraps a long name."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch not in "\r\n":
            out.append(ch)
            continue
        before = text[:i].rstrip()
        after = text[i + 1:].lstrip()
        a = _script(before[-1]) if before else None
        b = _script(after[0]) if after else None
        out.append(";" if a and b and a != b else " ")
    return "".join(out)


def _balanced(text: str) -> bool:
    if text.count('"') % 2:
        return False
    stack: list[str] = []
    for ch in text:
        if ch in _BRACKETS:
            stack.append(_BRACKETS[ch])
        elif ch in _BRACKETS.values():
            if not stack or stack.pop() != ch:
                return False
    return not stack


def split_top(text: str, seps: str) -> list[str]:
    """Split on any of `seps` outside brackets and quotes (plainly if they are unbalanced)."""
    if not _balanced(text):
        return re.split(f"[{re.escape(seps)}]", text)
    parts: list[str] = []
    buf: list[str] = []
    stack: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch in _BRACKETS:
            stack.append(_BRACKETS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        if ch in seps and not stack and not quoted:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


def _join_legal_forms(parts: list[str]) -> list[str]:
    """Put back what a comma cut from a name: a lone legal form ("Рембаза", "АО") or a
    lower-case Cyrillic continuation ("... Государств", "соотечественников", ...)."""
    out: list[str] = []
    pending: str | None = None
    for part in parts:
        text = part.strip()
        if not text:
            continue
        if out and _CYRILLIC_LOWER.match(text):
            out[-1] = f"{out[-1]}, {text}"
            continue
        if text.lower().rstrip(".") in _LEGAL_FORMS:
            if out:
                out[-1] = f"{out[-1]}, {text}"
            else:
                pending = text
            continue
        if pending:
            text, pending = f"{pending}, {text}", None
        out.append(text)
    if pending:
        out.append(pending)
    return out


def _split_slash(name: str) -> list[str]:
    """"A / B" and "A/ B" are two names; "A/B" too when both sides have two words or more."""
    parts = [p for p in _SPACED_SLASH.split(name) if p.strip()]
    if len(parts) > 1:
        return parts
    halves = split_top(name, "/")
    if len(halves) == 2 and all(len(h.split()) >= 2 for h in halves):
        return halves
    return [name]


def _tidy(name: str) -> str:
    text = re.sub(r"\s+", " ", name).strip(" ,;:")
    while text.endswith("(") or text.startswith(")"):
        text = text.strip("()").strip(" ,;:")
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].strip()
    if text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].strip()
    if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def split_aliases(raw: str | None, person: bool = False) -> list[tuple[str, bool]]:
    """The names in an `Aliases` string, each with whether it is weak.

    A one-word alias of a person ("Andrei", or "Vasilievich" cut out of "Vasilyevich or
    Vasilievich") is only a name part, so weak; one-word names of organisations are
    acronyms and brands ("IRGC", "ЛУКОЙЛ") and stay strong.
    """
    if not raw:
        return []
    text = _line_breaks(raw.replace("\xa0", " "))
    text = _LANG_LABEL.sub(";", text)
    found: list[tuple[str, bool]] = []
    for piece in _join_legal_forms(split_top(text, ",;")):
        for part in _split_slash(piece):
            alternatives = _OR_SPLIT.split(part)
            pieces: list[str] = []
            for alt in alternatives:
                if person or not _LATIN.search(_AND_SPLIT.sub(" ", alt)):
                    pieces.extend(_AND_SPLIT.split(alt))
                else:
                    pieces.append(alt)
            for name in pieces:
                tidy = _tidy(name)
                words = tidy.lower().split()
                if not words or all(w in _GENERIC_WORDS for w in words):
                    continue
                found.append((tidy, person and len(words) == 1))
    seen: set[str] = set()
    unique: list[tuple[str, bool]] = []
    for name, weak in found:
        if name.lower() not in seen:
            seen.add(name.lower())
            unique.append((name, weak))
    return unique


def _split_last_name(last: str | None) -> tuple[str | None, str | None]:
    """"DIKIY (DIKY)" -> ("DIKIY", "DIKY"): the bracketed spelling is another name."""
    if last is None:
        return None, None
    m = re.match(r"^(.+?)\s*\((.+)\)$", last)
    if m:
        return m.group(1), m.group(2)
    return last, None


def _add_person(ctx: Context, target: EntityProxy, record: SemaRecord, ref: str) -> None:
    given = record.get("GivenName")
    last, other_last = _split_last_name(record.get("LastName"))
    add_value(ctx, target, "firstName", given, ref)
    add_value(ctx, target, "lastName", last, ref)
    add_name(ctx, target, " ".join(p for p in (given, last) if p), ref)
    if other_last:
        add_value(ctx, target, "lastName", other_last, ref)
        add_name(ctx, target, " ".join(p for p in (given, other_last) if p), ref, "alias")
    add_value(ctx, target, "title", record.get("TitleOrShip", "Title"), ref)
    birth = record.get("DateOfBirthOrShipBuildDate", "DateOfBirth")
    for value in _DATES_SPLIT.split(birth) if birth else []:
        add_birth_date(ctx, target, value, ref)


def _add_organization(ctx: Context, target: EntityProxy, record: SemaRecord, ref: str) -> None:
    name = record.get("EntityOrShip", "Entity")
    add_name(ctx, target, name, ref)
    if name:
        halves = _split_slash(name)
        if len(halves) > 1:
            for half in halves:
                add_name(ctx, target, _tidy(half), ref, "alias")


def _add_vessel(ctx: Context, target: EntityProxy, record: SemaRecord,
                ref: str) -> list[EntityProxy]:
    add_name(ctx, target, record.get("EntityOrShip", "Entity"), ref)
    add_value(ctx, target, "type", record.get("TitleOrShip", "Title"), ref)
    add_date(ctx, target, "buildDate", record.get("DateOfBirthOrShipBuildDate"), ref)
    ident = make_identification(ctx, target, "imo", record.get("ShipIMONumber"), ref,
                                type_label="IMO number")
    return [ident] if ident is not None else []


def build(ctx: Context, record: SemaRecord, ref: str) -> list[EntityProxy]:
    """The target, its Sanction and helper entities for one record."""
    schema = schema_of(record)
    target = ctx.make(schema)
    target.id = ctx.make_id(ref)
    extra: list[EntityProxy] = []
    if schema == "Person":
        _add_person(ctx, target, record, ref)
    elif schema == "Vessel":
        extra = _add_vessel(ctx, target, record, ref)
    else:
        _add_organization(ctx, target, record, ref)
    if not target.get("name"):
        ctx.warn(ref, "has no name")
    primary = {n.lower() for n in target.get("name")}
    for alias, weak in split_aliases(record.fields.get("Aliases"), person=schema == "Person"):
        if alias.lower() not in primary:
            add_name(ctx, target, alias, ref, "weakAlias" if weak else "alias")
    mark_target(target)
    country = record.fields.get("Country")
    schedule = record.fields.get("Schedule")
    item = record.get("Item")
    authority_id = ", ".join(
        p for p in (schedule_label(schedule), f"Item {item}" if item else None) if p
    )
    sanction = make_sanction(
        ctx, target, ref, authority=AUTHORITY, programs=[program_of(country, schedule)],
        listing_date=record.get("DateOfListing"), authority_id=authority_id or ref,
    )
    code = country_code(clean(country))
    if code:
        sanction.add("country", code)
    return [target, sanction, *extra]


def parse(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Every record of `sema-lmes.xml` as a target, its Sanction and identifiers."""
    path = files["main"]
    records = read_records(ctx, path)
    refs = references(ctx, records)
    for record in in_turn(records):
        yield from build(ctx, record, refs[record.position])


FORMATS = [Format(name=FORMAT, sniff=sniff, parse=parse, passes=2)]
