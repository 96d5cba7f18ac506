"""A designated party's profile: the target with its designations, addresses and identifiers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from followthemoney import EntityProxy

from watchlist.store.labels import mark_ref
from watchlist.store.store import Store, Version


@dataclass
class Profile:
    """One target and every entity of its list that describes it."""

    entity: EntityProxy
    linked: list[EntityProxy]
    version: Version

    @property
    def sanctions(self) -> list[EntityProxy]:
        return [e for e in self.linked if e.schema.name == "Sanction"]

    @property
    def details(self) -> list[EntityProxy]:
        return [e for e in self.linked if e.schema.name != "Sanction"]

    def to_dict(self) -> dict[str, Any]:
        return mark_ref({
            "id": self.entity.id,
            "schema": self.entity.schema.name,
            "caption": self.entity.caption,
            "source": self.version.source,
            "version": self.version.version,
            "published": self.version.published,
            "properties": self.entity.to_dict()["properties"],
            "designations": [
                {"id": s.id, **s.to_dict()["properties"]} for s in self.sanctions
            ],
            "linked": [e.to_dict() for e in self.details],
        }, self.version)


def load_profile(store: Store, entity_id: str, as_of: str | None = None) -> Profile:
    """The profile of an entity in the list version serving now (or on `as_of`)."""
    entity, linked, version = store.entity(entity_id, as_of)
    return Profile(entity, linked, version)


def _values(entity: EntityProxy, *props: str) -> list[str]:
    found: list[str] = []
    for prop in props:
        for value in entity.get(prop, quiet=True):
            if value not in found:
                found.append(value)
    return found


def designation(sanction: EntityProxy) -> dict[str, Any]:
    """A Sanction entity as a designation: publisher, regime, reference, date, reasons."""
    return {
        "id": sanction.id,
        "publisher": _values(sanction, "authority"),
        "regime": _values(sanction, "program", "programId"),
        "reference": _values(sanction, "authorityId", "unscId"),
        "listing_date": _values(sanction, "listingDate"),
        "start_date": _values(sanction, "startDate"),
        "end_date": _values(sanction, "endDate"),
        "reasons": _values(sanction, "reason"),
        "provisions": _values(sanction, "provisions"),
        "summary": _values(sanction, "summary"),
        "source_url": _values(sanction, "sourceUrl"),
        "properties": sanction.to_dict()["properties"],
    }
