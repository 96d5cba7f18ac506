"""Naming the parties of relations: a side given by a listed entity's id is that entity; a
side given by the user's own id (an LEI, a company number, any id) is that id; a side given
by name alone is the listed entity of exactly that name (normalised: case, accents, script)
when there is one, else a party of that name."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from watchlist.names.normalize import normalize_text
from watchlist.sources.relations import Relation


@dataclass
class Directory:
    """The listed entities: their names, the list of each, and each name's entities."""

    captions: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, list[str]] = field(default_factory=dict)

    def add(self, entity_id: str, source: str, caption: str, names: list[str]) -> None:
        self.captions[entity_id] = caption
        self.sources[entity_id] = source
        for name in {caption, *names}:
            key = normalize_text(name)
            if key:
                ids = self.by_name.setdefault(key, [])
                if entity_id not in ids:
                    ids.append(entity_id)

    def listed_in(self, lists: tuple[str, ...]) -> list[str]:
        """Ids of the entities of the given lists."""
        wanted = set(lists)
        return [e for e, source in self.sources.items() if source in wanted]


def name_id(name: str) -> str:
    """The id of a party known by name only."""
    return "name-" + (normalize_text(name).replace(" ", "-") or name.strip().casefold())


def _side(party: str, name: str, directory: Directory) -> tuple[str, str]:
    if party:
        return party, name or directory.captions.get(party, "")
    ids = directory.by_name.get(normalize_text(name))
    if ids:
        chosen = sorted(ids)[0]
        return chosen, directory.captions.get(chosen, name)
    return name_id(name), name


def resolve(relation: Relation, directory: Directory) -> Relation:
    """The relation with both sides named by id."""
    owner, owner_name = _side(relation.owner, relation.owner_name, directory)
    owned, owned_name = _side(relation.owned, relation.owned_name, directory)
    return replace(relation, owner=owner, owned=owned, owner_name=owner_name,
                   owned_name=owned_name)
