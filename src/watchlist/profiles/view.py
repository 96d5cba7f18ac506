"""The whole profile of a party: every list record linked to it, each with its names, facts
and designations, and the evidence of each link; what `show`, `/entities` and the profile
page present."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from followthemoney import EntityProxy

from watchlist.errors import StoreError
from watchlist.profiles.record import Profile, designation, load_profile
from watchlist.store.labels import mark_ref
from watchlist.store.store import Store

#: Properties that state a fact of the party (not a name), in the order shown.
FACT_PROPS = ("birthDate", "deathDate", "birthPlace", "incorporationDate", "buildDate",
              "gender", "nationality", "citizenship", "country", "jurisdiction",
              "birthCountry", "registrationCountry", "mainCountry", "flag", "position",
              "title", "website", "email", "phone")
NAME_PROPS = ("name", "alias", "previousName", "weakAlias", "abbreviation")


def entity_text(entity: EntityProxy) -> str:
    """How a referenced entity reads as a value: an address its full text, else its
    caption (never its internal id)."""
    if entity.schema.is_a("Address"):
        full = entity.first("full", quiet=True)
        if full:
            return full
        parts = [entity.first(p, quiet=True) for p in
                 ("street", "street2", "city", "postalCode", "region", "country")]
        text = ", ".join(p for p in parts if p)
        if text:
            return text
    return entity.caption


def readable_properties(store: Store, entity: EntityProxy, as_of: str | None = None
                        ) -> dict[str, list[str]]:
    """An entity's properties with every reference to another entity (an address, ...)
    replaced by that entity's text; a reference no list serves is left out."""
    properties: dict[str, list[str]] = {}
    for name, values in entity.to_dict()["properties"].items():
        prop = entity.schema.properties.get(name)
        if prop is None or prop.type.name != "entity":
            properties[name] = list(values)
            continue
        texts = []
        for value in values:
            try:
                ref, _linked, _version = store.entity(value, as_of)
            except StoreError:
                continue
            texts.append(entity_text(ref))
        if texts:
            properties[name] = texts
    return properties


def _facts(store: Store, profile: Profile, as_of: str | None) -> dict[str, Any]:
    entity = profile.entity
    props = readable_properties(store, entity, as_of)
    facts = {p: props[p] for p in FACT_PROPS if p in props}
    addresses = list(props.get("address", []))
    for text in props.get("addressEntity", []):
        if text not in addresses:
            addresses.append(text)
    identifiers = []
    for prop in entity.iterprops():
        if prop.type.name == "identifier":
            identifiers.extend({"kind": prop.label, "number": v, "country": None}
                               for v in entity.get(prop))
    for other in profile.details:
        if other.schema.is_a("Identification"):
            for number in other.get("number", quiet=True):
                identifiers.append({"kind": other.first("type", quiet=True)
                                    or other.schema.label, "number": number,
                                    "country": other.first("country", quiet=True)})
        elif other.schema.is_a("Address"):
            text = entity_text(other)
            if text not in addresses:
                addresses.append(text)
    if addresses:
        facts["addresses"] = addresses
    if identifiers:
        facts["identifiers"] = identifiers
    return facts


def record_dict(store: Store, profile: Profile, as_of: str | None = None) -> dict[str, Any]:
    """One record of a profile: its list version, names, facts (addresses as text) and
    designations (publisher, regime, listing date, reference)."""
    entity, version = profile.entity, profile.version
    return mark_ref({
        "id": entity.id,
        "schema": entity.schema.name,
        "caption": entity.caption,
        "source": version.source,
        "version": version.version,
        "published": version.published,
        "names": {p: list(entity.get(p, quiet=True)) for p in NAME_PROPS
                  if entity.get(p, quiet=True)},
        "facts": _facts(store, profile, as_of),
        "designations": [{**designation(s), "source": version.source,
                          "entity_id": entity.id} for s in profile.sanctions],
    }, version)


@dataclass
class WholeProfile:
    """A party as every list that names it describes it: the record asked for, the records
    linked to it and the evidence of each link."""

    entity_id: str
    profile_id: str | None
    lead_id: str
    records: list[Profile]
    links: list[dict[str, Any]] = field(default_factory=list)

    @property
    def asked(self) -> Profile:
        return next(p for p in self.records if p.entity.id == self.entity_id)

    @property
    def sources(self) -> list[str]:
        return sorted({p.version.source for p in self.records})

    def to_dict(self, store: Store, as_of: str | None = None) -> dict[str, Any]:
        """The record asked for as `Profile.to_dict` gives it, with the whole profile:
        `profile_id`, every record (`records`), every designation and the links."""
        body = self.asked.to_dict()
        body["properties"] = readable_properties(store, self.asked.entity, as_of)
        body["profile_id"] = self.profile_id
        body["designations"] = [
            {"id": s.id, **s.to_dict()["properties"], "source": p.version.source,
             "entity_id": p.entity.id}
            for p in self.records for s in p.sanctions]
        body["records"] = [record_dict(store, p, as_of) for p in self.records]
        body["links"] = [dict(link) for link in self.links]
        return body


def profile_members(index: Any, entity_id: str) -> tuple[str | None, str, list[str],
                                                         list[dict[str, Any]]]:
    """From the screener's index: the profile id, its lead record, its record ids and its
    links; a record the index does not hold is a profile of its own."""
    if index is None or entity_id not in index.by_id and entity_id not in index.profile_ids:
        return None, entity_id, [entity_id], []
    if entity_id in index.by_id:
        pid = int(index.profile_of[index.by_id[entity_id]])
    else:
        pid = index.profile_ids.index(entity_id)
    pid_text = index.profile_ids[pid]
    members = [index.parties[m].id or "" for m in index.profiles[pid]]
    links = [link for link in index.links if link.get("profile_id") == pid_text]
    return pid_text, index.parties[index.profile_lead[pid]].id or "", members, links


def load_whole_profile(store: Store, index: Any, entity_id: str, as_of: str | None = None
                       ) -> WholeProfile:
    """The whole profile of a record id (or a profile id) from the index's links and the
    store's records; StoreError when no serving list holds the record."""
    profile_id, lead, members, links = profile_members(index, entity_id)
    asked = entity_id if entity_id in members else lead
    records: list[Profile] = []
    for record_id in members:
        try:
            records.append(load_profile(store, record_id, as_of))
        except StoreError:
            if record_id == asked:
                raise
    return WholeProfile(entity_id=asked, profile_id=profile_id, lead_id=lead,
                        records=records, links=links)

