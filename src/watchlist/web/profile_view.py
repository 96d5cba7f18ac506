"""Everything the profile page shows of one party, gathered from the screener's profiles
(which records of which lists are the same party, and why) and the store (each record in
full: designations, names in every script, dates, countries, identifiers, addresses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from followthemoney import EntityProxy
from followthemoney.types import registry

from watchlist.errors import StoreError
from watchlist.names.scripts import main_script
from watchlist.profiles.record import Profile, designation, load_profile
from watchlist.profiles.view import entity_text, profile_members, readable_properties
from watchlist.screener import Screener
from watchlist.store.labels import bundled_notice
from watchlist.store.store import Store, Version
from watchlist.web.history import Event, last_listed, record_history
from watchlist.web.render import country_name, percent, short_source

#: Name properties, in the order shown, with what the page calls them.
NAME_PROPS = (("name", "name"), ("alias", "also known as"), ("previousName", "formerly"),
              ("weakAlias", "weak alias"), ("abbreviation", "abbreviation"))
DATE_PROPS = (("birthDate", "born"), ("deathDate", "died"), ("incorporationDate",
              "incorporated"), ("buildDate", "built"))
PLACE_PROPS = ("birthPlace",)
COUNTRY_PROPS = (("nationality", "nationality"), ("citizenship", "citizenship"),
                 ("country", "country"), ("jurisdiction", "jurisdiction"),
                 ("birthCountry", "born in"), ("flag", "flag"),
                 ("registrationCountry", "registered in"), ("mainCountry", "main country"))
DETAIL_PROPS = ("title", "position", "gender", "religion", "education", "type", "tonnage",
                "notes", "summary", "description", "sourceUrl", "website", "email", "phone")

#: How each linking rule reads (see `watchlist.profiles.linking`).
RULES = {
    "identifier": "the same identifier {identifier}",
    "name+birth_date": "the same birth date {birth_date}",
    "name+listing_date": "designated on the same day, {listed}",
    "name+birth_year": "the same birth year ({birth_date})",
    "name+country": "the country {country} in common",
}


@dataclass
class Fact:
    """A value of the party and the lists that state it."""

    value: str
    label: str
    sources: list[str] = field(default_factory=list)
    extra: str = ""
    records: dict[str, list[str]] = field(default_factory=dict)  # source -> record ids


@dataclass
class Record:
    """One list record of the party."""

    entity_id: str
    caption: str
    schema: str
    source: str
    version: int
    published: str | None
    designations: list[dict[str, Any]]
    history: list[Event]
    notice: str | None = None  # the version is a bundled snapshot: says so


@dataclass
class LinkView:
    a: str
    b: str
    sources: list[str]
    why: str
    names: list[str]
    name_score: str


@dataclass
class ProfileView:
    """The page's data."""

    entity_id: str
    caption: str
    schema: str
    profile_id: str | None
    records: list[Record]
    names: dict[str, list[Fact]]  # script -> names
    dates: list[Fact]
    places: list[Fact]
    countries: list[Fact]
    identifiers: list[Fact]
    addresses: list[Fact]
    details: list[Fact]
    links: list[LinkView]
    versions: list[Any]
    delisted: Version | None = None  # no list serves it now: shown as this version had it

    @property
    def designations(self) -> list[dict[str, Any]]:
        return [d for r in self.records for d in r.designations]

    @property
    def sources(self) -> list[str]:
        return sorted({r.source for r in self.records})


