"""A list record's history across the stored versions of its list: when it was added, what
changed from one version to the next (its own fields and those of its designations,
addresses and identity documents), and when it was removed.

Built on the monitor's diff (`watchlist.monitor.diff`): the record is read from each
version of its list that holds it and compared field by field with the one before, the
way the Changes page compares whole versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from followthemoney import model
from sqlalchemy import select

from watchlist.monitor.diff import Record, field_values, load_records, record_changes
from watchlist.store import schema as t
from watchlist.store.store import Store, Version

#: Fields that are bookkeeping, not content: never reported as a change.
IGNORED = frozenset({"topics", "modifiedAt", "createdAt", "lastChange", "retrievedAt"})
#: Values shown per changed field before "and N more".
MAX_VALUES = 6


@dataclass
class Change:
    """One field that changed: the values added and removed."""

    field: str
    added: list[str]
    removed: list[str]
    more: int = 0


@dataclass
class Event:
    """What happened to the record in one version of its list."""

    kind: str  # "added", "changed", "removed", "listed again"
    version: Version
    changes: list[Change] = field(default_factory=list)


def _order(v: Version) -> tuple[str, str, int]:
    return (v.published or "", v.fetched_at, v.id)


def field_label(name: str) -> str:
    """A diff field name in words: "alias" -> "Other name", "Sanction.program" ->
    "Sanction: Program"."""
    schema_name, _, prop_name = name.rpartition(".")
    schema = model.get(schema_name or "Thing")
    prop = schema.get(prop_name) if schema is not None else None
    if prop is None:
        for candidate in ("LegalEntity", "Person", "Organization", "Vessel", "Airplane"):
            prop = model.get(candidate).get(prop_name)  # type: ignore[union-attr]
            if prop is not None:
                break
    label = prop.label if prop is not None else prop_name
    return f"{schema.label}: {label}" if schema_name and schema is not None else label


def changes_of(fields: dict[str, dict[str, list[str]]]) -> list[Change]:
    """The diff's field changes as the page lists them (bookkeeping fields left out)."""
    found = []
    for name, values in fields.items():
        if name.rpartition(".")[2] in IGNORED:
            continue
        added, removed = values.get("added", []), values.get("removed", [])
        more = max(0, len(added) - MAX_VALUES) + max(0, len(removed) - MAX_VALUES)
        found.append(Change(field_label(name), added[:MAX_VALUES], removed[:MAX_VALUES], more))
    return found


def last_listed(store: Store, entity_id: str) -> tuple[Record, Version] | None:
    """A record no list serves now, as the newest stored version holding it had it (a party
    since removed from its list); None when no stored version ever held it."""
    with store.engine.connect() as conn:
        held = set(conn.execute(select(t.version_entities.c.version_id)
                                .where(t.version_entities.c.entity_id == entity_id)).scalars())
        if not held:
            return None
        newest = max((v for v in store.versions() if v.id in held), key=_order)
        record = load_records(conn, newest.id, [entity_id]).get(entity_id)
    return (record, newest) if record is not None else None


def record_history(store: Store, entity_id: str) -> list[Event]:
    """Every version of the record's list from the one that added it, as events (oldest
    first); versions where nothing about the record changed are left out."""
    with store.engine.connect() as conn:
        held = set(conn.execute(select(t.version_entities.c.version_id)
                                .where(t.version_entities.c.entity_id == entity_id)).scalars())
    if not held:
        return []
    first = next(v for v in store.versions() if v.id in held)
    versions = sorted(store.versions(first.source), key=_order)
    events: list[Event] = []
    previous: tuple[Record, dict[str, set[str]]] | None = None
    present = False
    with store.engine.connect() as conn:
        for version in versions:
            record = (load_records(conn, version.id, [entity_id]).get(entity_id)
                      if version.id in held else None)
            if record is None:
                if present:
                    events.append(Event("removed", version))
                present = False
                continue
            values = field_values(record)
            if previous is None:
                events.append(Event("added", version))
            elif not present or values != previous[1]:
                changes = changes_of(record_changes(previous[0], record))
                if changes or not present:
                    events.append(Event("changed" if present else "listed again", version,
                                        changes))
            previous, present = (record, values), True
    return events