class _Facts:
    """Values gathered across records, each once, with the sources stating it."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Fact] = {}

    def add(self, value: str, label: str, source: str, extra: str = "",
            record: str = "") -> None:
        value = value.strip()
        if not value:
            return
        key = (value.casefold(), label)
        fact = self.items.get(key)
        if fact is None:
            fact = self.items[key] = Fact(value, label, [], extra)
        if source not in fact.sources:
            fact.sources.append(source)
        supplied = fact.records.setdefault(source, [])
        if record and record not in supplied:
            supplied.append(record)

    def list(self) -> list[Fact]:
        return list(self.items.values())


def _values(entity: EntityProxy, prop: str) -> list[str]:
    return list(entity.get(prop, quiet=True))


def _record_designations(profile: Profile) -> list[dict[str, Any]]:
    found = []
    for sanction in profile.sanctions:
        data = designation(sanction)
        data["source"] = profile.version.source
        data["entity_id"] = profile.entity.id
        found.append(data)
    if not found:  # a target without a Sanction entity still stands on its list
        found.append({"id": None, "publisher": [], "regime": [], "reference": [],
                      "listing_date": [], "start_date": [], "end_date": [], "reasons": [],
                      "provisions": [], "summary": [], "source_url": [], "properties": {},
                      "source": profile.version.source, "entity_id": profile.entity.id})
    return found


def _link_view(link: dict[str, Any]) -> LinkView:
    rule = str(link.get("rule", ""))
    values = {k: (", ".join(map(str, v)) if isinstance(v, list) else v)
              for k, v in link.items()}
    if "country" in values:
        values["country"] = country_name(str(values["country"]))
    try:
        why = RULES[rule].format(**values)
    except (KeyError, IndexError):
        why = rule
    names = [str(n) for n in link.get("names") or []]
    return LinkView(a=str(link.get("a")), b=str(link.get("b")),
                    sources=[short_source(s) for s in link.get("sources") or []],
                    why=why, names=names, name_score=percent(link.get("name_score")))


def build_profile(store: Store, screener: Screener | None, entity_id: str) -> ProfileView:
    """The profile of the party a list record belongs to (a record since removed from its
    list: as the last version holding it had it); StoreError when no version held it."""
    profile_id, lead, ids, links = profile_members(
        screener.index if screener is not None else None, entity_id)
    if entity_id not in ids:  # a profile id: the page of its lead record
        entity_id = lead
    profiles = []
    delisted = None
    for record_id in ids:
        try:
            profiles.append(load_profile(store, record_id))
        except StoreError:
            if record_id != entity_id:
                continue
            found = last_listed(store, entity_id)
            if found is None:
                raise
            record, delisted = found
            profiles.append(Profile(record.target, record.linked, delisted))
    if not profiles:
        raise StoreError(f"no entity {entity_id!r} in the lists serving now")
    names: dict[str, _Facts] = {}
    dates, places, countries = _Facts(), _Facts(), _Facts()
    identifiers, addresses, details = _Facts(), _Facts(), _Facts()
    records = []
    for profile in profiles:
        entity, source = profile.entity, profile.version.source
        rid = entity.id or ""
        for prop, label in NAME_PROPS:
            for value in _values(entity, prop):
                script = main_script(value) or "Other"
                names.setdefault(script, _Facts()).add(value, label, source, "", rid)
        for prop, label in DATE_PROPS:
            for value in _values(entity, prop):
                dates.add(value, label, source, "", rid)
        for prop in PLACE_PROPS:
            for value in _values(entity, prop):
                places.add(value, "born in", source, "", rid)
        for prop, label in COUNTRY_PROPS:
            for value in _values(entity, prop):
                countries.add(country_name(value), label, source, "", rid)
        for prop in entity.iterprops():
            if prop.type == registry.identifier:
                for value in entity.get(prop):
                    identifiers.add(value, prop.label, source, "", rid)
        readable = readable_properties(store, entity)
        for value in readable.get("address", []) + readable.get("addressEntity", []):
            addresses.add(value, "address", source, "", rid)
        for prop in DETAIL_PROPS:
            schema_prop = entity.schema.get(prop)
            if schema_prop is None:
                continue
            for value in entity.get(schema_prop):
                details.add(value, schema_prop.label, source, "", rid)
        for other in profile.details:
            if other.schema.is_a("Identification"):
                kind = other.first("type", quiet=True) or other.schema.label
                where = country_name(other.first("country", quiet=True))
                for number in _values(other, "number"):
                    identifiers.add(number, kind, source, where, rid)
            elif other.schema.name == "Address":
                text = entity_text(other)
                addresses.add(text, "address", source,
                              country_name(other.first("country", quiet=True)), rid)
        records.append(Record(
            entity_id=entity.id or "", caption=entity.caption, schema=entity.schema.label,
            source=source, version=profile.version.version,
            published=profile.version.published,
            designations=_record_designations(profile),
            history=record_history(store, entity.id or ""),
            notice=bundled_notice(profile.version)))
    head = next((p for p in profiles if p.entity.id == lead), profiles[0])
    order = {"Latin": 0}
    return ProfileView(
        entity_id=entity_id, caption=head.entity.caption, schema=head.entity.schema.label,
        profile_id=profile_id, records=records,
        names={script: names[script].list()
               for script in sorted(names, key=lambda s: (order.get(s, 1), s))},
        dates=dates.list(), places=places.list(), countries=countries.list(),
        identifiers=identifiers.list(), addresses=addresses.list(), details=details.list(),
        links=[_link_view(link) for link in links],
        versions=[p.version for p in profiles], delisted=delisted)
